/*
** exec/aggtab.c: aggregation hash table with freeze-and-spill (see aggtab.h).
**
** Index: open addressing over a power-of-two array of slots, linear probing,
** kept at most half full. A slot's first word is
** (upper 32 bits of the key hash) << 32 | (group + 1), 0 = empty.
**
** Group rows: each group owns one fixed-size row in blocks of COLL_CHUNK
** rows (carved from huge-page-hinted superblocks), keys first, then the
** aggregates' states, so finding a group and updating it touch one place:
**
**   | null flags u64 | key 0 field | key 1 field | ... | states |
**   bit c of the flags: key c is NULL (its field is then all zeros);
**   a field is the value's bytes (type width) zero-padded to 8 or 16 bytes:
**   integers, dates, timestamps, decimals as stored; FLOAT/DOUBLE canonical
**   (-0.0 as 0.0, one NaN); STRING/BINARY as the 16-byte view (lago_str),
**   the bytes of views longer than 12 copied into the table's arena.
**
** Three key modes:
**   FAST  one fixed-width non-float key: the slot holds {salt|group, key bits},
**         so lookups touch no row (the row keeps the key for output).
**   ROW   keys of any non-nested type: each batch's keys are written as rows
**         of the layout above and compared with stored rows word by word
**         (views longer than 12 bytes compare their bytes).
**   COLL  some key is nested (STRUCT/ARRAY/MAP): keys live in a column
**         collection and are compared value by value (vecops_compare).
** Lookups are vectorized: every row of a batch advances through its probe
** sequence in rounds; the slot reads of a round are independent, so their
** cache misses overlap (prefetched a round ahead).
*/
#include "exec/aggtab.h"

#include <string.h>

#include "exec/vecops.h"
#include "util/alloc.h"

#define MISS UINT32_MAX
#define SUPER_BLOCKS 32u
#define SINK_MAX COLL_CHUNK
#define ROW_MAX_KEYS 64 /* the null flags are one word */
#define CC_KEYS 8       /* code cache: at most this many key columns */
#define CC_MAX_CODES ((uint32_t)1 << 28)

typedef enum { KM_FAST, KM_ROW, KM_COLL } key_mode;

struct aggtab {
  exec_ctx *cx;
  const aggtab_spec *sp;
  uint32_t level;
  lago_err *err;
  arena *ar;              /* aggregates' variable-size data and long key strings */
  arena *scratch;         /* per-batch temporaries */
  size_t ar_charged, keys_charged, arrays_charged;
  key_mode km;
  coll keys;              /* COLL mode: group keys, row g = group g */
  uint32_t kbytes;        /* row modes: bytes of the key part of a group row (8-aligned) */
  uint32_t *koff;         /* row modes: per key, byte offset of its field in the row */
  uint32_t *kwidth;       /* row modes: per key, value width in bytes */
  uint32_t n_plain;       /* ROW: 8-byte words compared as they are ... */
  uint32_t *plain;        /* ... their indexes */
  uint32_t n_zero;        /* row modes: words build_rows zeroes (null flags, padding) ... */
  uint32_t *zero;         /* ... their indexes */
  uint32_t n_str;         /* ROW: string fields ... */
  uint32_t *str;          /* ... word index of each (length+prefix word; the next is inline bytes or pointer) */
  uint32_t rstride;       /* bytes per group row: kbytes + states */
  uint8_t **blocks;       /* COLL_CHUNK group rows each (carved from superblocks) */
  uint32_t n_blocks, cap_blocks;
  uint8_t **supers;       /* heap superblocks of SUPER_BLOCKS blocks (huge-page hinted) */
  uint32_t n_supers, cap_supers, super_left;
  uint8_t *super_next;    /* next free block of the last superblock */
  uint64_t *hashes;       /* per group (heap) */
  uint32_t hash_cap;
  uint32_t n_groups;
  uint64_t *slots;        /* heap: cap entries of sw words */
  uint32_t cap;
  uint32_t sw;            /* slot words: 2 in FAST mode ({tag, key}), else 1 ({tag}) */
  uint32_t fw;            /* FAST: key width in bytes */
  size_t stride;          /* states bytes per group */
  size_t *offs;           /* per aggregate, in ar */
  bool frozen;
  spill_file *parts[AGGTAB_PARTS];
  lago_type *all_types;   /* keys ++ inputs: the spill schema */
  agg_rt rt;
  uint32_t *by_part;      /* merging: groups ordered by top-level partition (built once) */
  uint32_t *part_at;      /* AGGTAB_PARTS + 1 offsets into by_part */
  /* code cache (map_cached): group of each code of the key columns' stable dictionaries */
  uint64_t cc_ids[CC_KEYS]; /* registration ids of those dictionaries (exec_dict_id) */
  uint32_t *cc_gid;       /* heap: per code, group + 1; 0 = not looked up yet */
  uint32_t cc_n;          /* codes */
  size_t cc_charged;
};

void aggtab_hash_keys(const aggtab_spec *spec, vec *const *keys, const uint32_t *sel, uint32_t n, uint64_t *h) {
  if (spec->n_keys == 0) {
    for (uint32_t i = 0; i < n; i++) h[i] = 0;
    return;
  }
  for (uint32_t c = 0; c < spec->n_keys; c++) vecops_hash(keys[c], sel, n, h, c > 0);
}

static bool is_string(lago_type t) { return t.id == LT_STRING || t.id == LT_BINARY; }

/* Row layout of the keys (see the header comment); false if some key needs COLL mode. */
static bool plan_rows(aggtab *t) {
  const aggtab_spec *sp = t->sp;
  if (sp->n_keys > ROW_MAX_KEYS) return false;
  for (uint32_t c = 0; c < sp->n_keys; c++)
    if (type_is_nested(sp->key_types[c]) || type_width(sp->key_types[c]) > 16) return false;
  t->koff = arena_alloc(t->ar, (sp->n_keys + 1) * sizeof(uint32_t));
  t->kwidth = arena_alloc(t->ar, (sp->n_keys + 1) * sizeof(uint32_t));
  t->plain = arena_alloc(t->ar, (2 * sp->n_keys + 2) * sizeof(uint32_t));
  t->str = arena_alloc(t->ar, (sp->n_keys + 1) * sizeof(uint32_t));
  if (!t->koff || !t->kwidth || !t->plain || !t->str) return false;
  uint32_t off = sp->n_keys ? 8 : 0; /* the null flags word */
  if (sp->n_keys) t->plain[t->n_plain++] = 0;
  for (uint32_t c = 0; c < sp->n_keys; c++) {
    uint32_t w = (uint32_t)type_width(sp->key_types[c]);
    t->koff[c] = off;
    t->kwidth[c] = w;
    uint32_t fw = (w + 7) & ~7u;
    if (is_string(sp->key_types[c])) t->str[t->n_str++] = off / 8;
    else
      for (uint32_t k = 0; k < fw / 8; k++) t->plain[t->n_plain++] = off / 8 + k;
    off += fw;
  }
  t->kbytes = off; /* fields are whole words: states follow 8-aligned (AGG_STATE_ALIGN) */
  t->zero = arena_alloc(t->ar, 2 * sizeof(uint32_t));
  if (!t->zero) return false;
  if (sp->n_keys) t->zero[t->n_zero++] = 0;           /* the null flags */
  if (off < t->kbytes) t->zero[t->n_zero++] = off / 8; /* the padding word */
  return true;
}

