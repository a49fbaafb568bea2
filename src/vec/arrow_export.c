/*
** vec/arrow_export.c: lago types and vectors -> ArrowSchema / ArrowArray
** (see arrow.h for the type mapping and the lifetime rule, arrow_int.h for
** the shared-ownership record behind every release callback).
**
** Arrow layouts written here (Arrow columnar format, little-endian; each
** array also has a validity bitmap buffer 0, bit i = row i, 1 = valid, NULL
** when null_count == 0):
**   fixed width   buffers[1] = values (1/2/4/8/16 bytes each)
**   b             buffers[1] = value bits, LSB first
**   d:p,s         buffers[1] = int128 little-endian two's complement per row
**   tin           buffers[1] = {int32 months, int32 days, int64 nanos} per row
**   u z / U Z     buffers[1] = int32 / int64 offsets[length+1], buffers[2] = bytes
**   +l / +L       buffers[1] = int32 / int64 offsets[length+1], child = elements
**   +m            as +l (int32), child "entries" = +s {key, value}, no nulls
**   +s            no buffer but validity; children have the parent's rows
**   n             no buffers at all; null_count = length
** Only fixed-width leaves read without a selection use ArrowArray.offset
** (zero-copy of a row range); every converted node has offset 0.
*/
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/bits.h"
#include "vec/arrow_int.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vec/arrow: lago's validity words are Arrow byte bitmaps only on little-endian machines"
#endif

/* ---- shared-ownership record ----------------------------------------------- */

arrow_holder *arrow_holder_new(size_t first_block) {
  arena *ar = arena_new("arrow-export", first_block);
  if (!ar) return NULL;
  arrow_holder *h = arena_alloc(ar, sizeof *h);
  if (!h) {
    arena_free(ar);
    return NULL;
  }
  atomic_init(&h->refs, 0);
  h->ar = ar;
  h->keep.free = NULL;
  h->keep.ptr = NULL;
  return h;
}

void arrow_holder_abandon(arrow_holder *h) {
  if (h) arena_free(h->ar);
}

void arrow_holder_ref(arrow_holder *h) { atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed); }

void arrow_holder_unref(arrow_holder *h) {
  if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) return;
  arrow_keep keep = h->keep;
  arena *ar = h->ar; /* h lives in ar: read everything first */
  if (keep.free) keep.free(keep.ptr);
  arena_free(ar);
}

static void keep_arena_free(void *p) { arena_free(p); }

arrow_keep arrow_keep_arena(arena *ar) {
  arrow_keep k = {ar ? keep_arena_free : NULL, ar};
  return k;
}

/* ---- metadata -------------------------------------------------------------- */

int arrow_meta_find(const char *meta, const char *key, const char **val, int32_t *val_len) {
  if (!meta) return 0;
  const char *p = meta;
  int32_t n = (int32_t)load_le32(p);
  p += 4;
  if (n < 0 || n > 4096) return -1;
  size_t klen = key ? strlen(key) : 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t kl = (int32_t)load_le32(p);
    if (kl < 0 || kl > (1 << 20)) return -1;
    const char *k = p + 4;
    p = k + kl;
    int32_t vl = (int32_t)load_le32(p);
    if (vl < 0 || vl > (1 << 30)) return -1;
    const char *v = p + 4;
    p = v + vl;
    if (key && (size_t)kl == klen && memcmp(k, key, klen) == 0) {
      *val = v;
      *val_len = vl;
      return 1;
    }
  }
  return 0;
}

typedef struct meta_kv {
  const char *key, *val;
} meta_kv;

/* Encodes n pairs (see arrow_int.h) into ar; NULL on OOM. */
static const char *meta_encode(arena *ar, const meta_kv *kv, int n) {
  size_t size = 4;
  for (int i = 0; i < n; i++) size += 8 + strlen(kv[i].key) + strlen(kv[i].val);
  char *m = arena_alloc(ar, size), *p = m;
  if (!m) return NULL;
  store_le32(p, (uint32_t)n);
  p += 4;
  for (int i = 0; i < n; i++) {
    const char *s[2] = {kv[i].key, kv[i].val};
    for (int j = 0; j < 2; j++) {
      size_t l = strlen(s[j]);
      store_le32(p, (uint32_t)l);
      memcpy(p + 4, s[j], l);
      p += 4 + l;
    }
  }
  return m;
}

