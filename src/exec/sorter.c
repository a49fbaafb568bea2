/*
** exec/sorter.c: normalized keys, radix sort, runs and merging (see sorter.h).
*/
#include "exec/sorter.h"

#include <stdlib.h>
#include <string.h>

#include "exec/vecops.h"
#include "util/alloc.h"

#define MIN_RUN_ROWS 16384u   /* a sorter spills only runs at least this long */
#define MAX_FAN_IN 64u        /* runs merged at once; more are pre-merged into new runs */

/* ---- key layout ------------------------------------------------------------------------ */

typedef struct key_layout {
  uint32_t n_keys;
  uint32_t *off;        /* byte offset of key k in the normalized key (valid for k < n_norm) */
  uint32_t *width;      /* value bytes of key k (0 for nested) */
  uint32_t n_norm;      /* keys (fully or partially) encoded */
  uint32_t first_tb;    /* first key compared by the tie-break (n_keys: none) */
  uint32_t K;           /* normalized key bytes */
  uint32_t E;           /* entry bytes: K + 4 (row) */
} key_layout;

static uint32_t value_width(lago_type t, bool *partial) {
  *partial = false;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: case LT_TINYINT: case LT_UTINYINT: return 1;
    case LT_SMALLINT: case LT_USMALLINT: return 2;
    case LT_INT: case LT_UINT: case LT_DATE: case LT_FLOAT: return 4;
    case LT_BIGINT: case LT_UBIGINT: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS:
    case LT_TIME: case LT_TIME_UTC: case LT_DOUBLE: return 8;
    case LT_DECIMAL: return type_decimal_is_wide(t) ? 16 : 8;
    case LT_INTERVAL: case LT_UUID: return 16;
    case LT_STRING: case LT_BINARY: *partial = true; return SORT_STR_PREFIX;
    default: *partial = true; return 0;
  }
}

static int layout_init(key_layout *L, const sorter_spec *sp, arena *ar) {
  L->n_keys = sp->n_keys;
  L->off = arena_alloc(ar, (sp->n_keys + 1) * sizeof(uint32_t));
  L->width = arena_alloc(ar, (sp->n_keys + 1) * sizeof(uint32_t));
  if (!L->off || !L->width) return LAGO_NOMEM;
  uint32_t pos = 0;
  L->n_norm = sp->n_keys;
  L->first_tb = sp->n_keys;
  for (uint32_t k = 0; k < sp->n_keys; k++) {
    bool partial;
    uint32_t w = value_width(sp->keys[k].e->type, &partial);
    L->off[k] = pos;
    L->width[k] = w;
    pos += 1 + w;
    if (partial) {
      L->n_norm = k + 1;
      L->first_tb = k;
      break;
    }
  }
  L->K = pos;
  L->E = (pos + 4 + 7) & ~7u; /* entries in whole 8-byte words: swaps are word moves */
  return LAGO_OK;
}

/* Big-endian bytes of v with the sign flipped (so unsigned memcmp orders signed values). */
static inline void put_be(uint8_t *d, uint64_t v, uint32_t w) {
  for (uint32_t i = 0; i < w; i++) d[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
}

static void encode_value(uint8_t *d, const vec *p, uint32_t idx, lago_type t, uint32_t w) {
  const void *data = p->data;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: case LT_UTINYINT: d[0] = ((const uint8_t *)data)[idx]; return;
    case LT_TINYINT: d[0] = (uint8_t)((const int8_t *)data)[idx] ^ 0x80; return;
    case LT_SMALLINT: put_be(d, (uint16_t)((const int16_t *)data)[idx] ^ 0x8000u, 2); return;
    case LT_USMALLINT: put_be(d, ((const uint16_t *)data)[idx], 2); return;
    case LT_INT: case LT_DATE: put_be(d, (uint32_t)((const int32_t *)data)[idx] ^ 0x80000000u, 4); return;
    case LT_UINT: put_be(d, ((const uint32_t *)data)[idx], 4); return;
    case LT_UBIGINT: put_be(d, ((const uint64_t *)data)[idx], 8); return;
    case LT_FLOAT: {
      float f = ((const float *)data)[idx];
      uint32_t u;
      if (f == 0) f = 0.0f;
      if (f != f) u = 0x7fc00000u;
      else memcpy(&u, &f, 4);
      u = (u & 0x80000000u) ? ~u : u ^ 0x80000000u;
      put_be(d, u, 4);
      return;
    }
    case LT_DOUBLE: {
      double f = ((const double *)data)[idx];
      uint64_t u;
      if (f == 0) f = 0.0;
      if (f != f) u = UINT64_C(0x7ff8000000000000);
      else memcpy(&u, &f, 8);
      u = (u >> 63) ? ~u : u ^ (UINT64_C(1) << 63);
      put_be(d, u, 8);
      return;
    }
    case LT_DECIMAL:
      if (w == 16) {
        lago_i128 v;
        memcpy(&v, (const char *)data + (size_t)idx * 16, 16);
        unsigned __int128 u = (unsigned __int128)v ^ ((unsigned __int128)1 << 127);
        put_be(d, (uint64_t)(u >> 64), 8);
        put_be(d + 8, (uint64_t)u, 8);
        return;
      }
      put_be(d, (uint64_t)((const int64_t *)data)[idx] ^ (UINT64_C(1) << 63), 8);
      return;
    case LT_INTERVAL: {
      const lago_interval *iv = (const lago_interval *)data + idx;
      put_be(d, (uint32_t)iv->months ^ 0x80000000u, 4);
      put_be(d + 4, (uint32_t)iv->days ^ 0x80000000u, 4);
      put_be(d + 8, (uint64_t)iv->micros ^ (UINT64_C(1) << 63), 8);
      return;
    }
    case LT_UUID: memcpy(d, (const char *)data + (size_t)idx * 16, 16); return;
    case LT_STRING: case LT_BINARY: {
      const lago_str *s = (const lago_str *)data + idx;
      uint32_t m = s->len < w ? s->len : w;
      memcpy(d, str_data(s), m);
      memset(d + m, 0, w - m);
      return;
    }
    default: /* 8-byte signed: BIGINT, timestamps, times */
      put_be(d, (uint64_t)((const int64_t *)data)[idx] ^ (UINT64_C(1) << 63), 8);
      return;
  }
}