int aggtab_new(exec_ctx *cx, const aggtab_spec *spec, uint32_t level, lago_err *err, aggtab **out) {
  *out = NULL;
  aggtab *t = mem_calloc(1, sizeof *t);
  if (!t) return LAGO_NOMEM_ERR(err);
  t->cx = cx;
  t->sp = spec;
  t->level = level;
  t->err = err;
  t->ar = arena_new("aggtab", 16 * 1024);
  t->scratch = arena_new("aggtab-scratch", 16 * 1024);
  if (!t->ar || !t->scratch) goto oom;
  t->offs = arena_alloc(t->ar, (spec->n_aggs ? spec->n_aggs : 1) * sizeof(size_t));
  t->all_types = arena_alloc(t->ar, (spec->n_keys + spec->n_in + 1) * sizeof(lago_type));
  if (!t->offs || !t->all_types) goto oom;
  size_t off = 0;
  for (uint32_t a = 0; a < spec->n_aggs; a++) {
    t->offs[a] = off;
    off += spec->aggs[a]->state_size;
  }
  t->stride = off;
  for (uint32_t i = 0; i < spec->n_keys; i++) t->all_types[i] = spec->key_types[i];
  for (uint32_t i = 0; i < spec->n_in; i++) t->all_types[spec->n_keys + i] = spec->in_types[i];
  t->rt.ar = t->ar;
  t->rt.err = err;
  t->sw = 1;
  if (plan_rows(t)) {
    t->km = KM_ROW;
    if (spec->n_keys == 1) {
      lago_type k = spec->key_types[0];
      size_t w = type_width(k);
      if ((w == 1 || w == 2 || w == 4 || w == 8) && k.id != LT_FLOAT && k.id != LT_DOUBLE) {
        t->km = KM_FAST;
        t->sw = 2;
        t->fw = (uint32_t)w;
      }
    }
  } else {
    t->km = KM_COLL;
    t->kbytes = 0;
    if (coll_init(&t->keys, spec->n_keys, spec->key_types)) goto oom;
  }
  t->rstride = t->kbytes + (uint32_t)t->stride;
  *out = t;
  return LAGO_OK;
oom:
  aggtab_free(t);
  return LAGO_NOMEM_ERR(err);
}

void aggtab_free(aggtab *t) {
  if (!t) return;
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++) spill_close(t->parts[p]);
  exec_mem_charge(t->cx, -(ptrdiff_t)(t->ar_charged + t->keys_charged + t->arrays_charged));
  coll_deinit(&t->keys);
  mem_free(t->by_part);
  mem_free(t->part_at);
  for (uint32_t i = 0; i < t->n_supers; i++) mem_free(t->supers[i]);
  mem_free(t->supers);
  mem_free(t->blocks);
  mem_free(t->hashes);
  mem_free(t->slots);
  exec_mem_charge(t->cx, -(ptrdiff_t)t->cc_charged);
  mem_free(t->cc_gid);
  arena_free(t->ar);
  arena_free(t->scratch);
  mem_free(t);
}

uint32_t aggtab_groups(const aggtab *t) { return t->n_groups; }
uint32_t aggtab_level(const aggtab *t) { return t->level; }
const uint64_t *aggtab_hashes(const aggtab *t) { return t->hashes; }

static inline uint8_t *row_of(const aggtab *t, uint32_t g) {
  return t->blocks[g >> COLL_CHUNK_SHIFT] + (size_t)(g & (COLL_CHUNK - 1)) * t->rstride;
}
static inline uint8_t *state_of(const aggtab *t, uint32_t g) { return row_of(t, g) + t->kbytes; }

/* Row modes: key c of groups gids[0..n) into out (FLAT, room for n rows); strings are views of t's memory. */
static int rows_to_vec(const aggtab *t, uint32_t c, const uint32_t *gids, uint32_t first, uint32_t n, vec *out) {
  uint32_t w = t->kwidth[c], off = t->koff[c];
  uint64_t bit = (uint64_t)1 << c;
  bool nulls = false;
  char *d = out->data;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *r = row_of(t, gids ? gids[i] : first + i);
    uint64_t fl;
    memcpy(&fl, r, 8);
    nulls |= (fl & bit) != 0;
    switch (w) {
      case 0: break;
      case 1: d[i] = (char)r[off]; break;
      case 2: memcpy(d + (size_t)i * 2, r + off, 2); break;
      case 4: memcpy(d + (size_t)i * 4, r + off, 4); break;
      case 8: memcpy(d + (size_t)i * 8, r + off, 8); break;
      case 16: memcpy(d + (size_t)i * 16, r + off, 16); break;
      default: memcpy(d + (size_t)i * w, r + off, w); break;
    }
  }
  if (nulls) {
    if (vec_ensure_validity(out)) return LAGO_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
      uint64_t fl;
      memcpy(&fl, row_of(t, gids ? gids[i] : first + i), 8);
      bitmap_put(out->validity, i, !(fl & bit));
    }
  }
  out->len = n;
  return LAGO_OK;
}

int aggtab_gather_keys(const aggtab *t, const uint32_t *gids, uint32_t n, arena *ar, vec **out) {
  for (uint32_t c = 0; c < t->sp->n_keys; c++) {
    out[c] = vec_new(ar, t->sp->key_types[c], n ? n : 1);
    if (!out[c]) return LAGO_NOMEM_ERR(t->err);
    if (t->km == KM_COLL) {
      if (coll_gather32(&t->keys, c, gids, n, out[c], 0)) return LAGO_NOMEM_ERR(t->err);
    } else if (rows_to_vec(t, c, gids, 0, n, out[c])) {
      return LAGO_NOMEM_ERR(t->err);
    }
    out[c]->len = n;
  }
  return LAGO_OK;
}

void aggtab_set_err(aggtab *t, lago_err *err) {
  t->err = err;
  t->rt.err = err;
}

bool aggtab_spilled(const aggtab *t) {
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++)
    if (t->parts[p]) return true;
  return false;
}

spill_file *aggtab_take_part(aggtab *t, uint32_t p) {
  spill_file *f = t->parts[p];
  t->parts[p] = NULL;
  return f;
}

/* ---- growth ----------------------------------------------------------------------------- */

static void charge_array(aggtab *t, size_t old_bytes, size_t new_bytes) {
  exec_mem_charge(t->cx, (ptrdiff_t)new_bytes - (ptrdiff_t)old_bytes);
  t->arrays_charged += new_bytes - old_bytes;
}

static int grow_slots(aggtab *t, uint32_t need_groups) {
  /* load at most 1/2; past 1Mi slots (memory dominates) up to 2/3, so 1.1M groups take 2Mi slots, not 4Mi */
  uint64_t want = (uint64_t)need_groups * 2;
  if (want > ((uint64_t)1 << 21)) want = (uint64_t)need_groups + need_groups / 2;
  if (want <= t->cap) return LAGO_OK;
  uint64_t cap = t->cap ? t->cap : 1024;
  while (cap < want) cap *= cap >= 65536 && cap < ((uint64_t)1 << 20) ? 4 : 2; /* mid-size tables grow faster */
  if (cap > ((uint64_t)1 << 31)) return LAGO_ERR(t->err, LAGO_NOMEM, "aggregate hash table: too many groups");
  uint32_t sw = t->sw;
  size_t bytes = (size_t)cap * sw * sizeof(uint64_t);
  uint64_t *ns = mem_alloc(bytes);
  if (!ns) return LAGO_NOMEM_ERR(t->err);
  exec_hint_huge(ns, bytes); /* before the first touch */
  memset(ns, 0, bytes);
  uint32_t mask = (uint32_t)cap - 1;
  for (uint32_t i = 0; i < t->cap; i++) { /* move the entries (they carry their hash salt and key) */
    uint64_t e = t->slots[(size_t)i * sw];
    if (!e) continue;
    uint32_t g = ((uint32_t)e & 0x7fffffffu) - 1;
    uint64_t h = t->hashes[g];
    uint32_t q = (uint32_t)h & mask;
    while (ns[(size_t)q * sw]) q = (q + 1) & mask;
    ns[(size_t)q * sw] = e;
    if (sw == 2) ns[(size_t)q * 2 + 1] = t->slots[(size_t)i * 2 + 1];
  }
  charge_array(t, (size_t)t->cap * 8 * sw, (size_t)cap * 8 * sw);
  mem_free(t->slots);
  t->slots = ns;
  t->cap = (uint32_t)cap;
  return LAGO_OK;
}