/* ---- schema export --------------------------------------------------------- */

static void release_schema(struct ArrowSchema *s) {
  if (!s || !s->release) return;
  for (int64_t i = 0; i < s->n_children; i++) {
    struct ArrowSchema *c = s->children[i];
    if (c && c->release) c->release(c);
  }
  if (s->dictionary && s->dictionary->release) s->dictionary->release(s->dictionary);
  arrow_holder *h = s->private_data;
  s->release = NULL;
  arrow_holder_unref(h);
}

typedef struct sctx {
  arrow_holder *h;
  unsigned flags;
} sctx;

static int schema_children(sctx *x, struct ArrowSchema *s, int64_t n) {
  s->n_children = n;
  if (!n) return LAGO_OK;
  s->children = arena_alloc(x->h->ar, (size_t)n * sizeof *s->children);
  if (!s->children) return LAGO_NOMEM;
  for (int64_t i = 0; i < n; i++)
    if (!(s->children[i] = arena_zalloc(x->h->ar, sizeof(struct ArrowSchema)))) return LAGO_NOMEM;
  return LAGO_OK;
}

/* Fills s for one field; f (may be NULL) supplies the field id. */
static int schema_node(sctx *x, lago_type t, const char *name, bool nullable, const type_field *f,
                       int depth, struct ArrowSchema *s) {
  arena *ar = x->h->ar;
  bool large = x->flags & ARROW_EXPORT_LARGE;
  memset(s, 0, sizeof *s);
  if (depth > 200) return LAGO_UNSUPPORTED;
  if (!(s->name = arena_strdup(ar, name ? name : ""))) return LAGO_NOMEM;
  s->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  meta_kv kv[3];
  int n_kv = 0;
  char idbuf[16];
  const char *fmt = NULL;
  switch ((lago_type_id)t.id) {
    case LT_NULL: fmt = "n"; break;
    case LT_BOOLEAN: fmt = "b"; break;
    case LT_TINYINT: fmt = "c"; break;
    case LT_SMALLINT: fmt = "s"; break;
    case LT_INT: fmt = "i"; break;
    case LT_BIGINT: fmt = "l"; break;
    case LT_UTINYINT: fmt = "C"; break;
    case LT_USMALLINT: fmt = "S"; break;
    case LT_UINT: fmt = "I"; break;
    case LT_UBIGINT: fmt = "L"; break;
    case LT_FLOAT: fmt = "f"; break;
    case LT_DOUBLE: fmt = "g"; break;
    case LT_DECIMAL:
      if (t.precision < 1 || t.precision > LAGO_DECIMAL_MAX_PRECISION || t.scale > t.precision)
        return LAGO_UNSUPPORTED;
      if (!(fmt = arena_printf(ar, "d:%u,%u", t.precision, t.scale))) return LAGO_NOMEM;
      break;
    case LT_STRING: fmt = large ? "U" : "u"; break;
    case LT_BINARY: fmt = large ? "Z" : "z"; break;
    case LT_DATE: fmt = "tdD"; break;
    case LT_TIMESTAMP: fmt = "tsu:UTC"; break;
    case LT_TIMESTAMP_NTZ: fmt = "tsu:"; break;
    case LT_TIMESTAMP_NS: fmt = "tsn:"; break;
    case LT_TIME: fmt = "ttu"; break;
    case LT_TIME_UTC: /* Arrow time has no UTC flag: keep it for lago readers */
      fmt = "ttu";
      kv[n_kv++] = (meta_kv){"lago:type", "TIME_UTC"};
      break;
    case LT_INTERVAL: fmt = "tin"; break;
    case LT_UUID:
      fmt = "w:16";
      kv[n_kv++] = (meta_kv){"ARROW:extension:name", "arrow.uuid"};
      kv[n_kv++] = (meta_kv){"ARROW:extension:metadata", ""};
      break;
    case LT_STRUCT: {
      fmt = "+s";
      uint32_t n = type_n_fields(t);
      TRY(schema_children(x, s, n));
      for (uint32_t i = 0; i < n; i++) {
        const type_field *cf = type_field_at(t, i);
        TRY(schema_node(x, cf->type, cf->name, cf->nullable, cf, depth + 1, s->children[i]));
      }
      break;
    }
    case LT_ARRAY: {
      if (!t.nested || t.nested->n_fields != 1) return LAGO_UNSUPPORTED;
      fmt = large ? "+L" : "+l";
      const type_field *ef = type_field_at(t, 0);
      TRY(schema_children(x, s, 1));
      TRY(schema_node(x, ef->type, ef->name, ef->nullable, ef, depth + 1, s->children[0]));
      break;
    }
    case LT_MAP: {
      if (!t.nested || t.nested->n_fields != 2) return LAGO_UNSUPPORTED;
      fmt = "+m";
      TRY(schema_children(x, s, 1));
      struct ArrowSchema *e = s->children[0];
      e->format = "+s";
      if (!(e->name = arena_strdup(ar, "entries"))) return LAGO_NOMEM;
      TRY(schema_children(x, e, 2));
      const type_field *kf = type_field_at(t, 0), *vf = type_field_at(t, 1);
      TRY(schema_node(x, kf->type, "key", false, kf, depth + 2, e->children[0]));
      TRY(schema_node(x, vf->type, "value", vf->nullable, vf, depth + 2, e->children[1]));
      e->release = release_schema;
      e->private_data = x->h;
      arrow_holder_ref(x->h);
      break;
    }
    case LT_INVALID: case LT__COUNT: break;
  }
  if (!fmt) return LAGO_UNSUPPORTED;
  s->format = fmt;
  if (f && f->has_field_id) {
    snprintf(idbuf, sizeof idbuf, "%d", (int)f->field_id);
    kv[n_kv++] = (meta_kv){"PARQUET:field_id", idbuf};
  }
  if (n_kv && !(s->metadata = meta_encode(ar, kv, n_kv))) return LAGO_NOMEM;
  s->release = release_schema;
  s->private_data = x->h;
  arrow_holder_ref(x->h);
  return LAGO_OK;
}