/* Writes key k of rows sel[0..n) of v into entries[i] (stride E). */
static void encode_key(const key_layout *L, const sort_key *sk, uint32_t k, const vec *v, const uint32_t *sel,
                       uint32_t n, uint8_t *ent) {
  uint32_t off = L->off[k], w = L->width[k], E = L->E;
  lago_type t = sk->e->type;
  uint8_t null_b = sk->nulls_first ? 0x00 : 0x02;
  /* Fast paths: signed 8- and 4-byte integers (and what is stored as them): the sign-flipped value
  ** as one byte-swapped word, inverted for DESC; no per-row type dispatch. */
  lago_type_id id = (lago_type_id)t.id;
  bool i64 = w == 8 && (id == LT_BIGINT || id == LT_TIMESTAMP || id == LT_TIMESTAMP_NTZ || id == LT_TIMESTAMP_NS ||
                        id == LT_TIME || id == LT_TIME_UTC || id == LT_DECIMAL);
  bool i32 = w == 4 && (id == LT_INT || id == LT_DATE);
  if (i64 || i32) {
    vec_view vw;
    vec_view_init(&vw, v);
    uint64_t inv = sk->desc ? ~(uint64_t)0 : 0;
    if (!vw.validity && !vw.codes && !vw.is_const) { /* plain values: no per-row NULL or index dispatch */
      for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint8_t *d = ent + (size_t)i * E + off;
        d[0] = 0x01;
        if (i64) {
          uint64_t u = __builtin_bswap64(((uint64_t)((const int64_t *)vw.data)[r] ^ (UINT64_C(1) << 63)) ^ inv);
          memcpy(d + 1, &u, 8);
        } else {
          uint32_t u = __builtin_bswap32(((uint32_t)((const int32_t *)vw.data)[r] ^ 0x80000000u) ^ (uint32_t)inv);
          memcpy(d + 1, &u, 4);
        }
      }
      return;
    }
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = sel ? sel[i] : i;
      uint8_t *d = ent + (size_t)i * E + off;
      if (!VIEW_VALID(&vw, r)) {
        d[0] = null_b;
        memset(d + 1, 0, w);
        continue;
      }
      d[0] = 0x01;
      uint32_t idx = VIEW_IDX(&vw, r);
      if (i64) {
        uint64_t u = __builtin_bswap64(((uint64_t)((const int64_t *)vw.data)[idx] ^ (UINT64_C(1) << 63)) ^ inv);
        memcpy(d + 1, &u, 8);
      } else {
        uint32_t u = __builtin_bswap32(((uint32_t)((const int32_t *)vw.data)[idx] ^ 0x80000000u) ^ (uint32_t)inv);
        memcpy(d + 1, &u, 4);
      }
    }
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    uint8_t *d = ent + (size_t)i * E + off;
    if (!vec_is_valid(v, r)) {
      d[0] = null_b;
      memset(d + 1, 0, w);
      continue;
    }
    d[0] = 0x01;
    uint32_t idx;
    const vec *p = vec_resolve(v, r, &idx);
    encode_value(d + 1, p, idx, t, w);
    if (sk->desc)
      for (uint32_t b = 1; b <= w; b++) d[b] = (uint8_t)~d[b];
  }
}

/* ---- tie-break -------------------------------------------------------------------------- */

/* Compares keys first_tb.. of two rows, each given as (vec of key k) lookups. */
typedef const vec *(*key_at_fn)(void *src, uint32_t row, uint32_t k, uint32_t *idx);

static int tiebreak_cmp(const sorter_spec *sp, const key_layout *L, key_at_fn fa, void *sa, uint32_t ra, key_at_fn fb,
                        void *sb, uint32_t rb) {
  for (uint32_t k = L->first_tb; k < sp->n_keys; k++) {
    uint32_t ia, ib;
    const vec *va = fa(sa, ra, k, &ia), *vb = fb(sb, rb, k, &ib);
    bool xa = vec_is_valid(va, ia), xb = vec_is_valid(vb, ib);
    int c;
    if (!xa || !xb) {
      if (xa == xb) continue;
      c = xa ? 1 : -1; /* NULL smaller */
      if (!sp->keys[k].nulls_first) c = -c;
      return c;
    }
    c = vecops_compare(va, ia, vb, ib);
    if (c) return sp->keys[k].desc ? -c : c;
  }
  return 0;
}

/* ---- sorter ------------------------------------------------------------------------------ */

struct sorter {
  exec_ctx *cx;
  const sorter_spec *sp;
  key_layout L;
  lago_err *err;
  arena *ar;                /* layout, types */
  coll data;                /* payload columns ++ evaluated key columns */
  uint8_t *ent;             /* n entries of L.E bytes (heap) */
  uint64_t n, cap;
  bool null0;               /* the first key may have had a NULL (else its flag byte is always 0x01) */
  size_t coll_charged, ent_charged;
  spill_file **runs;        /* sorted runs spilled so far */
  uint32_t n_runs, cap_runs;
  lago_type *run_types;     /* data types ++ BINARY key */
  uint64_t total;           /* rows sunk */
  uint8_t *thr;             /* TopN: the key of the keep-th best row once known (L.K bytes, in ar) */
  bool have_thr;
  uint32_t *ksel;           /* TopN: surviving rows of a batch (heap, ksel_cap entries) */
  uint32_t ksel_cap;
};

static const vec *mem_key_at(void *src, uint32_t row, uint32_t k, uint32_t *idx) {
  sorter *s = src;
  return coll_vec(&s->data, row, s->sp->n_cols + k, idx);
}

