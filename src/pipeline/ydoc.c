/*
** pipeline/ydoc.c: YAML text -> ynode tree (ydoc.h), over libyaml's
** document loader.
**
** libyaml's yaml_parser_load builds a document whose nodes are numbered
** 1..N and refer to each other by number (an alias is just a second
** reference to the anchored node's number). We walk it from the root,
** converting each numbered node once (memo[]), so shared nodes stay shared
** and the work is linear in N; a node met again while it is still being
** converted is an alias cycle (`&a [*a]`), which YAML allows and we refuse.
** Mappings resolve merge keys while they are converted (see resolve_map).
** All limits are checked before the work they bound.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pipeline/ydoc.h"
#include "util/alloc.h"

#define YDOC_MAX_PAIRS (4u * YDOC_MAX_NODES) /* mapping pairs made, merges included */

int ydoc_error(lago_err *err, const char *file, const ynode *n, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n) return LAGO_ERR(err, LAGO_PARSE, "%s:%u:%u: %s", file, n->line, n->col, msg);
  return LAGO_ERR(err, LAGO_PARSE, "%s: %s", file, msg);
}

typedef struct conv {
  arena *ar;
  const char *file;
  yaml_document_t *doc;
  size_t n_nodes;
  const ynode **memo;   /* heap: converted node per id-1 */
  uint8_t *state;       /* heap: 0 not seen, 1 being converted, 2 done */
  size_t pairs_made;
  lago_err *err;
} conv;

static int mark_error(conv *c, const yaml_mark_t *m, const char *what) {
  return LAGO_ERR(c->err, LAGO_PARSE, "%s:%zu:%zu: %s", c->file, m->line + 1, m->column + 1, what);
}

static int convert(conv *c, int id, uint32_t depth, const ynode **out);

/* Candidate pair during merge resolution: source order and priority (0 = the mapping's own). */
typedef struct cand {
  ypair p;
  uint32_t prio;
  uint32_t order;
} cand;

static int key_cmp(const ynode *a, const ynode *b) {
  uint32_t n = a->len < b->len ? a->len : b->len;
  int r = memcmp(a->u.str, b->u.str, n);
  if (r) return r;
  return a->len < b->len ? -1 : a->len > b->len;
}