int arrow_export_schema_ex(lago_type t, const char *name, bool nullable, unsigned flags,
                           struct ArrowSchema *out) {
  memset(out, 0, sizeof *out);
  sctx x = {arrow_holder_new(1024), flags};
  if (!x.h) return LAGO_NOMEM;
  struct ArrowSchema tmp;
  int rc = schema_node(&x, t, name, nullable, NULL, 0, &tmp);
  if (rc) {
    arrow_holder_abandon(x.h);
    return rc;
  }
  *out = tmp;
  return LAGO_OK;
}

int arrow_export_schema(lago_type t, const char *name, bool nullable, struct ArrowSchema *out) {
  return arrow_export_schema_ex(t, name, nullable, 0, out);
}

int arrow_export_batch_schema(uint32_t n_cols, const char *const *names, const lago_type *types,
                              const bool *nullable, unsigned flags, struct ArrowSchema *out) {
  memset(out, 0, sizeof *out);
  if (n_cols && (!names || !types)) return LAGO_MISUSE;
  for (uint32_t i = 0; i < n_cols; i++)
    if (!names[i]) return LAGO_MISUSE;
  /* Build the STRUCT type in a scratch arena, then export it as one field. */
  arena *tmp = arena_new("arrow-schema-tmp", 1024);
  if (!tmp) return LAGO_NOMEM;
  lago_type st;
  int rc = type_struct(tmp, n_cols, names, types, nullable, &st);
  if (!rc) rc = arrow_export_schema_ex(st, "", false, flags, out);
  arena_free(tmp);
  return rc;
}

/* ---- array export: rows and validity ---------------------------------------- */

/*
** Output row i reads physical row idx[i], or start + i when idx is NULL.
** skip (may be NULL): bit i clear = row i lies under a null parent (struct)
** and is exported as null without being read.
*/
typedef struct rows {
  uint32_t n;
  uint32_t start;
  const uint32_t *idx;
  const uint8_t *skip;
} rows;

static inline uint32_t row_at(const rows *r, uint32_t i) { return r->idx ? r->idx[i] : r->start + i; }