int sorter_new(exec_ctx *cx, const sorter_spec *spec, lago_err *err, sorter **out) {
  *out = NULL;
  sorter *s = mem_calloc(1, sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(err);
  s->cx = cx;
  s->sp = spec;
  s->err = err;
  s->ar = arena_new("sorter", 4096);
  lago_type *dt = NULL;
  if (!s->ar || layout_init(&s->L, spec, s->ar)) goto oom;
  dt = arena_alloc(s->ar, (spec->n_cols + spec->n_keys + 1) * sizeof(lago_type));
  if (!dt) goto oom;
  for (uint32_t i = 0; i < spec->n_cols; i++) dt[i] = spec->types[i];
  for (uint32_t k = 0; k < spec->n_keys; k++) dt[spec->n_cols + k] = spec->keys[k].e->type;
  dt[spec->n_cols + spec->n_keys] = type_make(LT_BINARY);
  s->run_types = dt;
  if (coll_init(&s->data, spec->n_cols + spec->n_keys, dt)) goto oom;
  *out = s;
  return LAGO_OK;
oom:
  sorter_free(s);
  return LAGO_NOMEM_ERR(err);
}

static void release_mem(sorter *s) {
  exec_mem_charge(s->cx, -(ptrdiff_t)(s->coll_charged + s->ent_charged));
  s->coll_charged = s->ent_charged = 0;
}

void sorter_free(sorter *s) {
  if (!s) return;
  release_mem(s);
  for (uint32_t i = 0; i < s->n_runs; i++) spill_close(s->runs[i]);
  mem_free(s->runs);
  coll_deinit(&s->data);
  mem_free(s->ent);
  mem_free(s->ksel);
  arena_free(s->ar);
  mem_free(s);
}

uint64_t sorter_rows(const sorter *s) { return s->total; }

/* ---- radix sort ---------------------------------------------------------------------------- */

typedef struct sort_ctx {
  uint32_t E, K;
  bool tiebreak;
  sorter *s;
  uint8_t *tmp;   /* one entry */
  uint8_t *base0; /* the whole array ... */
  uint8_t *buf;   /* ... and a scratch array of the same size (big levels scatter out of place), or NULL */
  size_t bytes;   /* size of each */
} sort_ctx;

/* Whether p lies in the scratch array, and the same position in the other array. */
static inline bool in_scratch(const sort_ctx *c, const uint8_t *p) { return c->buf && p >= c->buf && p < c->buf + c->bytes; }
static inline uint8_t *other_of(const sort_ctx *c, uint8_t *p) {
  return in_scratch(c, p) ? c->base0 + (p - c->buf) : c->buf + (p - c->base0);
}

static int entry_tb(const sort_ctx *c, const uint8_t *a, const uint8_t *b) {
  uint32_t ra, rb;
  memcpy(&ra, a + c->K, 4);
  memcpy(&rb, b + c->K, 4);
  return tiebreak_cmp(c->s->sp, &c->s->L, mem_key_at, c->s, ra, mem_key_at, c->s, rb);
}

static int entry_cmp_from(const sort_ctx *c, const uint8_t *a, const uint8_t *b, uint32_t depth) {
  int r = sortkey_cmp(a + depth, b + depth, c->K - depth);
  if (r || !c->tiebreak) return r;
  return entry_tb(c, a, b);
}

/*
** The radix sort is written once as always-inlined bodies taking the entry size E, instantiated
** for the common sizes (16, 24 and 32 bytes: one to three short keys) with E a constant, so entry
** moves and comparisons compile to a few word operations, and once for any E.
*/
#define INLINE static inline __attribute__((always_inline))

/* Copies one entry (E is a multiple of 8). */
INLINE void ent_copy(uint8_t *d, const uint8_t *s, uint32_t E) {
  for (uint32_t q = 0; q < E; q += 8) {
    uint64_t w;
    memcpy(&w, s + q, 8);
    memcpy(d + q, &w, 8);
  }
}

INLINE void ent_swap(uint8_t *a, uint8_t *b, uint32_t E) {
  for (uint32_t q = 0; q < E; q += 8) {
    uint64_t x, y;
    memcpy(&x, a + q, 8);
    memcpy(&y, b + q, 8);
    memcpy(a + q, &y, 8);
    memcpy(b + q, &x, 8);
  }
}

/* Big-endian word of the 8 bytes at p. */
INLINE uint64_t be_word(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return __builtin_bswap64(w);
}

/*
** Whole-entry order from byte `depth` on (no tie-break needed): the key bytes, then the row number
** and the zero padding, which only order equal keys among themselves (any order of ties is right).
** Read as big-endian words, the last one ending at the entry's end (it may overlap the one before:
** those bytes are already equal).
*/
INLINE bool entry_less(const uint8_t *a, const uint8_t *b, uint32_t depth, uint32_t E) {
  uint32_t q = depth & ~7u; /* from the word holding byte `depth` (the bytes before it are equal) */
  for (; q + 8 < E; q += 8) {
    uint64_t x = be_word(a + q), y = be_word(b + q);
    if (x != y) return x < y;
  }
  return be_word(a + E - 8) < be_word(b + E - 8);
}

INLINE void insertion_sort(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth, uint32_t E) {
  if (!c->tiebreak) {
    for (size_t i = 1; i < n; i++) {
      if (!entry_less(base + i * E, base + (i - 1) * E, depth, E)) continue;
      ent_copy(c->tmp, base + i * E, E);
      size_t j = i;
      do {
        ent_copy(base + j * E, base + (j - 1) * E, E);
        j--;
      } while (j > 0 && entry_less(c->tmp, base + (j - 1) * E, depth, E));
      ent_copy(base + j * E, c->tmp, E);
    }
    return;
  }
  for (size_t i = 1; i < n; i++) {
    ent_copy(c->tmp, base + i * E, E);
    size_t j = i;
    while (j > 0 && entry_cmp_from(c, base + (j - 1) * E, c->tmp, depth) > 0) {
      ent_copy(base + j * E, base + (j - 1) * E, E);
      j--;
    }
    ent_copy(base + j * E, c->tmp, E);
  }
}

static int qsort_tb(const void *a, const void *b, void *ud) { return entry_tb(ud, a, b); }

typedef void (*radix_fn)(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth);

/* MSD radix sort of n entries on byte `depth` on; self is the instance to recurse into. */
INLINE void radix_body(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth, uint32_t E, radix_fn self) {
  for (;;) {
    bool big = c->buf && n >= ((size_t)1 << 16) && depth < c->K;
    if (!big && in_scratch(c, base)) { /* below the big levels the range is sorted in the main array */
      uint8_t *o = other_of(c, base);
      memcpy(o, base, n * E);
      base = o;
    }
    if (n <= 1) return;
    if (depth >= c->K) {
      if (c->tiebreak) qsort_r(base, n, E, qsort_tb, (void *)c);
      return;
    }
    if (n < 48) {
      insertion_sort(c, base, n, depth, E);
      return;
    }
    size_t cnt[256];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) cnt[base[i * E + depth]]++;
    if (cnt[base[depth]] == n) {
      depth++;
      continue;
    }
    size_t head[256], tail[256], off = 0;
    for (int b = 0; b < 256; b++) {
      head[b] = off;
      off += cnt[b];
      tail[b] = off;
    }
    if (big) {
      /* big level: scatter into the other array (sequential writes per bucket) and sort the buckets
      ** there: consecutive big levels alternate between the arrays (no copy back); a range leaves
      ** the scratch array when it stops being big (top of the loop) */
      uint8_t *dst = other_of(c, base);
      for (size_t i = 0; i < n; i++) {
        const uint8_t *e = base + i * E;
        ent_copy(dst + head[e[depth]]++ * E, e, E);
      }
      bool dst_scratch = in_scratch(c, dst);
      off = 0;
      for (int b = 0; b < 256; b++) {
        if (cnt[b] > 1) self(c, dst + off * E, cnt[b], depth + 1);
        else if (cnt[b] == 1 && dst_scratch) ent_copy(other_of(c, dst + off * E), dst + off * E, E);
        off += cnt[b];
      }
      return;
    }
    for (int b = 0; b < 256; b++) {
      while (head[b] < tail[b]) {
        uint8_t *e = base + head[b] * E;
        uint8_t v = e[depth];
        if (v == b) {
          head[b]++;
          continue;
        }
        /* cycle: move e to its bucket, bring back what was there */
        ent_copy(c->tmp, e, E);
        for (;;) {
          uint8_t *dst = base + head[v] * E;
          head[v]++;
          uint8_t dv = dst[depth];
          ent_swap(dst, c->tmp, E);
          if (dv == b) break;
          v = dv;
        }
        ent_copy(e, c->tmp, E);
        head[b]++;
      }
    }
    off = 0;
    for (int b = 0; b < 256; b++) {
      if (cnt[b] > 1) self(c, base + off * E, cnt[b], depth + 1);
      off += cnt[b];
    }
    return;
  }
}