static int cand_cmp(const void *pa, const void *pb) {
  const cand *a = pa, *b = pb;
  int r = key_cmp(a->p.key, b->p.key);
  if (r) return r;
  if (a->prio != b->prio) return a->prio < b->prio ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

static int order_cmp(const void *pa, const void *pb) {
  const cand *a = pa, *b = pb;
  return a->order < b->order ? -1 : a->order > b->order;
}

static bool is_merge_key(const ynode *k) { return k->plain && k->len == 2 && !memcmp(k->u.str, "<<", 2); }

/*
** Builds n's pairs from the converted own pairs `own` (n_own of them, merge
** keys included): own keys must be distinct; each `<<` value (a mapping or a
** list of mappings) contributes the pairs whose keys are not there yet.
*/
static int resolve_map(conv *c, ynode *n, const ypair *own, uint32_t n_own) {
  size_t total = 0;
  for (uint32_t i = 0; i < n_own; i++) {
    if (!is_merge_key(own[i].key)) {
      total++;
      continue;
    }
    const ynode *v = own[i].value;
    if (v->kind == YNODE_MAP) {
      total += v->len;
    } else if (v->kind == YNODE_SEQ) {
      for (uint32_t j = 0; j < v->len; j++) {
        if (v->u.items[j]->kind != YNODE_MAP)
          return ydoc_error(c->err, c->file, v->u.items[j], "a merge key (<<) takes mappings, not %s",
                            ynode_kind_name(v->u.items[j]));
        total += v->u.items[j]->len;
      }
    } else {
      return ydoc_error(c->err, c->file, v, "a merge key (<<) takes a mapping or a list of mappings, not %s",
                        ynode_kind_name(v));
    }
  }
  if (total > YDOC_MAX_PAIRS || c->pairs_made + total > YDOC_MAX_PAIRS)
    return ydoc_error(c->err, c->file, n, "too many mapping entries (more than %u, merges included)", YDOC_MAX_PAIRS);
  c->pairs_made += total;
  cand *cs = mem_calloc(total ? total : 1, sizeof *cs);
  if (!cs) return LAGO_NOMEM_ERR(c->err);
  uint32_t k = 0, prio = 1;
  for (uint32_t i = 0; i < n_own; i++) {
    if (!is_merge_key(own[i].key)) {
      cs[k] = (cand){own[i], 0, k};
      k++;
      continue;
    }
    const ynode *v = own[i].value;
    uint32_t n_src = v->kind == YNODE_MAP ? 1 : v->len;
    for (uint32_t s = 0; s < n_src; s++, prio++) {
      const ynode *m = v->kind == YNODE_MAP ? v : v->u.items[s];
      for (uint32_t j = 0; j < m->len; j++) {
        cs[k] = (cand){m->u.pairs[j], prio, k};
        k++;
      }
    }
  }
  qsort(cs, k, sizeof *cs, cand_cmp);
  uint32_t w = 0;
  int rc = LAGO_OK;
  /* compaction writes cs[w] with w <= i, so cs[i - 1] is still the previous candidate */
  for (uint32_t i = 0; i < k; i++) {
    if (i > 0 && key_cmp(cs[i].p.key, cs[i - 1].p.key) == 0) {
      if (cs[i].prio == 0 && cs[i - 1].prio == 0) {
        const ynode *a = cs[i - 1].p.key, *b = cs[i].p.key;
        if (a->line > b->line || (a->line == b->line && a->col > b->col)) {
          const ynode *t = a;
          a = b;
          b = t;
        }
        rc = ydoc_error(c->err, c->file, b, "duplicate key '%s' (first at line %u, column %u)", b->u.str, a->line,
                        a->col);
        break;
      }
      continue; /* a merged pair the mapping (or an earlier merge) already has */
    }
    cs[w++] = cs[i];
  }
  if (rc == LAGO_OK) {
    qsort(cs, w, sizeof *cs, order_cmp);
    ypair *pairs = arena_alloc(c->ar, (w ? w : 1) * sizeof *pairs);
    if (!pairs) {
      rc = LAGO_NOMEM_ERR(c->err);
    } else {
      for (uint32_t i = 0; i < w; i++) pairs[i] = cs[i].p;
      n->u.pairs = pairs;
      n->len = w;
    }
  }
  mem_free(cs);
  return rc;
}

static int convert(conv *c, int id, uint32_t depth, const ynode **out) {
  if (id < 1 || (size_t)id > c->n_nodes) return LAGO_ERR(c->err, LAGO_INTERNAL, "%s: bad YAML node id %d", c->file, id);
  yaml_node_t *yn = yaml_document_get_node(c->doc, id);
  size_t ix = (size_t)id - 1;
  if (c->state[ix] == 2) {
    *out = c->memo[ix];
    return LAGO_OK;
  }
  if (c->state[ix] == 1) return mark_error(c, &yn->start_mark, "an alias refers to a node that contains it");
  if (depth >= YDOC_MAX_DEPTH) {
    char msg[80];
    snprintf(msg, sizeof msg, "nested more than %u levels deep", YDOC_MAX_DEPTH);
    return mark_error(c, &yn->start_mark, msg);
  }
  c->state[ix] = 1;
  ynode *n = arena_zalloc(c->ar, sizeof *n);
  if (!n) return LAGO_NOMEM_ERR(c->err);
  n->line = yn->start_mark.line + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(yn->start_mark.line + 1);
  n->col = yn->start_mark.column + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(yn->start_mark.column + 1);
  switch (yn->type) {
    case YAML_SCALAR_NODE: {
      size_t len = yn->data.scalar.length;
      if (len > YDOC_MAX_TEXT) return mark_error(c, &yn->start_mark, "scalar too long");
      char *s = arena_alloc(c->ar, len + 1);
      if (!s) return LAGO_NOMEM_ERR(c->err);
      if (len) memcpy(s, yn->data.scalar.value, len);
      s[len] = 0;
      n->kind = YNODE_SCALAR;
      n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
      n->len = (uint32_t)len;
      n->u.str = s;
      break;
    }
    case YAML_SEQUENCE_NODE: {
      size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
      if (cnt > YDOC_MAX_NODES) return mark_error(c, &yn->start_mark, "list too long");
      const ynode **items = arena_alloc(c->ar, (cnt ? cnt : 1) * sizeof *items);
      if (!items) return LAGO_NOMEM_ERR(c->err);
      for (size_t i = 0; i < cnt; i++) TRY(convert(c, yn->data.sequence.items.start[i], depth + 1, &items[i]));
      n->kind = YNODE_SEQ;
      n->len = (uint32_t)cnt;
      n->u.items = items;
      break;
    }
    case YAML_MAPPING_NODE: {
      size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
      if (cnt > YDOC_MAX_NODES) return mark_error(c, &yn->start_mark, "mapping too long");
      ypair *own = mem_calloc(cnt ? cnt : 1, sizeof *own);
      if (!own) return LAGO_NOMEM_ERR(c->err);
      int rc = LAGO_OK;
      for (size_t i = 0; i < cnt && rc == LAGO_OK; i++) {
        yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
        rc = convert(c, p->key, depth + 1, &own[i].key);
        if (rc == LAGO_OK && own[i].key->kind != YNODE_SCALAR)
          rc = ydoc_error(c->err, c->file, own[i].key,
                          "mapping keys must be plain text, not %s (a value that starts with {{ must be quoted: "
                          "\"{{...}}\")",
                          ynode_kind_name(own[i].key));
        if (rc == LAGO_OK) rc = convert(c, p->value, depth + 1, &own[i].value);
      }
      n->kind = YNODE_MAP;
      if (rc == LAGO_OK) rc = resolve_map(c, n, own, (uint32_t)cnt);
      mem_free(own);
      if (rc) return rc;
      break;
    }
    default: return mark_error(c, &yn->start_mark, "empty YAML node");
  }
  c->state[ix] = 2;
  c->memo[ix] = n;
  *out = n;
  return LAGO_OK;
}

static int parser_error(yaml_parser_t *p, const char *file, lago_err *err) {
  if (p->error == YAML_MEMORY_ERROR) return LAGO_NOMEM_ERR(err);
  const char *problem = p->problem ? p->problem : "malformed YAML";
  if (p->error == YAML_READER_ERROR)
    return LAGO_ERR(err, LAGO_PARSE, "%s: byte %zu: %s", file, p->problem_offset, problem);
  if (p->context)
    return LAGO_ERR(err, LAGO_PARSE, "%s:%zu:%zu: %s (%s at line %zu, column %zu)", file, p->problem_mark.line + 1,
                    p->problem_mark.column + 1, problem, p->context, p->context_mark.line + 1,
                    p->context_mark.column + 1);
  return LAGO_ERR(err, LAGO_PARSE, "%s:%zu:%zu: %s", file, p->problem_mark.line + 1, p->problem_mark.column + 1,
                  problem);
}

int ydoc_parse(arena *ar, const char *file, const char *text, size_t len, const ynode **root, lago_err *err) {
  *root = NULL;
  if (len > YDOC_MAX_TEXT)
    return LAGO_ERR(err, LAGO_PARSE, "%s: too large for a YAML configuration file (%zu bytes, limit %u)", file, len,
                    YDOC_MAX_TEXT);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return LAGO_NOMEM_ERR(err);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  yaml_document_t doc;
  if (!yaml_parser_load(&parser, &doc)) {
    int rc = parser_error(&parser, file, err);
    yaml_parser_delete(&parser);
    return rc;
  }
  int rc = LAGO_OK;
  conv c = {.ar = ar, .file = file, .doc = &doc, .err = err};
  yaml_node_t *top = yaml_document_get_root_node(&doc);
  if (top) {
    /* Exactly one document: the next load must find the end of the stream. */
    yaml_document_t next;
    if (!yaml_parser_load(&parser, &next)) {
      rc = parser_error(&parser, file, err);
    } else {
      yaml_node_t *r2 = yaml_document_get_root_node(&next);
      if (r2) rc = LAGO_ERR(err, LAGO_PARSE, "%s:%zu:%zu: a second YAML document starts here (one document per file)",
                            file, next.start_mark.line + 1, next.start_mark.column + 1);
      yaml_document_delete(&next);
    }
    c.n_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
    if (rc == LAGO_OK && c.n_nodes > YDOC_MAX_NODES)
      rc = LAGO_ERR(err, LAGO_PARSE, "%s: too many YAML nodes (%zu, limit %u)", file, c.n_nodes, YDOC_MAX_NODES);
    if (rc == LAGO_OK) {
      c.memo = mem_calloc(c.n_nodes, sizeof *c.memo);
      c.state = mem_calloc(c.n_nodes, 1);
      if (!c.memo || !c.state) rc = LAGO_NOMEM_ERR(err);
    }
    if (rc == LAGO_OK) rc = convert(&c, (int)(top - doc.nodes.start) + 1, 0, root);
    mem_free(c.memo);
    mem_free(c.state);
    if (rc) *root = NULL;
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return rc;
}

const ynode *ynode_get(const ynode *n, const char *key) {
  if (!n || n->kind != YNODE_MAP) return NULL;
  size_t kl = strlen(key);
  for (uint32_t i = 0; i < n->len; i++) {
    const ynode *k = n->u.pairs[i].key;
    if (k->len == kl && !memcmp(k->u.str, key, kl)) return n->u.pairs[i].value;
  }
  return NULL;
}

bool ynode_is_null(const ynode *n) {
  if (!n || n->kind != YNODE_SCALAR || !n->plain) return false;
  const char *s = n->u.str;
  return n->len == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

const char *ynode_kind_name(const ynode *n) {
  if (!n) return "nothing";
  switch (n->kind) {
    case YNODE_SCALAR: return ynode_is_null(n) ? "null" : "a string";
    case YNODE_SEQ: return "a list";
    case YNODE_MAP: return "a mapping";
  }
  return "?";
}