typedef struct xctx {
  arrow_holder *h;
  arena *ar;      /* h->ar: converted buffers and node structs */
  unsigned flags;
  bool zero_copy; /* may hand out v's own buffers */
  lago_err *err;
} xctx;

static inline bool bit8(const uint8_t *b, uint64_t i) { return (b[i >> 3] >> (i & 7)) & 1; }
static inline void set8(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Set bits among words bits [start, start+n). */
static uint64_t count_range(const uint64_t *w, uint32_t start, uint32_t n) {
  uint64_t c = 0;
  uint32_t i = start, end = start + n;
  while (i < end && (i & 63)) c += bitmap_get(w, i++);
  while (end - i >= 64) {
    c += (uint64_t)__builtin_popcountll(w[i >> 6]);
    i += 64;
  }
  while (i < end) c += bitmap_get(w, i++);
  return c;
}

/* Bytes of an Arrow bitmap for n bits, rounded to 8 so it reads as words too. */
static size_t bitmap_bytes(uint64_t n) { return (size_t)((n + 63) / 64 * 8); }

/* Widths of the types whose lago FLAT layout is Arrow's layout byte for byte. */
static size_t direct_width(lago_type t) {
  switch ((lago_type_id)t.id) {
    case LT_TINYINT: case LT_UTINYINT: return 1;
    case LT_SMALLINT: case LT_USMALLINT: return 2;
    case LT_INT: case LT_UINT: case LT_FLOAT: case LT_DATE: return 4;
    case LT_BIGINT: case LT_UBIGINT: case LT_DOUBLE: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ:
    case LT_TIMESTAMP_NS: case LT_TIME: case LT_TIME_UTC: return 8;
    case LT_UUID: return 16;
    case LT_DECIMAL: return t.precision > 18 ? 16 : 0;
    default: return 0;
  }
}

static void release_array(struct ArrowArray *a) {
  if (!a || !a->release) return;
  for (int64_t i = 0; i < a->n_children; i++) {
    struct ArrowArray *c = a->children[i];
    if (c && c->release) c->release(c);
  }
  if (a->dictionary && a->dictionary->release) a->dictionary->release(a->dictionary);
  arrow_holder *h = a->private_data;
  a->release = NULL;
  arrow_holder_unref(h);
}

static int nomem(xctx *x) { return LAGO_NOMEM_ERR(x->err); }

/* Allocates the buffer and child pointer arrays of node a. */
static int node_alloc(xctx *x, struct ArrowArray *a, int64_t length, int n_buffers, int64_t n_children) {
  a->length = length;
  a->n_buffers = n_buffers;
  if (!(a->buffers = arena_zalloc(x->ar, (size_t)(n_buffers ? n_buffers : 1) * sizeof(void *)))) return nomem(x);
  a->n_children = n_children;
  if (n_children) {
    if (!(a->children = arena_alloc(x->ar, (size_t)n_children * sizeof *a->children))) return nomem(x);
    for (int64_t i = 0; i < n_children; i++)
      if (!(a->children[i] = arena_zalloc(x->ar, sizeof(struct ArrowArray)))) return nomem(x);
  }
  return LAGO_OK;
}

static int export_node(xctx *x, const vec *v, rows r, bool force_valid, int depth, struct ArrowArray *a);

/* Builds int32 or int64 offsets for output lengths; the total is already checked. */
static void *offsets_alloc(xctx *x, uint32_t n, bool wide) {
  return arena_alloc(x->ar, ((size_t)n + 1) * (wide ? 8 : 4));
}
static inline void offset_put(void *o, uint32_t i, uint64_t v, bool wide) {
  if (wide) ((int64_t *)o)[i] = (int64_t)v;
  else ((int32_t *)o)[i] = (int32_t)v;
}

/* Strings/binaries: views -> offsets + bytes. */
static int export_strings(xctx *x, const vec *F, const rows *vr, const uint8_t *vb, struct ArrowArray *a) {
  bool large = x->flags & ARROW_EXPORT_LARGE;
  const lago_str *s = F->data;
  uint32_t n = vr->n;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!vb || bit8(vb, i)) total += s[row_at(vr, i)].len;
  if (total > INT32_MAX && !large)
    return LAGO_ERR(x->err, LAGO_UNSUPPORTED,
                    "arrow export: %s column holds %llu bytes, more than 32-bit offsets allow; export with ARROW_EXPORT_LARGE",
                    type_id_name((lago_type_id)F->type.id), (unsigned long long)total);
  if (total > SIZE_MAX / 2) return nomem(x);
  void *off = offsets_alloc(x, n, large);
  char *data = arena_alloc(x->ar, (size_t)total);
  if (!off || !data) return nomem(x);
  uint64_t pos = 0;
  offset_put(off, 0, 0, large);
  for (uint32_t i = 0; i < n; i++) {
    if (!vb || bit8(vb, i)) {
      const lago_str *e = &s[row_at(vr, i)];
      if (e->len) memcpy(data + pos, str_data(e), e->len);
      pos += e->len;
    }
    offset_put(off, i + 1, pos, large);
  }
  TRY(node_alloc(x, a, n, 3, 0));
  a->buffers[1] = off;
  a->buffers[2] = data;
  return LAGO_OK;
}