static int grow_groups(aggtab *t, uint32_t need) {
  if (need > t->hash_cap) {
    uint32_t nc = t->hash_cap ? t->hash_cap : 1024;
    while (nc < need) nc *= 2;
    uint64_t *nh = mem_realloc(t->hashes, (size_t)nc * sizeof(uint64_t));
    if (!nh) return LAGO_NOMEM_ERR(t->err);
    charge_array(t, (size_t)t->hash_cap * 8, (size_t)nc * 8);
    t->hashes = nh;
    t->hash_cap = nc;
  }
  if (t->rstride) {
    uint32_t nb = (need + COLL_CHUNK - 1) >> COLL_CHUNK_SHIFT;
    if (nb > t->cap_blocks) {
      uint32_t nc = t->cap_blocks ? t->cap_blocks * 2 : 16;
      while (nc < nb) nc *= 2;
      uint8_t **bl = mem_realloc(t->blocks, nc * sizeof(uint8_t *));
      if (!bl) return LAGO_NOMEM_ERR(t->err);
      t->blocks = bl;
      t->cap_blocks = nc;
    }
    size_t bsz = (size_t)COLL_CHUNK * t->rstride;
    while (t->n_blocks < nb) {
      if (!t->super_left) {
        if (t->n_supers == t->cap_supers) {
          uint32_t nc = t->cap_supers ? t->cap_supers * 2 : 8;
          uint8_t **ns = mem_realloc(t->supers, nc * sizeof(uint8_t *));
          if (!ns) return LAGO_NOMEM_ERR(t->err);
          t->supers = ns;
          t->cap_supers = nc;
        }
        /* the first superblock holds one block (few groups is the common case), later ones many */
        uint32_t blocks = t->n_supers ? SUPER_BLOCKS : 1;
        uint8_t *sb = mem_alloc(bsz * blocks);
        if (!sb) return LAGO_NOMEM_ERR(t->err);
        if (blocks > 1) exec_hint_huge(sb, bsz * blocks);
        charge_array(t, 0, bsz * blocks);
        t->supers[t->n_supers++] = sb;
        t->super_next = sb;
        t->super_left = blocks;
      }
      t->blocks[t->n_blocks++] = t->super_next;
      t->super_next += bsz;
      t->super_left--;
    }
  }
  return LAGO_OK;
}

/* A new group g with hash h: its hash and fresh states (the caller writes the keys). */
static inline void new_group(aggtab *t, uint32_t g, uint64_t h) {
  t->hashes[g] = h;
  if (!t->stride) return;
  uint8_t *s = state_of(t, g);
  for (uint32_t a = 0; a < t->sp->n_aggs; a++) t->sp->aggs[a]->ops->init(t->sp->aggs[a], s + t->offs[a]);
}

/* ---- row keys (FAST and ROW modes) ------------------------------------------------------------ */

/* A float's bits as a zero-extended word. */
static inline uint64_t float_word(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/*
** Key rows of input rows sel[0..n) into rb (n * kbytes bytes, logical order).
** Values are canonical: NULL fields zero, FLOAT/DOUBLE -0.0 and NaN normalized.
*/
static void build_rows(const aggtab *t, vec *const *keys, const uint32_t *sel, uint32_t n, uint8_t *rb) {
  const aggtab_spec *sp = t->sp;
  size_t kb = t->kbytes;
  /* null flags and padding zeroed row by row; fields write all their bytes */
  for (uint32_t i = 0; i < n; i++) {
    uint64_t *w = (uint64_t *)(void *)(rb + i * kb);
    for (uint32_t j = 0; j < t->n_zero; j++) w[t->zero[j]] = 0;
  }
  for (uint32_t c = 0; c < sp->n_keys; c++) {
    vec_view vw;
    vec_view_init(&vw, keys[c]);
    uint32_t off = t->koff[c], w = t->kwidth[c], fwb = (w + 7) & ~7u;
    uint64_t bit = (uint64_t)1 << c;
    lago_type_id id = (lago_type_id)sp->key_types[c].id;
    bool plain = !vw.validity && !vw.codes && !vw.is_const;
    uint8_t *o = rb + off;
#define ROW_LOOP(T, CANON)                                                             \
  do {                                                                                 \
    const T *d_ = (const T *)vw.data;                                                  \
    if (plain) {                                                                       \
      for (uint32_t i = 0; i < n; i++) {                                               \
        __typeof__(CANON(d_[0])) x_ = CANON(d_[sel ? sel[i] : i]);                     \
        memcpy(o + i * kb, &x_, sizeof x_);                                            \
      }                                                                                \
      break;                                                                           \
    }                                                                                  \
    for (uint32_t i = 0; i < n; i++) {                                                 \
      uint32_t r = sel ? sel[i] : i;                                                   \
      if (!VIEW_VALID(&vw, r)) {                                                       \
        uint64_t fl_;                                                                  \
        memcpy(&fl_, rb + i * kb, 8);                                                  \
        fl_ |= bit;                                                                    \
        memcpy(rb + i * kb, &fl_, 8);                                                  \
        memset(o + i * kb, 0, fwb);                                                    \
        continue;                                                                      \
      }                                                                                \
      __typeof__(CANON(d_[0])) x_ = CANON(d_[VIEW_IDX(&vw, r)]);                       \
      memcpy(o + i * kb, &x_, sizeof x_);                                              \
    }                                                                                  \
  } while (0)
#define WIDEN(x) ((uint64_t)(x))
#define AS_IS(x) (x)
#define CANON_F(x) float_word((x) == 0 ? 0.0f : (x) != (x) ? __builtin_nanf("") : (x))
#define CANON_D(x) double_canon(x)
    /* narrow values are written as zero-extended 8-byte words: the field's padding is written too */
    if (id == LT_FLOAT) ROW_LOOP(float, CANON_F);
    else if (id == LT_DOUBLE) ROW_LOOP(double, CANON_D);
    else if (w == 16) ROW_LOOP(lago_str, AS_IS); /* strings, wide decimals, intervals, uuids: 16 bytes */
    else if (w == 8) ROW_LOOP(uint64_t, AS_IS);
    else if (w == 4) ROW_LOOP(uint32_t, WIDEN);
    else if (w == 2) ROW_LOOP(uint16_t, WIDEN);
    else if (w == 1) ROW_LOOP(uint8_t, WIDEN);
    else { /* width 0 (NULL type) or odd widths: generic */
      for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!VIEW_VALID(&vw, r)) {
          uint64_t fl;
          memcpy(&fl, rb + i * kb, 8);
          fl |= bit;
          memcpy(rb + i * kb, &fl, 8);
        }
        memset(o + i * kb, 0, fwb);
        if (w && VIEW_VALID(&vw, r)) memcpy(o + i * kb, (const char *)vw.data + (size_t)VIEW_IDX(&vw, r) * w, w);
      }
    }
#undef ROW_LOOP
#undef WIDEN
#undef AS_IS
#undef CANON_F
#undef CANON_D
  }
}