static void radix16(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth) { radix_body(c, base, n, depth, 16, radix16); }
static void radix24(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth) { radix_body(c, base, n, depth, 24, radix24); }
static void radix32(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth) { radix_body(c, base, n, depth, 32, radix32); }
static void radix_any(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth) {
  radix_body(c, base, n, depth, c->E, radix_any);
}

static void radix(const sort_ctx *c, uint8_t *base, size_t n, uint32_t depth) {
  switch (c->E) {
    case 16: radix16(c, base, n, depth); return;
    case 24: radix24(c, base, n, depth); return;
    case 32: radix32(c, base, n, depth); return;
    default: radix_any(c, base, n, depth); return;
  }
}

static int sort_entries(sorter *s) {
  if (s->n < 2) return LAGO_OK;
  uint8_t *tmp = mem_alloc(s->L.E);
  if (!tmp) return LAGO_NOMEM_ERR(s->err);
  /* a scratch copy for the big first levels (optional: without it the sort is in place) */
  uint8_t *scratch = s->n >= ((uint64_t)1 << 16) ? mem_alloc((size_t)(s->n * s->L.E)) : NULL;
  if (scratch) {
    exec_hint_huge(scratch, (size_t)(s->n * s->L.E));
    exec_mem_charge(s->cx, (ptrdiff_t)(s->n * s->L.E));
  }
  sort_ctx c = {s->L.E, s->L.K, s->L.first_tb < s->sp->n_keys, s, tmp, s->ent, scratch, (size_t)(s->n * s->L.E)};
  /* without NULLs in the first key its flag byte is the same in every entry: start after it */
  radix(&c, s->ent, (size_t)s->n, s->L.n_norm && !s->null0 ? 1 : 0);
  if (scratch) {
    mem_free(scratch);
    exec_mem_charge(s->cx, -(ptrdiff_t)(s->n * s->L.E));
  }
  mem_free(tmp);
  return LAGO_OK;
}

static inline uint32_t ent_row(const sorter *s, uint64_t i) {
  uint32_t r;
  memcpy(&r, s->ent + i * s->L.E + s->L.K, 4);
  return r;
}

/* ---- sinking, pruning, spilling -------------------------------------------------------------- */

static int grow_entries(sorter *s, uint64_t need) {
  if (need <= s->cap) return LAGO_OK;
  uint64_t nc = s->cap ? s->cap * 2 : 4096;
  while (nc < need) nc *= 2;
  uint8_t *ne = mem_realloc(s->ent, (size_t)(nc * s->L.E));
  if (!ne) return LAGO_NOMEM_ERR(s->err);
  exec_hint_huge(ne, (size_t)(nc * s->L.E)); /* radix passes touch it all, in random order */
  exec_mem_charge(s->cx, (ptrdiff_t)((nc - s->cap) * s->L.E));
  s->ent_charged += (size_t)((nc - s->cap) * s->L.E);
  s->ent = ne;
  s->cap = nc;
  return LAGO_OK;
}

/* Writes the sorted in-memory rows as a run file and empties the sorter. */
static int write_run(sorter *s) {
  const sorter_spec *sp = s->sp;
  uint32_t nd = sp->n_cols + sp->n_keys;
  spill_file *f;
  TRY(spill_open(s->cx, nd + 1, s->run_types, &f, s->err));
  if (s->n_runs == s->cap_runs) {
    uint32_t nc = s->cap_runs ? s->cap_runs * 2 : 8;
    spill_file **nr = mem_realloc(s->runs, nc * sizeof(spill_file *));
    if (!nr) {
      spill_close(f);
      return LAGO_NOMEM_ERR(s->err);
    }
    s->runs = nr;
    s->cap_runs = nc;
  }
  s->runs[s->n_runs++] = f;
  arena *ar = arena_new("run", 64 * 1024);
  uint32_t *rows = mem_alloc(COLL_CHUNK * sizeof(uint32_t));
  vec **cols = mem_calloc(nd + 1, sizeof(vec *));
  int rc = ar && rows && cols ? LAGO_OK : LAGO_NOMEM_ERR(s->err);
  for (uint64_t i = 0; i < s->n && rc == LAGO_OK; i += COLL_CHUNK) {
    uint32_t m = s->n - i < COLL_CHUNK ? (uint32_t)(s->n - i) : COLL_CHUNK;
    arena_reset(ar);
    for (uint32_t j = 0; j < m; j++) rows[j] = ent_row(s, i + j);
    for (uint32_t c = 0; c < nd && rc == LAGO_OK; c++) {
      cols[c] = vec_new(ar, s->run_types[c], m);
      if (!cols[c] || coll_gather32(&s->data, c, rows, m, cols[c], 0)) rc = LAGO_NOMEM_ERR(s->err);
    }
    vec *kv = vec_new(ar, type_make(LT_BINARY), m);
    if (!kv) rc = LAGO_NOMEM_ERR(s->err);
    for (uint32_t j = 0; j < m && rc == LAGO_OK; j++) {
      const char *k = (const char *)s->ent + (i + j) * s->L.E;
      VEC_DATA(kv, lago_str)[j] = str_make(k, s->L.K);
    }
    cols[nd] = kv;
    if (rc == LAGO_OK) rc = spill_write_cols(f, cols, NULL, m, s->err);
  }
  arena_free(ar);
  mem_free(rows);
  mem_free(cols);
  TRY(rc);
  /* empty the sorter */
  release_mem(s);
  s->n = 0;
  if (coll_reset(&s->data)) return LAGO_NOMEM_ERR(s->err);
  mem_free(s->ent);
  s->ent = NULL;
  s->cap = 0;
  return LAGO_OK;
}

