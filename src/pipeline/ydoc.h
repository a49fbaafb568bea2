/*
** pipeline/ydoc.h: a YAML document as a small read-only tree with source
** positions, for job files (pipeline/job.h) and other configuration files.
**
** ydoc_parse runs Debian's libyaml (the document loader) over the text and
** copies the result into the caller's arena as ynode values: scalars keep
** their text and whether they were written plain (unquoted), so callers can
** tell `12`/`true`/`null` from "12"/"true"/"null"; every node keeps the
** 1-based line and column of its first character, so errors can say
** "job.yaml:12:5: ...". Then the libyaml document is freed: nothing of
** libyaml outlives the call.
**
** YAML features handled here so callers never see them:
**   anchors and aliases (&a / *a): an alias is the same ynode as its anchor
**     (the tree is a DAG; it is built once per anchored node, so "billion
**     laughs" inputs cost memory linear in the input);
**   merge keys (`<<: *defaults`, or `<<: [*a, *b]`): the merged mappings'
**     pairs are added to the mapping unless it has the key itself (YAML 1.1
**     merge semantics; earlier mappings in a list win over later ones).
** Refused with LAGO_PARSE and a position: syntax errors (libyaml's own
** message), a second document in the file, an alias that refers to a node
** containing it, a mapping with two equal plain keys, non-scalar keys,
** nesting deeper than YDOC_MAX_DEPTH, more than YDOC_MAX_NODES nodes, text
** longer than YDOC_MAX_TEXT bytes. Out of memory is LAGO_NOMEM.
**
** Memory: libyaml allocates with the C library's malloc (it has no allocator
** hook), so the loader's temporary memory does not go through util/alloc.h;
** the tree itself lives in the caller's arena. libyaml failing to allocate
** gives LAGO_NOMEM like anything else.
*/
#ifndef LAGO_PIPELINE_YDOC_H
#define LAGO_PIPELINE_YDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/status.h"

#define YDOC_MAX_TEXT (4u << 20) /* bytes of YAML text */
#define YDOC_MAX_NODES 200000u   /* distinct nodes in one document */
#define YDOC_MAX_DEPTH 64u       /* containers nested inside each other */

typedef enum ynode_kind { YNODE_SCALAR = 1, YNODE_SEQ, YNODE_MAP } ynode_kind;

typedef struct ynode ynode;

typedef struct ypair {
  const ynode *key;    /* always a SCALAR */
  const ynode *value;
} ypair;

struct ynode {
  uint8_t kind;        /* ynode_kind */
  bool plain;          /* SCALAR: written without quotes or block indicators */
  uint32_t line;       /* 1-based line of the node's first character */
  uint32_t col;        /* 1-based column (in bytes) */
  uint32_t len;        /* SCALAR: bytes of str; SEQ: items; MAP: pairs */
  union {
    const char *str;       /* SCALAR: NUL-terminated (may hold NUL itself: use len) */
    const ynode *const *items; /* SEQ */
    const ypair *pairs;    /* MAP, in source order, merges resolved */
  } u;
};

/*
** Parses text[0..len) (one YAML document) into a tree allocated in ar.
** `file` names the text in error messages ("file:line:col: ..."). An empty
** document (nothing but comments) gives *root = NULL and LAGO_OK.
*/
int ydoc_parse(arena *ar, const char *file, const char *text, size_t len, const ynode **root, lago_err *err);

/* Value of `key` in a MAP (NULL if absent or n is not a MAP). */
const ynode *ynode_get(const ynode *n, const char *key);
/* True for a plain scalar `null`, `Null`, `NULL`, `~` or nothing at all (`key:`). */
bool ynode_is_null(const ynode *n);
/* "a string", "a list", "a mapping": for messages. */
const char *ynode_kind_name(const ynode *n);

/*
** Records LAGO_PARSE "file:line:col: <message>" at n's position (n may be
** NULL: then "file: <message>"). Returns LAGO_PARSE.
*/
int ydoc_error(lago_err *err, const char *file, const ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* LAGO_PIPELINE_YDOC_H */