/* Key rows x and y are equal, long strings compared by their bytes (ROW mode). */
static bool rows_equal_slow(const aggtab *t, const uint64_t *x, const uint64_t *y) {
  for (uint32_t k = 0; k < t->n_plain; k++)
    if (x[t->plain[k]] != y[t->plain[k]]) return false;
  for (uint32_t k = 0; k < t->n_str; k++) {
    uint32_t j = t->str[k];
    if (x[j] != y[j]) return false; /* length and prefix */
    const lago_str *sa = (const lago_str *)(const void *)(x + j), *sb = (const lago_str *)(const void *)(y + j);
    if (sa->len <= LAGO_STR_INLINE) {
      if (x[j + 1] != y[j + 1]) return false;
    } else if (memcmp(sa->u.ptr, sb->u.ptr, sa->len) != 0) {
      return false;
    }
  }
  return true;
}

/* Key rows a and b are equal (ROW mode): bitwise equal, or equal once long strings compare their bytes. */
static inline bool rows_equal(const aggtab *t, const uint8_t *a, const uint8_t *b) {
  const uint64_t *x = (const uint64_t *)(const void *)a, *y = (const uint64_t *)(const void *)b;
  uint64_t d = 0;
  for (uint32_t j = 0; j < t->kbytes / 8; j++) d |= x[j] ^ y[j];
  if (!d) return true;
  return t->n_str && rows_equal_slow(t, x, y);
}

/* ROW mode: a new group's row gets the probe row; bytes of long strings are copied into t->ar. */
static int store_row(aggtab *t, uint32_t g, const uint8_t *prow) {
  uint8_t *r = row_of(t, g);
  memcpy(r, prow, t->kbytes);
  for (uint32_t k = 0; k < t->n_str; k++) {
    lago_str *s = (lago_str *)(void *)(r + (size_t)t->str[k] * 8);
    if (s->len <= LAGO_STR_INLINE) continue;
    char *copy = arena_memdup(t->ar, s->u.ptr, s->len);
    if (!copy) {
      s->len = 0; /* never leave a pointer to batch memory behind */
      s->u.ptr = NULL;
      return LAGO_NOMEM_ERR(t->err);
    }
    s->u.ptr = copy;
  }
  return LAGO_OK;
}

/*
** ROW mode lookup: group of each probe row prow[i] (hash h[i]) into gids[i];
** missing groups are created when add, else get MISS.
*/
static int find_rows(aggtab *t, uint8_t *const *prow, const uint64_t *h, uint32_t n, uint32_t *gids, bool add) {
  arena *s = t->scratch;
  uint32_t *todo = arena_alloc(s, n * sizeof(uint32_t)), *ntodo = arena_alloc(s, n * sizeof(uint32_t));
  uint32_t *slot = arena_alloc(s, n * sizeof(uint32_t));
  if (!todo || !ntodo || !slot) return LAGO_NOMEM_ERR(t->err);
  uint32_t mask = t->cap - 1, nt = n;
  for (uint32_t i = 0; i < n; i++) {
    todo[i] = i;
    slot[i] = (uint32_t)h[i] & mask;
    __builtin_prefetch(&t->slots[slot[i]]); /* overlap the cache misses of the whole batch */
  }
  while (nt) {
    uint32_t nn = 0;
    for (uint32_t k = 0; k < nt; k++) {
      uint32_t i = todo[k];
      if (k + 8 < nt) { /* the stored row of a later candidate */
        uint32_t j = todo[k + 8];
        uint64_t ej = t->slots[slot[j]];
        if (ej && (uint32_t)(ej >> 32) == (uint32_t)(h[j] >> 32)) __builtin_prefetch(row_of(t, (uint32_t)ej - 1));
      }
      uint64_t e = t->slots[slot[i]];
      uint32_t salt = (uint32_t)(h[i] >> 32);
      if (e == 0) {
        if (!add) {
          gids[i] = MISS;
          continue;
        }
        uint32_t g = t->n_groups++;
        t->slots[slot[i]] = ((uint64_t)salt << 32) | ((uint64_t)g + 1);
        new_group(t, g, h[i]);
        gids[i] = g;
        TRY(store_row(t, g, prow[i]));
      } else if ((uint32_t)(e >> 32) == salt && rows_equal(t, prow[i], row_of(t, (uint32_t)e - 1))) {
        gids[i] = (uint32_t)e - 1;
      } else {
        slot[i] = (slot[i] + 1) & mask;
        ntodo[nn++] = i;
      }
    }
    uint32_t *tmp = todo;
    todo = ntodo;
    ntodo = tmp;
    nt = nn;
  }
  return LAGO_OK;
}

/* FAST mode: the key's bits (kb) and NULL flags (kn) live in the slot, so no row is touched. */
static int find_fast(aggtab *t, const uint64_t *kb, const uint8_t *kn, const uint64_t *h, uint32_t n, uint32_t *gids,
                     bool add) {
  uint32_t mask = t->cap - 1;
  for (uint32_t i = 0; i < n; i++) __builtin_prefetch(&t->slots[(size_t)((uint32_t)h[i] & mask) * 2]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t q = (uint32_t)h[i] & mask, salt = (uint32_t)(h[i] >> 32);
    uint64_t want = ((uint64_t)salt << 32) | (kn[i] ? 0x80000000u : 0);
    for (;;) {
      uint64_t e = t->slots[(size_t)q * 2];
      if (e == 0) {
        if (!add) {
          gids[i] = MISS;
          break;
        }
        uint32_t g = t->n_groups++;
        t->slots[(size_t)q * 2] = want | ((uint64_t)g + 1);
        t->slots[(size_t)q * 2 + 1] = kb[i];
        new_group(t, g, h[i]);
        uint8_t *r = row_of(t, g);
        uint64_t fl = kn[i] ? 1 : 0;
        memcpy(r, &fl, 8);
        memcpy(r + 8, &kb[i], 8);
        gids[i] = g;
        break;
      }
      if ((e & ~(uint64_t)0x7fffffffu) == want && t->slots[(size_t)q * 2 + 1] == kb[i]) {
        gids[i] = ((uint32_t)e & 0x7fffffffu) - 1;
        break;
      }
      q = (q + 1) & mask;
    }
  }
  return LAGO_OK;
}

/* FAST mode: key bits and NULL flags of rows sel[0..n) of the key column. */
static void fast_keys(const aggtab *t, const vec *kv, const uint32_t *sel, uint32_t n, uint64_t *kb, uint8_t *kn) {
  vec_view vw;
  vec_view_init(&vw, kv);
  bool plain = !vw.validity && !vw.codes && !vw.is_const;
#define FAST_LOOP(T)                                                      \
  do {                                                                    \
    const T *d_ = (const T *)vw.data;                                     \
    if (plain) {                                                          \
      memset(kn, 0, n);                                                   \
      for (uint32_t i = 0; i < n; i++) kb[i] = d_[sel ? sel[i] : i];      \
      break;                                                              \
    }                                                                     \
    for (uint32_t i = 0; i < n; i++) {                                    \
      uint32_t r = sel ? sel[i] : i;                                      \
      kn[i] = !VIEW_VALID(&vw, r);                                        \
      kb[i] = kn[i] ? 0 : d_[VIEW_IDX(&vw, r)];                           \
    }                                                                     \
  } while (0)
  switch (t->fw) {
    case 8: FAST_LOOP(uint64_t); break;
    case 4: FAST_LOOP(uint32_t); break;
    case 2: FAST_LOOP(uint16_t); break;
    default: FAST_LOOP(uint8_t); break;
  }
#undef FAST_LOOP
}

/* ---- COLL mode (nested keys) -------------------------------------------------------------------- */

/* Stored key of group g, column c: a FLAT vector and index (pending groups: the input row). */
static inline const vec *stored_key(const aggtab *t, vec *const *keys, uint32_t c, uint32_t g, uint32_t base,
                                    const uint32_t *pend_row, uint32_t *idx) {
  if (g >= base) {
    *idx = pend_row[g - base];
    return keys[c];
  }
  return coll_vec(&t->keys, g, c, idx);
}

