/*
** tests/fuzz/fuzz_arrow_import.c: Arrow import (vec/arrow.h) on damaged
** arrays. Each input picks a valid record batch exported by lago (all
** primitive types / nested types / nested with 64-bit offsets), exports it,
** then applies a sequence of mutations to its schema and array nodes and
** imports the result. The import must return OK or CORRUPT / UNSUPPORTED /
** RUNTIME, never crash, and must release the array; anything that imports
** is rendered in full.
**
** The C Data Interface carries no buffer sizes, so a consumer cannot detect
** a buffer shorter than length+offset imply. The mutations therefore stay
** inside what the importer claims to detect: lengths only shrink, offsets
** shift inside the original range, string offsets are rewritten only within
** the original data, format swaps never read wider values than the buffer
** holds; null counts, buffer and child counts, NULL buffers, list offsets
** and released children are damaged freely.
** Input: byte 0 = base batch; then 4-byte mutations {node, op, arg0, arg1}.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "vec/arrow_int.h"
#include "vec/value_text.h"

#define MAX_NODES 128

typedef struct node {
  struct ArrowSchema *s;
  struct ArrowArray *a;
  int64_t end; /* original offset + length */
} node;

static node g_nodes[MAX_NODES];
static int g_n;
static const void *g_bufs[MAX_NODES][8];
#define MAX_KIDS 32 /* padded child arrays: counts raised up to MAX_KIDS-1 read NULL */
static struct ArrowArray *g_kids[MAX_NODES][MAX_KIDS];
static struct ArrowSchema *g_skids[MAX_NODES][MAX_KIDS];

static void collect(struct ArrowSchema *s, struct ArrowArray *a) {
  if (g_n >= MAX_NODES || a->n_children != s->n_children || a->n_children >= MAX_KIDS) return;
  int i = g_n++;
  g_nodes[i] = (node){s, a, a->offset + a->length};
  /* padded copies, so raised counts read NULL rather than past the arrays */
  memset(g_bufs[i], 0, sizeof g_bufs[i]);
  for (int64_t b = 0; b < a->n_buffers && b < 8; b++) g_bufs[i][b] = a->buffers[b];
  a->buffers = g_bufs[i];
  memset(g_kids[i], 0, sizeof g_kids[i]);
  memset(g_skids[i], 0, sizeof g_skids[i]);
  for (int64_t c = 0; c < a->n_children; c++) {
    g_kids[i][c] = a->children[c];
    g_skids[i][c] = s->children[c];
  }
  a->children = g_kids[i];
  s->children = g_skids[i];
  for (int64_t c = 0; c < a->n_children; c++) collect(s->children[c], a->children[c]);
}

static lago_type make_type(arena *ar, const char *text) {
  lago_type t;
  lago_err e;
  if (type_parse(ar, text, &t, &e)) abort();
  return t;
}

/* Deterministic data: row i of column c; every 4th row null (top level). */
static void fill(vec *v, uint32_t row, uint32_t seed, int depth) {
  if (row >= v->cap && vec_reserve(v, row + 1)) abort();
  if (v->len <= row) v->len = row + 1;
  lago_type t = v->type;
  if ((seed % 4 == 3 && depth == 0) || t.id == LT_NULL) {
    if (vec_set_null(v, row)) abort();
    size_t w = type_width(t);
    if (w) memset((char *)v->data + (size_t)row * w, 0, w);
    if (t.id == LT_STRUCT)
      for (uint32_t k = 0; k < type_n_fields(t); k++) fill(v->fields[k], row, 3, 0);
    return;
  }
  vec_set_valid(v, row);
  size_t w = type_width(t);
  if (type_is_string_like(t)) {
    static const char *const words[] = {"", "a", "hello", "a string longer than twelve", "\"q\""};
    const char *s = words[seed % 5];
    if (vec_set_str(v, row, s, (uint32_t)strlen(s))) abort();
  } else if (t.id == LT_STRUCT) {
    for (uint32_t k = 0; k < type_n_fields(t); k++) fill(v->fields[k], row, seed * 7 + k + 1, depth + 1);
  } else if (t.id == LT_ARRAY || t.id == LT_MAP) {
    uint32_t n = depth > 2 ? 0 : seed % 3, off;
    if (vec_list_reserve(v, n, &off)) abort();
    for (uint32_t j = 0; j < n; j++) fill(v->child, off + j, seed + j * 5 + 1, depth + 1);
    ((lago_list *)v->data)[row] = (lago_list){off, n};
  } else if (t.id == LT_DECIMAL || t.id == LT_TIME || t.id == LT_TIME_UTC || t.id == LT_INTERVAL) {
    memset((char *)v->data + (size_t)row * w, 0, w);
    memcpy((char *)v->data + (size_t)row * w, &seed, 1); /* small, in range for any precision */
  } else if (w) {
    for (size_t b = 0; b < w; b++) ((uint8_t *)v->data)[(size_t)row * w + b] = (uint8_t)(seed * 31 + b);
    if (t.id == LT_BOOLEAN) ((uint8_t *)v->data)[row] &= 1;
  }
}