/* ARRAY/MAP: {offset,length} pairs -> contiguous offsets and a child row map. */
static int export_list(xctx *x, const vec *F, const rows *vr, const uint8_t *vb, int depth, struct ArrowArray *a) {
  bool is_map = F->type.id == LT_MAP;
  bool wide = !is_map && (x->flags & ARROW_EXPORT_LARGE);
  const lago_list *L = F->data;
  const vec *C = F->child;
  uint32_t n = vr->n;
  if (!C)
    return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: %s vector without a child",
                    type_id_name((lago_type_id)F->type.id));
  uint64_t total = 0, next = 0;
  uint32_t base = 0;
  bool contiguous = true, seen = false;
  for (uint32_t i = 0; i < n; i++) {
    if (vb && !bit8(vb, i)) continue;
    lago_list l = L[row_at(vr, i)];
    if (!l.length) continue;
    if ((uint64_t)l.offset + l.length > C->len)
      return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: list row %u range %u+%u past child length %u",
                      row_at(vr, i), l.offset, l.length, C->len);
    if (!seen) {
      base = l.offset;
      next = l.offset;
      seen = true;
    }
    if (l.offset != next) contiguous = false;
    next = (uint64_t)l.offset + l.length;
    total += l.length;
  }
  uint64_t limit = wide ? UINT32_MAX : INT32_MAX;
  if (total > limit)
    return LAGO_ERR(x->err, LAGO_UNSUPPORTED, "arrow export: %s column has %llu elements in one array, over %s",
                    type_id_name((lago_type_id)F->type.id), (unsigned long long)total,
                    is_map ? "the int32 offsets of +m"
                    : wide ? "lago's 32-bit row limit"
                           : "int32 offsets; export with ARROW_EXPORT_LARGE");
  void *off = offsets_alloc(x, n, wide);
  if (!off) return nomem(x);
  uint32_t *cidx = NULL;
  if (!contiguous && !(cidx = arena_alloc(x->ar, (size_t)total * 4 + 4))) return nomem(x);
  uint64_t pos = 0;
  offset_put(off, 0, 0, wide);
  for (uint32_t i = 0; i < n; i++) {
    if (!vb || bit8(vb, i)) {
      lago_list l = L[row_at(vr, i)];
      if (cidx)
        for (uint32_t k = 0; k < l.length; k++) cidx[pos + k] = l.offset + k;
      pos += l.length;
    }
    offset_put(off, i + 1, pos, wide);
  }
  TRY(node_alloc(x, a, n, 2, 1));
  a->buffers[1] = off;
  rows cr = {(uint32_t)total, contiguous ? base : 0, cidx, NULL};
  /* Map entries are a non-nullable struct (Arrow's map layout). */
  return export_node(x, C, cr, is_map, depth + 1, a->children[0]);
}

