/*
** exec/aggtab.c: aggregation hash table with freeze-and-spill (see aggtab.h).
**
** Index: open addressing over a power-of-two array of 64-bit slots,
** slot = (upper 32 bits of the key hash) << 32 | (group + 1), 0 = empty;
** linear probing; kept at most half full. Lookups are vectorized: every row
** of a batch advances through its probe sequence in rounds, and the key
** comparisons of a round run column by column over all candidates.
** Groups created during a batch are compared against the batch row that
** created them until their keys are appended (in one go) at the end.
*/
#include "exec/aggtab.h"

#include <string.h>

#include "exec/vecops.h"
#include "util/alloc.h"

#define MISS UINT32_MAX
#define SUPER_BLOCKS 32u
#define SINK_MAX COLL_CHUNK

struct aggtab {
  exec_ctx *cx;
  const aggtab_spec *sp;
  uint32_t level;
  lago_err *err;
  arena *ar;              /* state blocks and aggregates' variable-size data */
  arena *scratch;         /* per-batch temporaries */
  size_t ar_charged, keys_charged, arrays_charged;
  coll keys;              /* group keys: row g = group g */
  uint8_t **blocks;       /* COLL_CHUNK groups' states each (carved from superblocks) */
  uint32_t n_blocks, cap_blocks;
  uint8_t **supers;       /* heap superblocks of SUPER_BLOCKS blocks (huge-page hinted) */
  uint32_t n_supers, cap_supers, super_left;
  uint8_t *super_next;    /* next free block of the last superblock */
  uint64_t *hashes;       /* per group (heap) */
  uint32_t hash_cap;
  uint32_t n_groups;
  uint64_t *slots;        /* heap: cap entries of sw words */
  uint32_t cap;
  uint32_t sw;            /* slot words: 2 in fast-key mode ({tag, key}), else 1 ({tag}) */
  bool fast;              /* one fixed-width non-float key compared inline in the slot */
  uint32_t kw;            /* fast mode: key width in bytes */
  size_t stride;
  size_t *offs;           /* per aggregate, in ar */
  bool frozen;
  spill_file *parts[AGGTAB_PARTS];
  lago_type *all_types;   /* keys ++ inputs: the spill schema */
  agg_rt rt;
  uint32_t *by_part;      /* merging: groups ordered by top-level partition (built once) */
  uint32_t *part_at;      /* AGGTAB_PARTS + 1 offsets into by_part */
};

void aggtab_hash_keys(const aggtab_spec *spec, vec *const *keys, const uint32_t *sel, uint32_t n, uint64_t *h) {
  if (spec->n_keys == 0) {
    for (uint32_t i = 0; i < n; i++) h[i] = 0;
    return;
  }
  for (uint32_t c = 0; c < spec->n_keys; c++) vecops_hash(keys[c], sel, n, h, c > 0);
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
  if (!t->ar || !t->scratch || coll_init(&t->keys, spec->n_keys, spec->key_types)) goto oom;
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
  if (spec->n_keys == 1) {
    lago_type k = spec->key_types[0];
    size_t w = type_width(k);
    if ((w == 1 || w == 2 || w == 4 || w == 8) && k.id != LT_FLOAT && k.id != LT_DOUBLE && !type_is_nested(k) &&
        !type_is_string_like(k)) {
      t->fast = true;
      t->sw = 2;
      t->kw = (uint32_t)w;
    }
  }
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
  arena_free(t->ar);
  arena_free(t->scratch);
  mem_free(t);
}

uint32_t aggtab_groups(const aggtab *t) { return t->n_groups; }
uint32_t aggtab_level(const aggtab *t) { return t->level; }
const uint64_t *aggtab_hashes(const aggtab *t) { return t->hashes; }