static void cmp_keys(const aggtab *t, vec *const *keys, const uint32_t *rows, const uint32_t *gs, uint32_t nc,
                     uint32_t base, const uint32_t *pend_row, uint8_t *match) {
  for (uint32_t i = 0; i < nc; i++) match[i] = 1;
  for (uint32_t c = 0; c < t->sp->n_keys; c++) {
    const vec *in = keys[c];
    for (uint32_t i = 0; i < nc; i++) {
      if (!match[i]) continue;
      uint32_t si;
      const vec *sv = stored_key(t, keys, c, gs[i], base, pend_row, &si);
      match[i] = vecops_compare_nulls(in, rows[i], sv, si) == 0;
    }
  }
}

/*
** COLL mode lookup: groups created during a batch are compared against the
** batch row that created them until their keys are appended (in one go) at the end.
*/
static int find_coll(aggtab *t, vec *const *keys, const uint32_t *sel, uint32_t n, const uint64_t *h, uint32_t *gids,
                     bool add) {
  arena *s = t->scratch;
  uint32_t *todo = arena_alloc(s, n * sizeof(uint32_t)), *ntodo = arena_alloc(s, n * sizeof(uint32_t));
  uint32_t *slot = arena_alloc(s, n * sizeof(uint32_t)), *cand = arena_alloc(s, n * sizeof(uint32_t));
  uint32_t *cg = arena_alloc(s, n * sizeof(uint32_t)), *crow = arena_alloc(s, n * sizeof(uint32_t));
  uint32_t *pend_row = arena_alloc(s, n * sizeof(uint32_t));
  uint8_t *match = arena_alloc(s, n);
  if (!todo || !ntodo || !slot || !cand || !cg || !crow || !pend_row || !match) return LAGO_NOMEM_ERR(t->err);
  uint32_t mask = t->cap - 1, base = t->n_groups, n_new = 0, nt = n;
  for (uint32_t i = 0; i < n; i++) {
    todo[i] = i;
    slot[i] = (uint32_t)h[i] & mask;
    __builtin_prefetch(&t->slots[slot[i]]);
  }
  while (nt) {
    uint32_t nc = 0, nn = 0;
    for (uint32_t k = 0; k < nt; k++) {
      uint32_t i = todo[k];
      uint64_t e = t->slots[slot[i]];
      uint32_t salt = (uint32_t)(h[i] >> 32);
      if (e == 0) {
        if (!add) {
          gids[i] = MISS;
          continue;
        }
        uint32_t g = t->n_groups++;
        pend_row[n_new++] = sel ? sel[i] : i;
        t->slots[slot[i]] = ((uint64_t)salt << 32) | ((uint64_t)g + 1);
        new_group(t, g, h[i]);
        gids[i] = g;
      } else if ((uint32_t)(e >> 32) == salt) {
        cand[nc] = i;
        cg[nc] = (uint32_t)e - 1;
        crow[nc] = sel ? sel[i] : i;
        nc++;
      } else {
        slot[i] = (slot[i] + 1) & mask;
        ntodo[nn++] = i;
      }
    }
    if (nc) {
      cmp_keys(t, keys, crow, cg, nc, base, pend_row, match);
      for (uint32_t k = 0; k < nc; k++) {
        uint32_t i = cand[k];
        if (match[k]) gids[i] = cg[k];
        else {
          slot[i] = (slot[i] + 1) & mask;
          ntodo[nn++] = i;
        }
      }
    }
    uint32_t *tmp = todo;
    todo = ntodo;
    ntodo = tmp;
    nt = nn;
  }
  if (n_new && coll_append_cols(&t->keys, keys, pend_row, n_new)) return LAGO_NOMEM_ERR(t->err);
  return LAGO_OK;
}

/* ---- lookup dispatch --------------------------------------------------------------------------- */

/* Room for n more groups (when adding) and their slots. */
static int reserve(aggtab *t, uint32_t n, bool add) {
  TRY(grow_slots(t, t->n_groups + (add ? n : 0) + 1));
  if (add) TRY(grow_groups(t, t->n_groups + n));
  return LAGO_OK;
}

/*
** Group of each row (logical i, physical sel[i]) of the key columns; rows of
** missing groups get MISS when frozen (and force is false), else new groups
** are created.
*/
static int find_or_add(aggtab *t, vec *const *keys, const uint32_t *sel, uint32_t n, const uint64_t *h,
                       uint32_t *gids, bool force) {
  bool add = force || !t->frozen;
  TRY(reserve(t, n, add));
  arena *s = t->scratch;
  if (t->km == KM_FAST) {
    uint64_t *kb = arena_alloc(s, n * sizeof(uint64_t));
    uint8_t *kn = arena_alloc(s, n);
    if (!kb || !kn) return LAGO_NOMEM_ERR(t->err);
    fast_keys(t, keys[0], sel, n, kb, kn);
    return find_fast(t, kb, kn, h, n, gids, add);
  }
  if (t->km == KM_COLL) return find_coll(t, keys, sel, n, h, gids, add);
  uint8_t *rb = arena_alloc(s, (size_t)n * t->kbytes + 8);
  uint8_t **prow = arena_alloc(s, n * sizeof(uint8_t *));
  if (!rb || !prow) return LAGO_NOMEM_ERR(t->err);
  build_rows(t, keys, sel, n, rb);
  for (uint32_t i = 0; i < n; i++) prow[i] = rb + (size_t)i * t->kbytes;
  return find_rows(t, prow, h, n, gids, add);
}

/*
** Row modes: finds the groups of stored key rows of another table, adding the
** missing ones when add (merging) or giving MISS for them (lookups).
*/
static int find_or_add_rows(aggtab *t, uint8_t *const *rows, const uint64_t *h, uint32_t n, uint32_t *gids,
                            bool add) {
  TRY(reserve(t, n, add));
  if (t->km == KM_ROW) return find_rows(t, rows, h, n, gids, add);
  uint64_t *kb = arena_alloc(t->scratch, (n ? n : 1) * sizeof(uint64_t));
  uint8_t *kn = arena_alloc(t->scratch, n ? n : 1);
  if (!kb || !kn) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t fl;
    memcpy(&fl, rows[i], 8);
    kn[i] = fl != 0;
    memcpy(&kb[i], rows[i] + 8, 8);
  }
  return find_fast(t, kb, kn, h, n, gids, add);
}

int aggtab_lookup_groups(aggtab *t, const aggtab *src, const uint32_t *src_gids, uint32_t n, uint32_t *out) {
  if (n > SINK_MAX) return LAGO_ERR(t->err, LAGO_INTERNAL, "aggtab_lookup_groups: %u rows (max %u)", n, SINK_MAX);
  arena_reset(t->scratch);
  arena *s = t->scratch;
  uint64_t *hs = arena_alloc(s, (n ? n : 1) * sizeof(uint64_t));
  if (!hs) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t i = 0; i < n; i++) hs[i] = src->hashes[src_gids[i]];
  if (t->km == KM_COLL) {
    vec **keys = arena_alloc(s, (t->sp->n_keys + 1) * sizeof(vec *));
    if (!keys) return LAGO_NOMEM_ERR(t->err);
    TRY(aggtab_gather_keys(src, src_gids, n, s, keys));
    return find_coll(t, keys, NULL, n, hs, out, false);
  }
  uint8_t **rows = arena_alloc(s, (n ? n : 1) * sizeof(uint8_t *));
  if (!rows) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t i = 0; i < n; i++) rows[i] = row_of(src, src_gids[i]);
  return find_or_add_rows(t, rows, hs, n, out, false);
}

/* ---- sink ----------------------------------------------------------------------------------- */