/*
** Exports rows r of v (any kind) into node a. force_valid writes no validity
** for the node itself (map entries); null rows are still never read.
** depth bounds recursion on malformed vectors.
*/
static int export_node(xctx *x, const vec *v, rows r, bool force_valid, int depth, struct ArrowArray *a) {
  uint32_t n = r.n;
  if (depth > 200) return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: vector nested too deeply");
  /* F holds the values; vr maps output rows into F (differs for CONST/DICT). */
  const vec *F = v;
  rows vr = {n, r.start, r.idx, NULL};
  bool flat = v->kind == VEC_FLAT, range = !r.idx;
  size_t dw = direct_width(v->type);
  /* Zero-copy leaf: values and validity handed out as they are, with offset. */
  bool leaf_direct = flat && range && !r.skip && x->zero_copy && dw && v->data;
  uint64_t nulls = 0;
  const uint8_t *vb = NULL; /* bit i = output row i valid (at offset r.start when leaf_direct) */

  if (flat && range && !r.skip) {
    if (v->validity) nulls = n - count_range(v->validity, r.start, n);
    if (nulls && (leaf_direct || (x->zero_copy && (r.start & 7) == 0))) {
      vb = (const uint8_t *)v->validity + (leaf_direct ? 0 : r.start / 8);
    } else if (nulls) {
      uint8_t *ob = arena_zalloc(x->ar, bitmap_bytes(n));
      if (!ob) return nomem(x);
      for (uint32_t i = 0; i < n; i++)
        if (bitmap_get(v->validity, r.start + i)) set8(ob, i);
      vb = ob;
    }
  } else {
    uint8_t *ob = arena_zalloc(x->ar, bitmap_bytes(n));
    if (!ob) return nomem(x);
    uint32_t *ci = NULL;
    if (v->kind != VEC_FLAT) {
      if (!(ci = arena_calloc(x->ar, n ? n : 1, sizeof(uint32_t)))) return nomem(x);
      vr.idx = ci;
      vr.start = 0;
    }
    if (v->kind == VEC_DICT) {
      F = v->dict;
      if (!F || F->kind != VEC_FLAT || !type_equal(F->type, v->type))
        return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: DICT vector without a FLAT dictionary of its type");
    }
    const uint32_t *codes = v->kind == VEC_DICT ? v->data : NULL;
    for (uint32_t i = 0; i < n; i++) {
      bool valid = !r.skip || bit8(r.skip, i);
      uint32_t p = row_at(&r, i);
      if (valid) valid = vec_is_valid(v, p);
      if (valid && codes) {
        uint32_t c = codes[p];
        if (c >= F->len)
          return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: dictionary code %u at row %u past dictionary length %u",
                          c, p, F->len);
        ci[i] = c;
        valid = !F->validity || bitmap_get(F->validity, c);
      }
      if (valid) set8(ob, i);
      else nulls++;
    }
    vb = nulls ? ob : NULL;
  }
  if (F->type.id == LT_NULL) nulls = n;

  lago_type t = F->type;
  const uint8_t *rvb = leaf_direct ? NULL : vb; /* per-row reads (never for direct leaves) */
  int rc = LAGO_OK;
  switch ((lago_type_id)t.id) {
    case LT_NULL:
      TRY(node_alloc(x, a, n, 0, 0));
      break;
    case LT_BOOLEAN: {
      TRY(node_alloc(x, a, n, 2, 0));
      uint8_t *bits = arena_zalloc(x->ar, bitmap_bytes(n));
      if (!bits) return nomem(x);
      const uint8_t *d = F->data;
      for (uint32_t i = 0; i < n; i++)
        if ((!rvb || bit8(rvb, i)) && d[row_at(&vr, i)]) set8(bits, i);
      a->buffers[1] = bits;
      break;
    }
    case LT_DECIMAL:
      if (t.precision <= 18) {
        TRY(node_alloc(x, a, n, 2, 0));
        lago_i128 *out = arena_alloc(x->ar, (size_t)(n ? n : 1) * 16);
        if (!out) return nomem(x);
        const int64_t *d = F->data;
        for (uint32_t i = 0; i < n; i++) out[i] = (!rvb || bit8(rvb, i)) ? (lago_i128)d[row_at(&vr, i)] : 0;
        a->buffers[1] = out;
        break;
      }
      /* 128-bit decimals are fixed width: */
      __attribute__((fallthrough));
    case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: case LT_UTINYINT:
    case LT_USMALLINT: case LT_UINT: case LT_UBIGINT: case LT_FLOAT: case LT_DOUBLE: case LT_DATE:
    case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS: case LT_TIME: case LT_TIME_UTC:
    case LT_UUID: {
      TRY(node_alloc(x, a, n, 2, 0));
      if (leaf_direct) {
        a->buffers[1] = F->data;
        a->offset = r.start;
        break;
      }
      char *out = arena_alloc(x->ar, (size_t)(n ? n : 1) * dw);
      if (!out) return nomem(x);
      const char *d = F->data;
      if (!vr.idx && !rvb) {
        if (n) memcpy(out, d + (size_t)vr.start * dw, (size_t)n * dw);
      } else {
        for (uint32_t i = 0; i < n; i++) {
          if (!rvb || bit8(rvb, i)) memcpy(out + (size_t)i * dw, d + (size_t)row_at(&vr, i) * dw, dw);
          else memset(out + (size_t)i * dw, 0, dw);
        }
      }
      a->buffers[1] = out;
      break;
    }
    case LT_INTERVAL: {
      TRY(node_alloc(x, a, n, 2, 0));
      char *out = arena_alloc(x->ar, (size_t)(n ? n : 1) * 16);
      if (!out) return nomem(x);
      const lago_interval *d = F->data;
      for (uint32_t i = 0; i < n; i++) {
        lago_interval iv = {0, 0, 0};
        if (!rvb || bit8(rvb, i)) {
          iv = d[row_at(&vr, i)];
          if (MUL_OVERFLOW(iv.micros, (int64_t)1000, &iv.micros))
            return LAGO_ERR(x->err, LAGO_UNSUPPORTED,
                            "arrow export: INTERVAL at row %u has %lld micros, too many for Arrow's int64 nanoseconds",
                            row_at(&vr, i), (long long)d[row_at(&vr, i)].micros);
        }
        memcpy(out + (size_t)i * 16, &iv.months, 4);
        memcpy(out + (size_t)i * 16 + 4, &iv.days, 4);
        memcpy(out + (size_t)i * 16 + 8, &iv.micros, 8);
      }
      a->buffers[1] = out;
      break;
    }
    case LT_STRING: case LT_BINARY:
      TRY(export_strings(x, F, &vr, rvb, a));
      break;
    case LT_STRUCT: {
      uint32_t nf = type_n_fields(t);
      TRY(node_alloc(x, a, n, 1, nf));
      if (!F->fields && nf) return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: STRUCT vector without fields");
      rows fr = vr;
      fr.skip = rvb; /* fields under a null struct row are exported null, unread */
      for (uint32_t k = 0; k < nf; k++) {
        const vec *f = F->fields[k];
        if (f->kind == VEC_FLAT && !fr.idx && n && (uint64_t)fr.start + n > f->cap)
          return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow export: struct field %u holds %u rows, %u needed", k, f->cap,
                          fr.start + n);
        TRY(export_node(x, f, fr, false, depth + 1, a->children[k]));
      }
      break;
    }
    case LT_ARRAY: case LT_MAP:
      TRY(export_list(x, F, &vr, rvb, depth, a));
      break;
    case LT_INVALID: case LT__COUNT:
      rc = LAGO_ERR(x->err, LAGO_UNSUPPORTED, "arrow export: vector of invalid type %u", t.id);
      break;
  }
  if (rc) return rc;
  if (force_valid && t.id != LT_NULL) nulls = 0;
  a->null_count = (int64_t)nulls;
  if (a->n_buffers > 0) a->buffers[0] = nulls && t.id != LT_NULL ? vb : NULL;
  a->release = release_array;
  a->private_data = x->h;
  arrow_holder_ref(x->h);
  return LAGO_OK;
}