static batch *base_batch(arena *ar, int which) {
  static const char *const prim[] = {"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE",
                                     "DECIMAL(9,2)", "DECIMAL(38,4)", "STRING", "BINARY", "DATE", "TIMESTAMP",
                                     "TIMESTAMP_NTZ", "VOID"};
  static const char *const nested[] = {"ARRAY<STRUCT<x: INT, s: STRING>>", "MAP<STRING, ARRAY<BIGINT>>",
                                       "STRUCT<m: MAP<INT, STRING>, l: ARRAY<ARRAY<STRING>>>"};
  lago_type ts[24];
  uint32_t n = 0;
  if (which == 0) {
    for (size_t i = 0; i < sizeof prim / sizeof prim[0]; i++) ts[n++] = make_type(ar, prim[i]);
    static const lago_type_id extra[] = {LT_UINT, LT_TIMESTAMP_NS, LT_TIME, LT_INTERVAL, LT_UUID};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) ts[n++] = type_make(extra[i]);
  } else {
    for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++) ts[n++] = make_type(ar, nested[i]);
  }
  batch *b = batch_new(ar, n, ts, 24);
  if (!b) abort();
  for (uint32_t c = 0; c < n; c++)
    for (uint32_t i = 0; i < 24; i++) fill(&b->cols[c], i, i * 13 + c, 0);
  batch_set_rows(b, 24);
  return b;
}

/* Formats a node may be relabelled as without reading past its buffers. */
static const char *swap_format(const char *f, uint8_t pick) {
  static const char *const w16[] = {"d:38,0", "w:16", "tin", "l", "i", "c"};
  static const char *const w8[] = {"l", "L", "g", "tsu:", "tsn:UTC", "tss:", "ttn", "tdm", "tiD", "i", "s", "d:18,2,64"};
  static const char *const w4[] = {"i", "I", "f", "tdD", "tts", "ttm", "tiM", "s", "C", "d:9,0,32"};
  static const char *const w2[] = {"s", "S", "c"};
  static const char *const w1[] = {"c", "C", "b"};
  static const char *const str32[] = {"u", "z"};
  static const char *const str64[] = {"U", "Z"};
  static const char *const list32[] = {"+l", "+m", "+s", "+w:1"};
  static const struct {
    const char *from;
    const char *const *to;
    size_t n;
  } table[] = {
      {"d:38,4", w16, 6}, {"tin", w16, 6}, {"w:16", w16, 6}, {"l", w8, 12}, {"g", w8, 12}, {"tsu:UTC", w8, 12},
      {"tsu:", w8, 12},   {"tsn:", w8, 12}, {"ttu", w8, 12}, {"i", w4, 10}, {"f", w4, 10}, {"tdD", w4, 10},
      {"I", w4, 10},      {"s", w2, 3},    {"c", w1, 3},     {"u", str32, 2}, {"z", str32, 2}, {"U", str64, 2},
      {"Z", str64, 2},    {"+l", list32, 4}, {"+m", list32, 4},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(f, table[i].from) == 0) return table[i].to[pick % table[i].n];
  return f;
}