/* TopN: keeps the first `keep` rows of the sorted sorter. */
static int prune(sorter *s) {
  TRY(sort_entries(s));
  uint64_t keep = (uint64_t)s->sp->keep;
  if (s->n <= keep) return LAGO_OK;
  coll nd;
  uint32_t ncol = s->sp->n_cols + s->sp->n_keys;
  if (coll_init(&nd, ncol, s->data.types)) return LAGO_NOMEM_ERR(s->err);
  arena *ar = arena_new("prune", 64 * 1024);
  uint32_t *rows = mem_alloc(COLL_CHUNK * sizeof(uint32_t));
  vec **cols = mem_calloc(ncol + 1, sizeof(vec *));
  int rc = ar && rows && cols ? LAGO_OK : LAGO_NOMEM_ERR(s->err);
  for (uint64_t i = 0; i < keep && rc == LAGO_OK; i += COLL_CHUNK) {
    uint32_t m = keep - i < COLL_CHUNK ? (uint32_t)(keep - i) : COLL_CHUNK;
    arena_reset(ar);
    for (uint32_t j = 0; j < m; j++) rows[j] = ent_row(s, i + j);
    for (uint32_t c = 0; c < ncol && rc == LAGO_OK; c++) {
      cols[c] = vec_new(ar, s->data.types[c], m);
      if (!cols[c] || coll_gather32(&s->data, c, rows, m, cols[c], 0)) rc = LAGO_NOMEM_ERR(s->err);
    }
    if (rc == LAGO_OK && coll_append_cols(&nd, cols, NULL, m)) rc = LAGO_NOMEM_ERR(s->err);
    for (uint32_t j = 0; j < m; j++) { /* entries now refer to the new rows, in order */
      uint32_t nr = (uint32_t)(i + j);
      memcpy(s->ent + (i + j) * s->L.E + s->L.K, &nr, 4);
    }
  }
  arena_free(ar);
  mem_free(rows);
  mem_free(cols);
  if (rc) {
    coll_deinit(&nd);
    return rc;
  }
  coll_deinit(&s->data);
  s->data = nd;
  s->n = keep;
  exec_mem_track_bytes(s->cx, coll_bytes(&s->data), &s->coll_charged);
  /* from now on a row must beat the keep-th best to get in (sorter_sink) */
  if (keep > 0) {
    if (!s->thr && !(s->thr = arena_alloc(s->ar, s->L.K ? s->L.K : 1))) return LAGO_NOMEM_ERR(s->err);
    memcpy(s->thr, s->ent + (keep - 1) * s->L.E, s->L.K);
    s->have_thr = true;
  }
  return LAGO_OK;
}

int sorter_sink(sorter *s, eval_ctx *ec, const batch *b) {
  const sorter_spec *sp = s->sp;
  uint32_t n = b->n_rows;
  if (!n) return LAGO_OK;
  s->err = ec->err;
  vec *cols_small[32] = {NULL};
  uint32_t ncol = sp->n_cols + sp->n_keys;
  vec **cols = ncol <= 32 ? cols_small : mem_alloc(ncol * sizeof(vec *));
  if (!cols) return LAGO_NOMEM_ERR(s->err);
  int rc = LAGO_OK;
  for (uint32_t c = 0; c < sp->n_cols; c++) cols[c] = &b->cols[c];
  for (uint32_t k = 0; k < sp->n_keys && rc == LAGO_OK; k++)
    rc = expr_eval(ec, sp->keys[k].e, b, b->sel, n, &cols[sp->n_cols + k]);
  if (rc == LAGO_OK) rc = grow_entries(s, s->n + n);
  const uint32_t *asel = b->sel;
  uint32_t total = n;
  if (rc == LAGO_OK) {
    uint8_t *ent = s->ent + s->n * s->L.E;
    /* zero each entry's last word first: keys and the row number overwrite their bytes of it and
    ** the padding after the row number stays zero (entry_less compares whole entries) */
    for (uint32_t i = 0; i < n; i++) memset(ent + (size_t)(i + 1) * s->L.E - 8, 0, 8);
    for (uint32_t k = 0; k < s->L.n_norm; k++) encode_key(&s->L, &sp->keys[k], k, cols[sp->n_cols + k], b->sel, n, ent);
    if (s->L.n_norm && !s->null0) { /* the first key may hold NULLs: its flag byte is not constant */
      vec_view vw;
      vec_view_init(&vw, cols[sp->n_cols]);
      s->null0 = vw.validity != NULL;
    }
    if (sp->keep == 0) {
      n = 0; /* LIMIT 0 (with no offset): nothing is ever kept */
    } else if (sp->keep > 0 && s->have_thr) {
      /* TopN early rejection: rows worse than the keep-th best so far never reach the collection
      ** (equal rows neither, unless the tie-break could still prefer them) */
      if (n > s->ksel_cap) {
        uint32_t *nk = mem_realloc(s->ksel, n * sizeof(uint32_t));
        if (!nk) rc = LAGO_NOMEM_ERR(s->err);
        else {
          s->ksel = nk;
          s->ksel_cap = n;
        }
      }
      if (rc == LAGO_OK) {
        bool tb = s->L.first_tb < sp->n_keys;
        uint32_t E = s->L.E, K = s->L.K, m = 0;
        for (uint32_t i = 0; i < n; i++) {
          int c = sortkey_cmp(ent + (size_t)i * E, s->thr, K);
          if (c > 0 || (c == 0 && !tb)) continue;
          if (m != i) ent_copy(ent + (size_t)m * E, ent + (size_t)i * E, E);
          s->ksel[m++] = b->sel ? b->sel[i] : i;
        }
        n = m;
        asel = s->ksel;
      }
    }
    if (rc == LAGO_OK && s->data.n_rows + n > (uint64_t)UINT32_MAX + 1)
      rc = LAGO_ERR(s->err, LAGO_NOMEM, "sort: more than 4G rows in memory");
    uint32_t r0 = (uint32_t)s->data.n_rows, E = s->L.E, K = s->L.K;
    for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
      uint32_t r32 = r0 + i;
      memcpy(ent + (size_t)i * E + K, &r32, 4);
    }
  }
  if (rc == LAGO_OK && n && coll_append_cols(&s->data, cols, asel, n)) rc = LAGO_NOMEM_ERR(s->err);
  if (cols != cols_small) mem_free(cols);
  TRY(rc);
  s->n += n;
  s->total += total;
  bool ok = exec_mem_track_bytes(s->cx, coll_bytes(&s->data), &s->coll_charged);
  if (sp->keep >= 0 && s->n >= (uint64_t)(sp->keep > 2048 ? 2 * sp->keep : 4096)) return prune(s);
  if (!ok && s->n >= MIN_RUN_ROWS) {
    TRY(sort_entries(s));
    return write_run(s);
  }
  return LAGO_OK;
}

/* ---- merging ----------------------------------------------------------------------------------- */

typedef struct cursor {
  bool mem;
  sorter *s;            /* mem: the sorter; its entries are sorted */
  uint64_t pos;
  spill_file *f;        /* file run */
  arena *ar;
  batch *b;             /* current batch of the file */
  uint32_t bpos;
  const sorter_spec *sp;
  const key_layout *L;
} cursor;