static int spill_missing(aggtab *t, vec *const *cols, const uint32_t *rows, const uint64_t *hs, uint32_t n) {
  arena *s = t->scratch;
  uint32_t *cnt = arena_zalloc(s, AGGTAB_PARTS * sizeof(uint32_t));
  uint32_t *by = arena_alloc(s, (n ? n : 1) * sizeof(uint32_t));
  uint32_t *start = arena_alloc(s, (AGGTAB_PARTS + 1) * sizeof(uint32_t));
  if (!cnt || !by || !start) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t i = 0; i < n; i++) cnt[aggtab_part_of(hs[i], t->level)]++;
  start[0] = 0;
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++) start[p + 1] = start[p] + cnt[p];
  for (uint32_t i = 0; i < n; i++) by[start[aggtab_part_of(hs[i], t->level)]++] = rows[i];
  uint32_t from = 0;
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++) {
    if (!cnt[p]) continue;
    if (!t->parts[p])
      TRY(spill_open(t->cx, t->sp->n_keys + t->sp->n_in, t->all_types, &t->parts[p], t->err));
    TRY(spill_write_cols(t->parts[p], cols, by + from, cnt[p], t->err));
    from += cnt[p];
  }
  return LAGO_OK;
}

/*
** The code cache. When every key column is a DICT vector, all with the same codes, over stable
** dictionaries (exec_dict_id: a hash join's key-ordered build columns), a row's key tuple is a
** function of its code: the group found for a code is remembered, and later rows with that code
** skip hashing and probing. This is GROUP BY on columns of a dimension joined by its key (the
** star-join aggregate): each build row is looked up once instead of once per probe row. The cache
** follows the dictionaries' registration ids, so a new dictionary (another spilled partition's
** table, even at the same address) starts a new cache. Rows with a NULL key take the normal path.
*/
static bool cache_usable(aggtab *t, vec *const *cols) {
  uint32_t nk = t->sp->n_keys;
  if (nk == 0 || nk > CC_KEYS) return false;
  const vec *k0 = cols[0];
  if (k0->kind != VEC_DICT || !k0->dict) return false;
  for (uint32_t c = 1; c < nk; c++)
    if (cols[c]->kind != VEC_DICT || cols[c]->data != k0->data || !cols[c]->dict || cols[c]->dict->len != k0->dict->len)
      return false;
  uint64_t ids[CC_KEYS];
  bool same = t->cc_gid != NULL;
  for (uint32_t c = 0; c < nk; c++) {
    if (!(ids[c] = exec_dict_id(t->cx, cols[c]->dict))) return false;
    same &= ids[c] == t->cc_ids[c];
  }
  if (same) return true;
  exec_mem_charge(t->cx, -(ptrdiff_t)t->cc_charged);
  t->cc_charged = 0;
  mem_free(t->cc_gid);
  t->cc_gid = NULL;
  uint32_t codes = k0->dict->len;
  if (codes == 0 || codes > CC_MAX_CODES) return false;
  size_t bytes = (size_t)codes * sizeof(uint32_t);
  if (!exec_mem_charge(t->cx, (ptrdiff_t)bytes)) { /* an optimization only: not past the memory limit */
    exec_mem_charge(t->cx, -(ptrdiff_t)bytes);
    return false;
  }
  if (!(t->cc_gid = mem_calloc(codes, sizeof(uint32_t)))) {
    exec_mem_charge(t->cx, -(ptrdiff_t)bytes);
    return false;
  }
  exec_hint_huge(t->cc_gid, bytes);
  t->cc_charged = bytes;
  t->cc_n = codes;
  memcpy(t->cc_ids, ids, nk * sizeof(uint64_t));
  return true;
}

/* map_chunk through the code cache (cache_usable said yes). */
static int map_cached(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n, uint32_t *gids) {
  arena *s = t->scratch;
  uint32_t nk = t->sp->n_keys;
  const uint32_t *codes = cols[0]->data;
  bool nulls = false;
  for (uint32_t c = 0; c < nk; c++) nulls |= cols[c]->validity != NULL;
  uint32_t *mi = arena_alloc(s, n * sizeof(uint32_t)), *msel = arena_alloc(s, n * sizeof(uint32_t));
  if (!mi || !msel) return LAGO_NOMEM_ERR(t->err);
  uint32_t nm = 0, *cg = t->cc_gid, ncodes = t->cc_n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i, code = codes[r];
    uint32_t g = code < ncodes ? cg[code] : 0;
    if (g && nulls) {
      for (uint32_t c = 0; c < nk && g; c++)
        if (cols[c]->validity && !bitmap_get(cols[c]->validity, r)) g = 0;
    }
    if (g) {
      gids[i] = g - 1;
    } else {
      mi[nm] = i;
      msel[nm++] = r;
    }
  }
  if (!nm) return LAGO_OK;
  uint64_t *h = arena_alloc(s, nm * sizeof(uint64_t));
  uint32_t *mg = arena_alloc(s, nm * sizeof(uint32_t));
  if (!h || !mg) return LAGO_NOMEM_ERR(t->err);
  aggtab_hash_keys(t->sp, cols, msel, nm, h);
  TRY(find_or_add(t, cols, msel, nm, h, mg, false));
  uint32_t nmiss = 0;
  for (uint32_t j = 0; j < nm; j++) {
    gids[mi[j]] = mg[j];
    if (mg[j] == MISS) {
      msel[nmiss] = msel[j]; /* compacted in place: j >= nmiss */
      h[nmiss++] = h[j];
      continue;
    }
    uint32_t r = msel[j], code = codes[r];
    bool valid = code < ncodes;
    for (uint32_t c = 0; c < nk && valid && nulls; c++) valid = !cols[c]->validity || bitmap_get(cols[c]->validity, r);
    if (valid) cg[code] = mg[j] + 1;
  }
  return nmiss ? spill_missing(t, cols, msel, h, nmiss) : LAGO_OK;
}

/* Maps rows to groups; spills rows of groups a frozen table does not hold (gid MISS). */
static int map_chunk(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n, uint32_t *gids) {
  arena *s = t->scratch;
  if (t->sp->n_keys == 0) { /* global aggregate: one group, no hashing */
    if (t->n_groups == 0) {
      uint64_t h0 = 0;
      uint32_t g0;
      TRY(find_or_add(t, cols, NULL, 1, &h0, &g0, true));
    }
    for (uint32_t i = 0; i < n; i++) gids[i] = 0;
    return LAGO_OK;
  }
  if (cache_usable(t, cols)) return map_cached(t, cols, sel, n, gids);
  uint64_t *h = arena_alloc(s, n * sizeof(uint64_t));
  if (!h) return LAGO_NOMEM_ERR(t->err);
  aggtab_hash_keys(t->sp, cols, sel, n, h);
  TRY(find_or_add(t, cols, sel, n, h, gids, false));
  uint32_t nm = 0;
  for (uint32_t i = 0; i < n; i++) nm += gids[i] == MISS;
  if (!nm) return LAGO_OK;
  uint32_t *mr = arena_alloc(s, nm * sizeof(uint32_t));
  uint64_t *mh = arena_alloc(s, nm * sizeof(uint64_t));
  if (!mr || !mh) return LAGO_NOMEM_ERR(t->err);
  nm = 0;
  for (uint32_t i = 0; i < n; i++)
    if (gids[i] == MISS) {
      mr[nm] = sel ? sel[i] : i;
      mh[nm++] = h[i];
    }
  return spill_missing(t, cols, mr, mh, nm);
}

/* Charges memory and freezes the table when over the limit. */
static void check_memory(aggtab *t, size_t extra_charged) {
  (void)extra_charged;
  bool ok = exec_mem_track(t->cx, t->ar, &t->ar_charged);
  if (t->km == KM_COLL) ok &= exec_mem_track_bytes(t->cx, coll_bytes(&t->keys), &t->keys_charged);
  if (!ok && !t->frozen && t->level < AGGTAB_MAX_LEVEL && t->n_groups >= AGGTAB_MIN_GROUPS) t->frozen = true;
}