static void mutate(node *nd, uint8_t op, uint8_t x, uint8_t y) {
  struct ArrowArray *a = nd->a;
  struct ArrowSchema *s = nd->s;
  switch (op % 10) {
    case 0: /* shrink */
      a->length -= a->length ? x % (a->length + 1) : 0;
      break;
    case 1: /* shift the start, keeping the end */
      if (a->length) {
        int64_t k = x % (a->length + 1);
        a->offset += k;
        a->length -= k;
      }
      break;
    case 2: a->null_count = (int64_t)(x % (a->length + 4)) - 2; break;
    case 3: a->n_buffers = x % 8; break;
    case 4: a->n_children = x % MAX_KIDS; break;
    case 5: if (a->n_buffers > 0) ((const void **)a->buffers)[x % a->n_buffers] = NULL; break;
    case 6: { /* rewrite one offset */
      const char *f = s->format;
      bool list = !strcmp(f, "+l") || !strcmp(f, "+m") || !strcmp(f, "+L");
      bool str = !strcmp(f, "u") || !strcmp(f, "z") || !strcmp(f, "U") || !strcmp(f, "Z");
      if ((!list && !str) || a->n_buffers < 2 || !a->buffers[1]) break;
      bool wide = f[0] == 'U' || f[0] == 'Z' || !strcmp(f, "+L");
      int64_t i = nd->end ? x % (nd->end + 1) : 0;
      int64_t v = (int64_t)(int8_t)y * 3;
      if (wide) {
        int64_t *o = (int64_t *)a->buffers[1];
        if (str) v = v < 0 ? 0 : v > o[nd->end] ? o[nd->end] : v; /* inside the data */
        o[i] = list ? (int64_t)(int8_t)y : v;
      } else {
        int32_t *o = (int32_t *)a->buffers[1];
        if (str) v = v < 0 ? 0 : v > o[nd->end] ? o[nd->end] : v;
        o[i] = list ? (int32_t)(int8_t)y : (int32_t)v;
      }
      break;
    }
    case 7: s->format = swap_format(s->format, y); break;
    case 8: s->flags = y & 7; break;
    case 9: /* a released child */
      if (a->n_children > 0 && a->children[x % a->n_children]) {
        struct ArrowArray *c = a->children[x % a->n_children];
        if (c->release) c->release(c);
      }
      break;
  }
  if (op & 0x80) s->n_children = y % MAX_KIDS; /* schema disagreeing with the array */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  arena *ar = arena_new("fuzz", 1 << 14);
  if (!ar) return 0;
  int which = data[0] % 3;
  batch *b = base_batch(ar, which);
  unsigned flags = which == 2 ? ARROW_EXPORT_LARGE : 0;
  const char *names[24];
  lago_type ts[24];
  for (uint32_t c = 0; c < b->n_cols; c++) {
    names[c] = "c";
    ts[c] = b->cols[c].type;
  }
  struct ArrowSchema s;
  struct ArrowArray a;
  lago_err e;
  lago_err_clear(&e);
  if (arrow_export_batch_schema(b->n_cols, names, ts, NULL, flags, &s)) abort();
  if (arrow_export_batch_ex(b, flags, (arrow_keep){NULL, NULL}, &a, &e)) abort();
  /* Hold the exports while the nodes are cleaned up below (their structs live in them). */
  arrow_holder *hs = s.private_data, *ha = a.private_data;
  arrow_holder_ref(hs);
  arrow_holder_ref(ha);
  g_n = 0;
  collect(&s, &a);
  int n_nodes = g_n;
  if (n_nodes == 0) abort();
  for (size_t p = 1; p + 4 <= size; p += 4) mutate(&g_nodes[data[p] % n_nodes], data[p + 1], data[p + 2], data[p + 3]);

  batch *out;
  lago_err_clear(&e);
  int rc = arrow_import_batch(&s, &a, ar, &out, &e);
  if (a.release) abort(); /* import must release */
  if (rc == LAGO_OK) {
    buf text;
    buf_init(&text);
    for (uint32_t c = 0; c < out->n_cols; c++)
      for (uint32_t i = 0; i < out->n_rows; i++) value_text_append(&text, &out->cols[c], i);
    buf_deinit(&text);
  } else if (rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_RUNTIME && rc != LAGO_NOMEM) {
    abort();
  }
  /* Nodes cut off by the mutations (counts lowered) still hold references: release them as a
  ** consumer that moved them out would. */
  for (int i = 0; i < n_nodes; i++) {
    if (g_nodes[i].a->release) g_nodes[i].a->release(g_nodes[i].a);
  }
  for (int i = n_nodes - 1; i >= 0; i--)
    if (g_nodes[i].s->release) g_nodes[i].s->release(g_nodes[i].s);
  arrow_holder_unref(ha);
  arrow_holder_unref(hs);
  arena_free(ar);
  return 0;
}