static const vec *file_key_at(void *src, uint32_t row, uint32_t k, uint32_t *idx) {
  cursor *c = src;
  *idx = row;
  return &c->b->cols[c->sp->n_cols + k];
}

static const uint8_t *cur_key(const cursor *c) {
  if (c->mem) return c->s->ent + c->pos * c->L->E;
  return (const uint8_t *)str_data(&VEC_DATA(&c->b->cols[c->sp->n_cols + c->sp->n_keys], lago_str)[c->bpos]);
}

static int cur_cmp(const cursor *a, const cursor *b) {
  int r = sortkey_cmp(cur_key(a), cur_key(b), a->L->K);
  if (r || a->L->first_tb >= a->sp->n_keys) return r;
  uint32_t ra = a->mem ? ent_row(a->s, a->pos) : a->bpos, rb = b->mem ? ent_row(b->s, b->pos) : b->bpos;
  return tiebreak_cmp(a->sp, a->L, a->mem ? mem_key_at : file_key_at, a->mem ? (void *)a->s : (void *)a, ra,
                      b->mem ? mem_key_at : file_key_at, b->mem ? (void *)b->s : (void *)b, rb);
}

/* Loads the next batch of a file cursor; *done when the file ends. */
static int cur_fill(cursor *c, lago_err *err, bool *done) {
  *done = false;
  arena_reset(c->ar);
  TRY(spill_read(c->f, c->ar, &c->b, err));
  c->bpos = 0;
  if (c->b->n_rows == 0) *done = true;
  return LAGO_OK;
}

struct sort_result {
  exec_ctx *cx;
  lago_err *err;
  const sorter_spec *sp;
  key_layout L;
  sorter **ss;
  uint32_t n_ss;
  spill_file **files;   /* runs being merged (owned) */
  uint32_t n_files;
  cursor *cur;
  uint32_t n_cur;
  uint32_t *heap;       /* cursor indexes, min-heap */
  uint32_t n_heap;
  sorter *direct;       /* single in-memory run: gather directly */
  uint64_t direct_pos;
  uint64_t *order;      /* several in-memory runs, no files: merged (sorter << 32 | row) */
  uint64_t n_order, order_pos;
  size_t order_charged;
  int64_t to_skip, left;
  uint32_t *rows;       /* scratch */
};

static void heap_down(sort_result *r, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, m = i;
    if (l < r->n_heap && cur_cmp(&r->cur[r->heap[l]], &r->cur[r->heap[m]]) < 0) m = l;
    if (l + 1 < r->n_heap && cur_cmp(&r->cur[r->heap[l + 1]], &r->cur[r->heap[m]]) < 0) m = l + 1;
    if (m == i) return;
    uint32_t t = r->heap[i];
    r->heap[i] = r->heap[m];
    r->heap[m] = t;
    i = m;
  }
}

static int open_cursors(sort_result *r, sorter **mem, uint32_t n_mem, spill_file **files, uint32_t n_files) {
  r->cur = mem_calloc(n_mem + n_files + 1, sizeof(cursor));
  r->heap = mem_alloc((n_mem + n_files + 1) * sizeof(uint32_t));
  if (!r->cur || !r->heap) return LAGO_NOMEM_ERR(r->err);
  for (uint32_t i = 0; i < n_mem; i++) {
    cursor *c = &r->cur[r->n_cur++];
    c->mem = true;
    c->s = mem[i];
    c->sp = r->sp;
    c->L = &r->L;
  }
  for (uint32_t i = 0; i < n_files; i++) {
    cursor *c = &r->cur[r->n_cur++];
    c->f = files[i];
    c->sp = r->sp;
    c->L = &r->L;
    c->ar = arena_new("merge-run", 64 * 1024);
    if (!c->ar) return LAGO_NOMEM_ERR(r->err);
    TRY(spill_rewind(c->f, r->err));
    bool done;
    TRY(cur_fill(c, r->err, &done));
    if (done) continue;
  }
  r->n_heap = 0;
  for (uint32_t i = 0; i < r->n_cur; i++) {
    cursor *c = &r->cur[i];
    bool live = c->mem ? c->pos < c->s->n : c->b && c->b->n_rows > 0;
    if (live) r->heap[r->n_heap++] = i;
  }
  for (uint32_t i = r->n_heap / 2 + 1; i-- > 0;) heap_down(r, i);
  return LAGO_OK;
}

static void close_cursors(sort_result *r) {
  for (uint32_t i = 0; i < r->n_cur; i++) arena_free(r->cur[i].ar);
  mem_free(r->cur);
  mem_free(r->heap);
  r->cur = NULL;
  r->heap = NULL;
  r->n_cur = r->n_heap = 0;
}

/* Copies the top cursor's row into out row `at` (all_cols: also key columns and the key), advances it. */
static int pop_row(sort_result *r, vec *out, uint32_t n_out, uint32_t at) {
  cursor *c = &r->cur[r->heap[0]];
  uint32_t nd = r->sp->n_cols + r->sp->n_keys;
  for (uint32_t k = 0; k < n_out; k++) {
    if (k == nd) { /* the normalized key (pre-merge) */
      if (vec_set_str(&out[k], at, (const char *)cur_key(c), r->L.K)) return LAGO_NOMEM_ERR(r->err);
      continue;
    }
    if (c->mem) {
      uint32_t idx;
      const vec *v = coll_vec(&c->s->data, ent_row(c->s, c->pos), k, &idx);
      if (vec_copy_row(&out[k], at, v, idx)) return LAGO_NOMEM_ERR(r->err);
    } else {
      if (vec_copy_row(&out[k], at, &c->b->cols[k], c->bpos)) return LAGO_NOMEM_ERR(r->err);
    }
  }
  bool live;
  if (c->mem) {
    c->pos++;
    live = c->pos < c->s->n;
  } else {
    live = true;
    if (++c->bpos >= c->b->n_rows) {
      bool done;
      TRY(cur_fill(c, r->err, &done));
      live = !done;
    }
  }
  if (!live) r->heap[0] = r->heap[--r->n_heap];
  if (r->n_heap) heap_down(r, 0);
  return LAGO_OK;
}