static int sink_chunk(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n) {
  const aggtab_spec *sp = t->sp;
  arena_reset(t->scratch);
  arena *s = t->scratch;
  uint32_t *gids = arena_alloc(s, n * sizeof(uint32_t));
  if (!gids) return LAGO_NOMEM_ERR(t->err);
  TRY(map_chunk(t, cols, sel, n, gids));
  /* rows of groups in memory */
  uint32_t *hr = arena_alloc(s, n * sizeof(uint32_t));
  uint8_t **states = arena_alloc(s, n * sizeof(uint8_t *));
  if (!hr || !states) return LAGO_NOMEM_ERR(t->err);
  uint32_t nh = 0;
  if (!t->frozen && t->stride) { /* every row has a group (MISS only when frozen) */
    if (sel) memcpy(hr, sel, (size_t)n * sizeof(uint32_t));
    else
      for (uint32_t i = 0; i < n; i++) hr[i] = i;
    for (uint32_t i = 0; i < n; i++) {
      states[i] = state_of(t, gids[i]);
      __builtin_prefetch(states[i], 1);
    }
    nh = n;
  } else {
    for (uint32_t i = 0; i < n; i++) {
      if (gids[i] == MISS) continue;
      hr[nh] = sel ? sel[i] : i;
      if (t->stride) {
        states[nh] = state_of(t, gids[i]);
        __builtin_prefetch(states[nh], 1);
      }
      nh++;
    }
  }
  if (nh && sp->n_aggs) {
    uint32_t *ar_ = arena_alloc(s, nh * sizeof(uint32_t));
    uint8_t **as = arena_alloc(s, nh * sizeof(uint8_t *));
    if (!ar_ || !as) return LAGO_NOMEM_ERR(t->err);
    const vec *tag = sp->tag_col >= 0 ? cols[sp->n_keys + sp->tag_col] : NULL;
    for (uint32_t a = 0; a < sp->n_aggs; a++) {
      const agg_bind *b = sp->aggs[a];
      const vec *flt = sp->filter_col[a] >= 0 ? cols[sp->n_keys + sp->filter_col[a]] : NULL;
      const uint32_t *rows = hr;
      uint8_t *const *st = states;
      uint32_t m = nh;
      if (tag || flt || b->distinct) {
        m = 0;
        for (uint32_t k = 0; k < nh; k++) {
          uint32_t r = hr[k];
          int32_t tg = 0;
          if (tag) {
            uint32_t ti;
            const vec *tp = vec_resolve(tag, r, &ti);
            tg = vec_is_valid(tag, r) ? VEC_DATA(tp, int32_t)[ti] : 0;
          }
          bool take = b->distinct ? tg == (int32_t)a + 1 : tg == 0;
          if (take && flt) {
            uint32_t fi;
            const vec *fp = vec_resolve(flt, r, &fi);
            take = vec_is_valid(flt, r) && VEC_DATA(fp, uint8_t)[fi];
          }
          if (take) {
            ar_[m] = r;
            as[m++] = states[k];
          }
        }
        rows = ar_;
        st = as;
      }
      if (!m) continue;
      TRY(b->ops->update(b, &t->rt, (vec **)cols + sp->n_keys + sp->arg_col[a], rows, m, st, t->offs[a]));
    }
  }
  check_memory(t, 0);
  return LAGO_OK;
}

int aggtab_map(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n, uint32_t *gids) {
  if (n > SINK_MAX) return LAGO_ERR(t->err, LAGO_INTERNAL, "aggtab_map: batch of %u rows", n);
  arena_reset(t->scratch);
  TRY(map_chunk(t, cols, sel, n, gids));
  check_memory(t, 0);
  return LAGO_OK;
}

int aggtab_sink(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n) {
  uint32_t done = 0;
  uint32_t *idx = NULL;
  while (done < n) {
    uint32_t take = n - done < SINK_MAX ? n - done : SINK_MAX;
    const uint32_t *s = NULL;
    if (sel) s = sel + done;
    else if (done) {
      if (!idx && !(idx = mem_alloc(SINK_MAX * sizeof(uint32_t)))) return LAGO_NOMEM_ERR(t->err);
      for (uint32_t i = 0; i < take; i++) idx[i] = done + i;
      s = idx;
    }
    int rc = sink_chunk(t, cols, s, take);
    if (rc) {
      mem_free(idx);
      return rc;
    }
    done += take;
  }
  mem_free(idx);
  return LAGO_OK;
}

/* ---- output ------------------------------------------------------------------------------------ */

int aggtab_emit(aggtab *t, uint32_t chunk, arena *ar, vec *out, uint32_t *n) {
  const aggtab_spec *sp = t->sp;
  uint32_t first = chunk << COLL_CHUNK_SHIFT;
  *n = 0;
  if (first >= t->n_groups) return LAGO_OK;
  uint32_t cnt = t->n_groups - first < COLL_CHUNK ? t->n_groups - first : COLL_CHUNK;
  for (uint32_t c = 0; c < sp->n_keys; c++) {
    if (t->km == KM_COLL) {
      out[c] = t->keys.chunks[chunk].cols[c];
    } else if (vec_init(&out[c], ar, sp->key_types[c], cnt) || rows_to_vec(t, c, NULL, first, cnt, &out[c])) {
      return LAGO_NOMEM_ERR(t->err);
    }
    out[c].len = cnt;
  }
  uint8_t **states = arena_alloc(ar, (cnt ? cnt : 1) * sizeof(uint8_t *));
  if (!states) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t i = 0; i < cnt; i++) states[i] = t->stride ? state_of(t, first + i) : NULL;
  for (uint32_t a = 0; a < sp->n_aggs; a++) {
    const agg_bind *b = sp->aggs[a];
    vec *o = &out[sp->n_keys + a];
    if (vec_init(o, ar, b->ret, cnt ? cnt : 1)) return LAGO_NOMEM_ERR(t->err);
    agg_rt rt = {ar, t->err};
    TRY(b->ops->finalize(b, &rt, states, cnt, t->offs[a], o, 0));
    o->len = cnt;
  }
  *n = cnt;
  return LAGO_OK;
}

int aggtab_add_empty_group(aggtab *t) {
  if (t->sp->n_keys != 0 || t->n_groups != 0) return LAGO_OK;
  arena_reset(t->scratch);
  uint64_t h = 0;
  uint32_t g;
  return find_or_add(t, NULL, NULL, 1, &h, &g, true);
}

/* ---- merge -------------------------------------------------------------------------------------- */

bool aggtab_frozen(const aggtab *t) { return t->frozen || aggtab_spilled(t); }

/* Frees src's superblock holding block b when b is its last block (absorbing in block order). */
static void release_block(aggtab *src, uint32_t b) {
  uint32_t sb, last; /* superblock 0 holds block 0; superblock i > 0 blocks 1 + (i-1)*SUPER_BLOCKS ... */
  if (b == 0) {
    sb = 0;
    last = 0;
  } else {
    sb = 1 + (b - 1) / SUPER_BLOCKS;
    last = sb * SUPER_BLOCKS;
  }
  if (b != last && b + 1 != src->n_blocks) return;
  if (sb >= src->n_supers || !src->supers[sb]) return;
  uint32_t blocks = sb ? SUPER_BLOCKS : 1;
  charge_array(src, (size_t)COLL_CHUNK * src->rstride * blocks, 0);
  mem_free(src->supers[sb]);
  src->supers[sb] = NULL;
}