/* Common driver: a new record, export, hand out or abandon. */
static int export_root(const vec *v, const batch *b, uint32_t n_rows, const uint32_t *sel, unsigned flags,
                       arrow_keep keep, struct ArrowArray *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  xctx x = {arrow_holder_new(4096), NULL, flags, keep.free != NULL || (flags & ARROW_EXPORT_BORROW), err};
  if (!x.h) return LAGO_NOMEM_ERR(err);
  x.ar = x.h->ar;
  rows r = {n_rows, 0, sel, NULL};
  struct ArrowArray tmp;
  memset(&tmp, 0, sizeof tmp);
  int rc;
  if (v) {
    rc = export_node(&x, v, r, false, 0, &tmp);
  } else {
    rc = node_alloc(&x, &tmp, n_rows, 1, b->n_cols);
    for (uint32_t c = 0; !rc && c < b->n_cols; c++) rc = export_node(&x, &b->cols[c], r, false, 1, tmp.children[c]);
    if (!rc) {
      tmp.release = release_array;
      tmp.private_data = x.h;
      arrow_holder_ref(x.h);
    }
  }
  if (rc) {
    arrow_holder_abandon(x.h);
    return rc;
  }
  x.h->keep = keep;
  *out = tmp;
  return LAGO_OK;
}