/* Merges files[0..n) into one new run file. */
static int premerge(sort_result *r, spill_file **files, uint32_t n, spill_file **out) {
  uint32_t nd = r->sp->n_cols + r->sp->n_keys;
  const lago_type *types = NULL;
  lago_type *tt = mem_alloc((nd + 1) * sizeof(lago_type));
  if (!tt) return LAGO_NOMEM_ERR(r->err);
  for (uint32_t i = 0; i < r->sp->n_cols; i++) tt[i] = r->sp->types[i];
  for (uint32_t k = 0; k < r->sp->n_keys; k++) tt[r->sp->n_cols + k] = r->sp->keys[k].e->type;
  tt[nd] = type_make(LT_BINARY);
  types = tt;
  spill_file *f;
  int rc = spill_open(r->cx, nd + 1, types, &f, r->err);
  if (rc) {
    mem_free(tt);
    return rc;
  }
  rc = open_cursors(r, NULL, 0, files, n);
  arena *ar = arena_new("premerge", 64 * 1024);
  vec *cols = mem_calloc(nd + 1, sizeof(vec));
  if (!ar || !cols) rc = LAGO_NOMEM_ERR(r->err);
  while (rc == LAGO_OK && r->n_heap) {
    arena_reset(ar);
    for (uint32_t c = 0; c <= nd && rc == LAGO_OK; c++)
      if (vec_init(&cols[c], ar, tt[c], COLL_CHUNK)) rc = LAGO_NOMEM_ERR(r->err);
    uint32_t m = 0;
    while (rc == LAGO_OK && m < COLL_CHUNK && r->n_heap) rc = pop_row(r, cols, nd + 1, m++);
    if (rc) break;
    vec *cp[64];
    vec **cpp = nd + 1 <= 64 ? cp : mem_alloc((nd + 1) * sizeof(vec *));
    if (!cpp) {
      rc = LAGO_NOMEM_ERR(r->err);
      break;
    }
    for (uint32_t c = 0; c <= nd; c++) {
      cols[c].len = m;
      cpp[c] = &cols[c];
    }
    rc = spill_write_cols(f, cpp, NULL, m, r->err);
    if (cpp != cp) mem_free(cpp);
  }
  close_cursors(r);
  arena_free(ar);
  mem_free(cols);
  mem_free(tt);
  if (rc) {
    spill_close(f);
    return rc;
  }
  *out = f;
  return LAGO_OK;
}

typedef struct sort_job {
  sorter **ss;
} sort_job;

static int sort_worker(void *ud, int i, lago_err *err) {
  sort_job *j = ud;
  sorter *s = j->ss[i];
  lago_err *saved = s->err;
  s->err = err;
  int rc = sort_entries(s);
  s->err = saved;
  return rc;
}

int sort_finish(exec_ctx *cx, sorter **ss, uint32_t n, int64_t offset, int64_t limit, lago_err *err,
                sort_result **out) {
  *out = NULL;
  sort_result *r = mem_calloc(1, sizeof *r);
  if (!r) {
    for (uint32_t i = 0; i < n; i++) sorter_free(ss[i]);
    return LAGO_NOMEM_ERR(err);
  }
  r->cx = cx;
  r->err = err;
  r->ss = mem_calloc(n + 1, sizeof(sorter *));
  r->rows = mem_alloc(COLL_CHUNK * sizeof(uint32_t));
  int rc = r->ss && r->rows ? LAGO_OK : LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    if (rc == LAGO_OK && ss[i]) r->ss[r->n_ss++] = ss[i];
    else sorter_free(ss[i]);
  }
  r->to_skip = offset;
  r->left = limit;
  if (rc) {
    sort_result_free(r);
    return rc;
  }
  *out = r;
  if (!r->n_ss) return LAGO_OK;
  r->sp = r->ss[0]->sp;
  r->L = r->ss[0]->L;
  for (uint32_t i = 0; i < r->n_ss; i++) r->ss[i]->err = err;
  /* TopN: each sorter keeps its best rows */
  if (r->sp->keep >= 0)
    for (uint32_t i = 0; i < r->n_ss; i++) TRY(prune(r->ss[i]));
  sort_job job = {r->ss};
  TRY(exec_parallel_for(cx, (int)r->n_ss, sort_worker, &job, err));
  /* collect file runs */
  uint32_t nf = 0;
  for (uint32_t i = 0; i < r->n_ss; i++) nf += r->ss[i]->n_runs;
  r->files = mem_calloc(nf + 1, sizeof(spill_file *));
  if (!r->files) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < r->n_ss; i++) {
    for (uint32_t k = 0; k < r->ss[i]->n_runs; k++) r->files[r->n_files++] = r->ss[i]->runs[k];
    r->ss[i]->n_runs = 0;
  }
  /* too many runs: merge groups of them first */
  while (r->n_files > MAX_FAN_IN) {
    spill_file *merged;
    TRY(premerge(r, r->files, MAX_FAN_IN, &merged));
    for (uint32_t k = 0; k < MAX_FAN_IN; k++) spill_close(r->files[k]);
    memmove(r->files, r->files + MAX_FAN_IN, (r->n_files - MAX_FAN_IN) * sizeof(spill_file *));
    r->n_files -= MAX_FAN_IN;
    r->files[r->n_files++] = merged;
  }
  uint32_t n_mem = 0;
  sorter *only = NULL;
  for (uint32_t i = 0; i < r->n_ss; i++)
    if (r->ss[i]->n) {
      n_mem++;
      only = r->ss[i];
    }
  if (n_mem <= 1 && r->n_files == 0) {
    r->direct = only;
    return LAGO_OK;
  }
  sorter **mem = mem_alloc((n_mem + 1) * sizeof(sorter *));
  if (!mem) return LAGO_NOMEM_ERR(err);
  n_mem = 0;
  for (uint32_t i = 0; i < r->n_ss; i++)
    if (r->ss[i]->n) mem[n_mem++] = r->ss[i];
  rc = open_cursors(r, mem, n_mem, r->files, r->n_files);
  mem_free(mem);
  if (rc || r->n_files) return rc;
  /* only in-memory runs: merge their entries into one order, emitted by columnar gathers */
  uint64_t total = 0;
  for (uint32_t i = 0; i < r->n_ss; i++) total += r->ss[i]->n;
  r->order = mem_alloc((total ? total : 1) * sizeof(uint64_t));
  if (!r->order) return LAGO_NOMEM_ERR(err);
  r->order_charged = (size_t)total * 8;
  exec_mem_charge(cx, (ptrdiff_t)r->order_charged);
  while (r->n_heap) {
    cursor *c = &r->cur[r->heap[0]];
    uint32_t si = 0;
    while (r->ss[si] != c->s) si++;
    r->order[r->n_order++] = (uint64_t)si << 32 | ent_row(c->s, c->pos);
    if (++c->pos >= c->s->n) r->heap[0] = r->heap[--r->n_heap];
    if (r->n_heap) heap_down(r, 0);
  }
  return LAGO_OK;
}

