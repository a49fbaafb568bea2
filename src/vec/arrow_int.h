/*
** vec/arrow_int.h: private to vec/arrow_*.c. The shared-ownership record of
** an export, and the metadata codec.
**
** One export (a schema tree or an array tree) owns one arena holding every
** child struct, pointer array, string and converted buffer, plus an optional
** arrow_keep (the caller's batch arena when buffers are exported zero-copy).
** Every exported node (root, children, dictionary) holds one reference on the
** record through private_data; releasing a node releases its unreleased
** children, marks itself released and drops its reference; the last
** reference frees the keep and then the arena (which contains the record).
** That makes moving children out (spec, "Moving child arrays") safe: a moved
** child keeps everything alive on its own.
*/
#ifndef LAGO_VEC_ARROW_INT_H
#define LAGO_VEC_ARROW_INT_H

#include <stdatomic.h>

#include "vec/arrow.h"

typedef struct arrow_holder {
  atomic_long refs; /* live exported nodes */
  arena *ar;        /* owns everything, this record included */
  arrow_keep keep;  /* freed when refs reaches 0; may be empty */
} arrow_holder;

/* New record in a new arena (first block `first_block` bytes). NULL on OOM. */
arrow_holder *arrow_holder_new(size_t first_block);
/* Frees an export that never got handed out (refs unused; keep not freed). */
void arrow_holder_abandon(arrow_holder *h);
/* One more / one fewer reference; the last unref frees everything. */
void arrow_holder_ref(arrow_holder *h);
void arrow_holder_unref(arrow_holder *h);

/*
** Arrow field metadata (spec "ArrowSchema.metadata"), integers in native
** (here little-endian) byte order, no terminator:
**   int32 n_pairs | n_pairs x ( int32 key_len | key bytes | int32 val_len | val bytes )
** arrow_meta_find looks up key; the blob is untrusted: counts and lengths are
** checked for sign and a sane bound (the C interface carries no total size,
** so a blob shorter than its own lengths cannot be detected).
** Returns 1 found (*val and *val_len point into the blob), 0 not found, -1 malformed.
** key NULL checks the whole blob (0 well-formed, -1 malformed).
*/
int arrow_meta_find(const char *meta, const char *key, const char **val, int32_t *val_len);

#endif /* LAGO_VEC_ARROW_INT_H */