static int check_rows(const vec *v, uint32_t n_rows, const uint32_t *sel, lago_err *err) {
  if (!sel) {
    if (n_rows > v->len)
      return LAGO_ERR(err, LAGO_MISUSE, "arrow export: %u rows asked of a vector of %u", n_rows, v->len);
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < n_rows; i++)
    if (sel[i] >= v->len)
      return LAGO_ERR(err, LAGO_MISUSE, "arrow export: selection entry %u is row %u of a vector of %u", i, sel[i], v->len);
  return LAGO_OK;
}

int arrow_export_vec_ex(const vec *v, uint32_t n_rows, const uint32_t *sel, unsigned flags, arrow_keep keep,
                        struct ArrowArray *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  TRY(check_rows(v, n_rows, sel, err));
  return export_root(v, NULL, n_rows, sel, flags, keep, out, err);
}

int arrow_export_vec(const vec *v, uint32_t n_rows, const uint32_t *sel, struct ArrowArray *out, lago_err *err) {
  arrow_keep none = {NULL, NULL};
  return arrow_export_vec_ex(v, n_rows, sel, 0, none, out, err);
}

int arrow_export_batch_ex(const batch *b, unsigned flags, arrow_keep keep, struct ArrowArray *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  for (uint32_t c = 0; c < b->n_cols; c++) TRY(check_rows(&b->cols[c], b->n_rows, b->sel, err));
  return export_root(NULL, b, b->n_rows, b->sel, flags, keep, out, err);
}

int arrow_export_batch(const batch *b, struct ArrowArray *out, lago_err *err) {
  arrow_keep none = {NULL, NULL};
  return arrow_export_batch_ex(b, 0, none, out, err);
}

/* ---- sizing ---------------------------------------------------------------- */

/* Physical content of a nested vector (all its rows): string bytes or list elements. */
static bool nested_large(const vec *v, int depth) {
  if (!v || depth > 200) return false;
  if (v->kind == VEC_DICT) return nested_large(v->dict, depth + 1);
  uint32_t n = v->kind == VEC_CONST ? 1 : v->len;
  if (type_is_string_like(v->type)) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += ((const lago_str *)v->data)[i].len;
    return total > INT32_MAX;
  }
  if (v->type.id == LT_STRUCT) {
    for (uint32_t k = 0; k < type_n_fields(v->type); k++)
      if (nested_large(v->fields[k], depth + 1)) return true;
    return false;
  }
  if (v->type.id == LT_ARRAY || v->type.id == LT_MAP) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += ((const lago_list *)v->data)[i].length;
    return total > INT32_MAX || nested_large(v->child, depth + 1);
  }
  return false;
}

bool arrow_vec_needs_large(const vec *v, uint32_t n_rows, const uint32_t *sel) {
  const vec *F = v->kind == VEC_DICT ? v->dict : v;
  if (type_is_string_like(v->type) || v->type.id == LT_ARRAY) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n_rows; i++) {
      uint32_t p = sel ? sel[i] : i;
      if (!vec_is_valid(v, p)) continue;
      uint32_t q = v->kind == VEC_CONST ? 0 : v->kind == VEC_DICT ? ((const uint32_t *)v->data)[p] : p;
      total += type_is_string_like(v->type) ? ((const lago_str *)F->data)[q].len : ((const lago_list *)F->data)[q].length;
    }
    if (total > INT32_MAX) return true;
    return v->type.id == LT_ARRAY && nested_large(F->child, 1);
  }
  return nested_large(F, 0);
}