/* Gathers rows order[0..m) (sorter << 32 | row) of payload column col into out. */
static int gather_order(sort_result *r, const uint64_t *order, uint32_t m, uint32_t col, vec *out) {
  lago_type t = r->sp->types[col];
  size_t w = type_width(t);
  bool nested = type_is_nested(t) || !w;
  for (uint32_t i = 0; i < m; i++) {
    const sorter *s = r->ss[order[i] >> 32];
    uint32_t row = (uint32_t)order[i], off;
    const vec *v = coll_vec(&s->data, row, col, &off);
    if (nested) {
      TRY(vec_copy_row(out, i, v, off));
      continue;
    }
    bool valid = !v->validity || bitmap_get(v->validity, off);
    if (!valid) {
      TRY(vec_set_null(out, i));
      if (type_is_string_like(t)) memset(VEC_DATA(out, lago_str) + i, 0, sizeof(lago_str));
      continue;
    }
    if (out->validity) bitmap_set(out->validity, i);
    memcpy((char *)out->data + (size_t)i * w, (const char *)v->data + (size_t)off * w, w);
  }
  out->len = m;
  return LAGO_OK;
}

int sort_result_next(sort_result *r, arena *ar, vec *out, uint32_t *n) {
  *n = 0;
  if (!r->sp) return LAGO_OK;
  const sorter_spec *sp = r->sp;
  for (;;) {
    if (r->left == 0) return LAGO_OK;
    uint32_t want = COLL_CHUNK;
    if (r->direct) {
      sorter *s = r->direct;
      if (r->to_skip) {
        uint64_t sk = (uint64_t)r->to_skip < s->n - r->direct_pos ? (uint64_t)r->to_skip : s->n - r->direct_pos;
        r->direct_pos += sk;
        r->to_skip -= (int64_t)sk;
      }
      uint64_t rest = s->n - r->direct_pos;
      uint32_t m = rest < want ? (uint32_t)rest : want;
      if (r->left > 0 && (int64_t)m > r->left) m = (uint32_t)r->left;
      if (!m) return LAGO_OK;
      for (uint32_t i = 0; i < m; i++) r->rows[i] = ent_row(s, r->direct_pos + i);
      for (uint32_t c = 0; c < sp->n_cols; c++) {
        if (vec_init(&out[c], ar, sp->types[c], m)) return LAGO_NOMEM_ERR(r->err);
        if (coll_gather32(&s->data, c, r->rows, m, &out[c], 0)) return LAGO_NOMEM_ERR(r->err);
        out[c].len = m;
      }
      r->direct_pos += m;
      if (r->left > 0) r->left -= m;
      *n = m;
      return LAGO_OK;
    }
    if (r->order) {
      if (r->to_skip) {
        uint64_t sk = (uint64_t)r->to_skip < r->n_order - r->order_pos ? (uint64_t)r->to_skip : r->n_order - r->order_pos;
        r->order_pos += sk;
        r->to_skip -= (int64_t)sk;
      }
      uint64_t rest = r->n_order - r->order_pos;
      uint32_t m = rest < want ? (uint32_t)rest : want;
      if (r->left > 0 && (int64_t)m > r->left) m = (uint32_t)r->left;
      if (!m) return LAGO_OK;
      for (uint32_t c = 0; c < sp->n_cols; c++) {
        if (vec_init(&out[c], ar, sp->types[c], m)) return LAGO_NOMEM_ERR(r->err);
        if (gather_order(r, r->order + r->order_pos, m, c, &out[c])) return LAGO_NOMEM_ERR(r->err);
      }
      r->order_pos += m;
      if (r->left > 0) r->left -= m;
      *n = m;
      return LAGO_OK;
    }
    if (!r->n_heap) return LAGO_OK;
    /* skip the offset without copying */
    while (r->to_skip > 0 && r->n_heap) {
      cursor *c = &r->cur[r->heap[0]];
      bool live;
      if (c->mem) {
        c->pos++;
        live = c->pos < c->s->n;
      } else {
        live = true;
        if (++c->bpos >= c->b->n_rows) {
          bool done;
          TRY(cur_fill(c, r->err, &done));
          live = !done;
        }
      }
      if (!live) r->heap[0] = r->heap[--r->n_heap];
      if (r->n_heap) heap_down(r, 0);
      r->to_skip--;
    }
    if (!r->n_heap) return LAGO_OK;
    for (uint32_t c = 0; c < sp->n_cols; c++)
      if (vec_init(&out[c], ar, sp->types[c], want)) return LAGO_NOMEM_ERR(r->err);
    uint32_t m = 0;
    while (m < want && r->n_heap && (r->left < 0 || (int64_t)m < r->left)) TRY(pop_row(r, out, sp->n_cols, m++));
    for (uint32_t c = 0; c < sp->n_cols; c++) out[c].len = m;
    if (r->left > 0) r->left -= m;
    *n = m;
    return LAGO_OK;
  }
}

void sort_result_free(sort_result *r) {
  if (!r) return;
  if (r->order) exec_mem_charge(r->cx, -(ptrdiff_t)r->order_charged);
  mem_free(r->order);
  close_cursors(r);
  for (uint32_t i = 0; i < r->n_files; i++) spill_close(r->files[i]);
  mem_free(r->files);
  for (uint32_t i = 0; i < r->n_ss; i++) sorter_free(r->ss[i]);
  mem_free(r->ss);
  mem_free(r->rows);
  mem_free(r);
}

/* ---- stand-alone encoder ------------------------------------------------------------------ */

struct sortkey_enc {
  sorter_spec sp;
  key_layout L;
};

int sortkey_enc_new(arena *ar, const sort_key *keys, uint32_t n_keys, sortkey_enc **out) {
  sortkey_enc *e = arena_zalloc(ar, sizeof *e);
  if (!e) return LAGO_NOMEM;
  e->sp.n_keys = n_keys;
  e->sp.keys = keys;
  e->sp.keep = -1;
  TRY(layout_init(&e->L, &e->sp, ar));
  *out = e;
  return LAGO_OK;
}

uint32_t sortkey_enc_bytes(const sortkey_enc *e) { return e->L.K; }
bool sortkey_enc_partial(const sortkey_enc *e) { return e->L.first_tb < e->sp.n_keys; }

void sortkey_encode(const sortkey_enc *e, vec *const *vals, const uint32_t *sel, uint32_t n, uint8_t *out,
                    size_t stride) {
  key_layout L = e->L;
  L.E = (uint32_t)stride;
  for (uint32_t k = 0; k < L.n_norm; k++) encode_key(&L, &e->sp.keys[k], k, vals[k], sel, n, out);
}

static const vec *vals_key_at(void *src, uint32_t row, uint32_t k, uint32_t *idx) {
  *idx = row;
  return ((vec *const *)src)[k];
}

int sortkey_tiebreak(const sortkey_enc *e, vec *const *a, uint32_t ra, vec *const *b, uint32_t rb) {
  return tiebreak_cmp(&e->sp, &e->L, vals_key_at, (void *)a, ra, vals_key_at, (void *)b, rb);
}