int aggtab_gather_keys(const aggtab *t, const uint32_t *gids, uint32_t n, arena *ar, vec **out) {
  for (uint32_t c = 0; c < t->sp->n_keys; c++) {
    out[c] = vec_new(ar, t->sp->key_types[c], n ? n : 1);
    if (!out[c] || coll_gather32(&t->keys, c, gids, n, out[c], 0)) return LAGO_NOMEM_ERR(t->err);
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

static inline uint8_t *state_of(const aggtab *t, uint32_t g) {
  return t->blocks[g >> COLL_CHUNK_SHIFT] + (size_t)(g & (COLL_CHUNK - 1)) * t->stride;
}

/* ---- growth ----------------------------------------------------------------------------- */

static void charge_array(aggtab *t, size_t old_bytes, size_t new_bytes) {
  exec_mem_charge(t->cx, (ptrdiff_t)new_bytes - (ptrdiff_t)old_bytes);
  t->arrays_charged += new_bytes - old_bytes;
}

static int grow_slots(aggtab *t, uint32_t need_groups) {
  uint64_t want = (uint64_t)need_groups * 2;
  if (want <= t->cap) return LAGO_OK;
  uint64_t cap = t->cap ? t->cap : 1024;
  while (cap < want) cap *= cap >= 65536 ? 4 : 2; /* big tables grow faster: fewer rehashes */
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
  if (t->stride) {
    uint32_t nb = (need + COLL_CHUNK - 1) >> COLL_CHUNK_SHIFT;
    if (nb > t->cap_blocks) {
      uint32_t nc = t->cap_blocks ? t->cap_blocks * 2 : 16;
      while (nc < nb) nc *= 2;
      uint8_t **bl = mem_realloc(t->blocks, nc * sizeof(uint8_t *));
      if (!bl) return LAGO_NOMEM_ERR(t->err);
      t->blocks = bl;
      t->cap_blocks = nc;
    }
    size_t bsz = (size_t)COLL_CHUNK * t->stride;
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

static void init_states(aggtab *t, uint32_t g) {
  if (!t->stride) return;
  uint8_t *s = state_of(t, g);
  for (uint32_t a = 0; a < t->sp->n_aggs; a++) t->sp->aggs[a]->ops->init(t->sp->aggs[a], s + t->offs[a]);
}

/* ---- key comparison ------------------------------------------------------------------------ */

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
    lago_type_id id = (lago_type_id)in->type.id;
    size_t w = type_width(in->type);
    bool plain = (w == 1 || w == 2 || w == 4 || w == 8) && id != LT_FLOAT && id != LT_DOUBLE;
    for (uint32_t i = 0; i < nc; i++) {
      if (!match[i]) continue;
      uint32_t r = rows[i], si, ii;
      const vec *sv = stored_key(t, keys, c, gs[i], base, pend_row, &si);
      bool va = vec_is_valid(in, r), vb = vec_is_valid(sv, si);
      if (!va || !vb) {
        match[i] = va == vb;
        continue;
      }
      const vec *pi = vec_resolve(in, r, &ii);
      const vec *ps = vec_resolve(sv, si, &si);
      if (plain) {
        const char *x = (const char *)pi->data + (size_t)ii * w, *y = (const char *)ps->data + (size_t)si * w;
        switch (w) {
          case 8: match[i] = *(const uint64_t *)(const void *)x == *(const uint64_t *)(const void *)y; break;
          case 4: match[i] = *(const uint32_t *)(const void *)x == *(const uint32_t *)(const void *)y; break;
          case 2: match[i] = *(const uint16_t *)(const void *)x == *(const uint16_t *)(const void *)y; break;
          default: match[i] = *x == *y; break;
        }
      } else if (id == LT_STRING || id == LT_BINARY) {
        match[i] = str_equal(&VEC_DATA(pi, lago_str)[ii], &VEC_DATA(ps, lago_str)[si]);
      } else {
        match[i] = vecops_compare(pi, ii, ps, si) == 0;
      }
    }
  }
}

/*
** Group of each row (logical i, physical sel[i]); rows of missing groups get
** MISS when frozen (and force is false), else new groups are created.
*/
/* Fast-key mode: the key's bits live in the slot, so no key column is touched. */
static int find_or_add_fast(aggtab *t, vec *const *keys, const uint32_t *sel, uint32_t n, const uint64_t *h,
                            uint32_t *gids, bool add) {
  arena *s = t->scratch;
  uint64_t *kb = arena_alloc(s, n * sizeof(uint64_t));
  uint8_t *kn = arena_alloc(s, n);
  uint32_t *pend_row = arena_alloc(s, n * sizeof(uint32_t));
  if (!kb || !kn || !pend_row) return LAGO_NOMEM_ERR(t->err);
  const vec *kv = keys[0];
  vec_view vw;
  vec_view_init(&vw, kv);
  uint32_t w = t->kw, mask = t->cap - 1, n_new = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    kn[i] = !VIEW_VALID(&vw, r);
    uint64_t x = 0;
    if (!kn[i]) {
      uint32_t ix = VIEW_IDX(&vw, r);
      switch (w) {
        case 8: x = ((const uint64_t *)vw.data)[ix]; break;
        case 4: x = ((const uint32_t *)vw.data)[ix]; break;
        case 2: x = ((const uint16_t *)vw.data)[ix]; break;
        default: x = ((const uint8_t *)vw.data)[ix]; break;
      }
    }
    kb[i] = x;
    __builtin_prefetch(&t->slots[(size_t)((uint32_t)h[i] & mask) * 2]);
  }
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
        pend_row[n_new++] = sel ? sel[i] : i;
        t->slots[(size_t)q * 2] = want | ((uint64_t)g + 1);
        t->slots[(size_t)q * 2 + 1] = kb[i];
        t->hashes[g] = h[i];
        init_states(t, g);
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
  if (n_new && coll_append_cols(&t->keys, keys, pend_row, n_new)) return LAGO_NOMEM_ERR(t->err);
  return LAGO_OK;
}

static int find_or_add(aggtab *t, vec *const *keys, const uint32_t *sel, uint32_t n, const uint64_t *h,
                       uint32_t *gids, bool force) {
  bool add = force || !t->frozen;
  if (t->fast) {
    TRY(grow_slots(t, t->n_groups + (add ? n : 0) + 1));
    if (add) TRY(grow_groups(t, t->n_groups + n));
    return find_or_add_fast(t, keys, sel, n, h, gids, add);
  }
  TRY(grow_slots(t, t->n_groups + (add ? n : 0) + 1));
  if (add) TRY(grow_groups(t, t->n_groups + n));
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
    __builtin_prefetch(&t->slots[slot[i]]); /* overlap the cache misses of the whole batch */
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
        t->hashes[g] = h[i];
        init_states(t, g);
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
      for (uint32_t k = 0; k < nc && t->sp->n_keys; k++)
        if (cg[k] < base) {
          uint32_t o;
          const vec *v = coll_vec(&t->keys, cg[k], 0, &o);
          __builtin_prefetch((const char *)v->data + (size_t)o * type_width(v->type));
        }
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
  if (n_new) TRY(coll_append_cols(&t->keys, keys, pend_row, n_new) ? LAGO_NOMEM_ERR(t->err) : LAGO_OK);
  return LAGO_OK;
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
  ok &= exec_mem_track(t->cx, t->keys.ar, &t->keys_charged);
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
  for (uint32_t i = 0; i < n; i++) {
    if (gids[i] == MISS) continue;
    hr[nh] = sel ? sel[i] : i;
    if (t->stride) {
      states[nh] = state_of(t, gids[i]);
      __builtin_prefetch(states[nh], 1);
    }
    nh++;
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
    out[c] = t->keys.chunks[chunk].cols[c];
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
      arena_reset(tmp);
      for (uint32_t c = 0; c < sp->n_keys && rc == LAGO_OK; c++) {
        keys[c] = vec_new(tmp, sp->key_types[c], m);
        if (!keys[c] || coll_gather32(&src->keys, c, gids, m, keys[c], 0)) rc = LAGO_NOMEM_ERR(dest->err);
      }
      if (rc) break;
      arena_reset(dest->scratch);
      rc = find_or_add(dest, keys, NULL, m, hs, dg, true);
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
  exec_mem_track(dest->cx, dest->keys.ar, &dest->keys_charged);
  mem_free(gids);
  mem_free(dg);
  mem_free(hs);
  mem_free(ss);
  mem_free(ds);
  mem_free(keys);
  arena_free(tmp);
  return rc;
}