int aggtab_absorb(aggtab *dest, aggtab *src) {
  const aggtab_spec *sp = dest->sp;
  if (dest->km != src->km || dest->rstride != src->rstride)
    return LAGO_ERR(dest->err, LAGO_INTERNAL, "aggtab_absorb: tables of different layouts");
  /* src is never looked up again: its index and code cache go first */
  charge_array(src, (size_t)src->cap * 8 * src->sw, 0);
  mem_free(src->slots);
  src->slots = NULL;
  src->cap = 0;
  exec_mem_charge(src->cx, -(ptrdiff_t)src->cc_charged);
  src->cc_charged = 0;
  mem_free(src->cc_gid);
  src->cc_gid = NULL;
  src->cc_n = 0;
  arena *tmp = arena_new("absorb", 64 * 1024);
  uint32_t *gids = mem_alloc(SINK_MAX * sizeof(uint32_t)), *dg = mem_alloc(SINK_MAX * sizeof(uint32_t));
  uint8_t **ss = mem_alloc(SINK_MAX * sizeof(uint8_t *)), **ds = mem_alloc(SINK_MAX * sizeof(uint8_t *));
  vec **keys = mem_calloc(sp->n_keys + 1, sizeof(vec *));
  int rc = LAGO_OK;
  if (!tmp || !gids || !dg || !ss || !ds || !keys) rc = LAGO_NOMEM_ERR(dest->err);
  /* chunk b = src's groups [b * COLL_CHUNK, ...) = its block b (row modes) */
  for (uint32_t g0 = 0; g0 < src->n_groups && rc == LAGO_OK; g0 += SINK_MAX) {
    uint32_t m = src->n_groups - g0 < SINK_MAX ? src->n_groups - g0 : SINK_MAX;
    const uint64_t *hs = src->hashes + g0;
    arena_reset(dest->scratch);
    if (dest->km == KM_COLL) {
      arena_reset(tmp);
      for (uint32_t i = 0; i < m; i++) gids[i] = g0 + i;
      for (uint32_t c = 0; c < sp->n_keys && rc == LAGO_OK; c++) {
        keys[c] = vec_new(tmp, sp->key_types[c], m);
        if (!keys[c] || coll_gather32(&src->keys, c, gids, m, keys[c], 0)) rc = LAGO_NOMEM_ERR(dest->err);
      }
      if (rc) break;
      rc = find_or_add(dest, keys, NULL, m, hs, dg, true);
    } else { /* the source's key rows are probe rows as they are */
      for (uint32_t i = 0; i < m; i++) ss[i] = row_of(src, g0 + i);
      rc = find_or_add_rows(dest, ss, hs, m, dg, true);
    }
    if (rc) break;
    if (sp->n_aggs) {
      for (uint32_t i = 0; i < m; i++) {
        ss[i] = state_of(src, g0 + i);
        ds[i] = state_of(dest, dg[i]);
      }
      for (uint32_t a = 0; a < sp->n_aggs && rc == LAGO_OK; a++)
        rc = sp->aggs[a]->ops->combine(sp->aggs[a], &dest->rt, ss, ds, m, dest->offs[a]);
    }
    if (src->rstride) release_block(src, g0 >> COLL_CHUNK_SHIFT);
  }
  exec_mem_track(dest->cx, dest->ar, &dest->ar_charged);
  if (dest->km == KM_COLL) exec_mem_track_bytes(dest->cx, coll_bytes(&dest->keys), &dest->keys_charged);
  mem_free(gids);
  mem_free(dg);
  mem_free(ss);
  mem_free(ds);
  mem_free(keys);
  arena_free(tmp);
  return rc;
}

int aggtab_prepare_merge(aggtab *t) {
  if (t->by_part) return LAGO_OK;
  t->by_part = mem_alloc((t->n_groups ? t->n_groups : 1) * sizeof(uint32_t));
  t->part_at = mem_calloc(AGGTAB_PARTS + 1, sizeof(uint32_t));
  if (!t->by_part || !t->part_at) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t g = 0; g < t->n_groups; g++) t->part_at[aggtab_part_of(t->hashes[g], 0) + 1]++;
  for (uint32_t q = 0; q < AGGTAB_PARTS; q++) t->part_at[q + 1] += t->part_at[q];
  uint32_t pos[AGGTAB_PARTS];
  memcpy(pos, t->part_at, sizeof pos);
  for (uint32_t g = 0; g < t->n_groups; g++) t->by_part[pos[aggtab_part_of(t->hashes[g], 0)]++] = g;
  return LAGO_OK;
}

int aggtab_merge_part(aggtab *dest, aggtab *const *srcs, uint32_t n_srcs, uint32_t p) {
  const aggtab_spec *sp = dest->sp;
  arena *tmp = arena_new("merge", 64 * 1024);
  if (!tmp) return LAGO_NOMEM_ERR(dest->err);
  int rc = LAGO_OK;
  uint32_t *gids = mem_alloc(SINK_MAX * sizeof(uint32_t)), *dg = mem_alloc(SINK_MAX * sizeof(uint32_t));
  uint64_t *hs = mem_alloc(SINK_MAX * sizeof(uint64_t));
  uint8_t **ss = mem_alloc(SINK_MAX * sizeof(uint8_t *)), **ds = mem_alloc(SINK_MAX * sizeof(uint8_t *));
  vec **keys = mem_calloc(sp->n_keys + 1, sizeof(vec *));
  if (!gids || !dg || !hs || !ss || !ds || !keys) rc = LAGO_NOMEM_ERR(dest->err);
  for (uint32_t s = 0; s < n_srcs && rc == LAGO_OK; s++) {
    aggtab *src = srcs[s];
    if (!src->by_part) {
      rc = LAGO_ERR(dest->err, LAGO_INTERNAL, "aggtab_merge_part before aggtab_prepare_merge");
      break;
    }
    uint32_t q = src->part_at[p], end = src->part_at[p + 1];
    while (q < end && rc == LAGO_OK) {
      uint32_t m = 0;
      for (; q < end && m < SINK_MAX; q++) {
        uint32_t g = src->by_part[q];
        gids[m] = g;
        hs[m++] = src->hashes[g];
      }
      if (!m) continue;
      arena_reset(dest->scratch);
      if (dest->km == KM_COLL) {
        arena_reset(tmp);
        for (uint32_t c = 0; c < sp->n_keys && rc == LAGO_OK; c++) {
          keys[c] = vec_new(tmp, sp->key_types[c], m);
          if (!keys[c] || coll_gather32(&src->keys, c, gids, m, keys[c], 0)) rc = LAGO_NOMEM_ERR(dest->err);
        }
        if (rc) break;
        rc = find_or_add(dest, keys, NULL, m, hs, dg, true);
      } else { /* the source's key rows are probe rows as they are */
        for (uint32_t i = 0; i < m; i++) ss[i] = row_of(src, gids[i]);
        rc = find_or_add_rows(dest, ss, hs, m, dg, true);
      }
      if (rc || !sp->n_aggs) continue;
      for (uint32_t i = 0; i < m; i++) {
        ss[i] = state_of(src, gids[i]);
        ds[i] = state_of(dest, dg[i]);
      }
      for (uint32_t a = 0; a < sp->n_aggs && rc == LAGO_OK; a++)
        rc = sp->aggs[a]->ops->combine(sp->aggs[a], &dest->rt, ss, ds, m, dest->offs[a]);
    }
  }
  exec_mem_track(dest->cx, dest->ar, &dest->ar_charged);
  if (dest->km == KM_COLL) exec_mem_track_bytes(dest->cx, coll_bytes(&dest->keys), &dest->keys_charged);
  mem_free(gids);
  mem_free(dg);
  mem_free(hs);
  mem_free(ss);
  mem_free(ds);
  mem_free(keys);
  arena_free(tmp);
  return rc;
}
