/*
** table/delta/keyset.c: a hash set of strings in an arena, for log replay
** ((path, DV id) keys already seen) and name lookups. Open addressing with
** linear probing, grown at 50% load; never shrinks (the arena frees it).
*/
#include <string.h>

#include "table/delta/delta_int.h"

uint64_t delta_hash(const void *p, size_t n) {
  /* FNV-1a, then a murmur finalizer to spread the low bits. */
  const unsigned char *s = p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

void keyset_init(keyset *ks, arena *ar) {
  memset(ks, 0, sizeof *ks);
  ks->ar = ar;
}

static int grow(keyset *ks) {
  size_t nc = ks->cap ? ks->cap * 2 : 64;
  const char **slots = arena_calloc(ks->ar, nc, sizeof *slots);
  uint64_t *hashes = arena_alloc(ks->ar, nc * sizeof *hashes);
  if (!slots || !hashes) return LAGO_NOMEM;
  for (size_t i = 0; i < ks->cap; i++) {
    if (!ks->slots[i]) continue;
    size_t j = ks->hashes[i] & (nc - 1);
    while (slots[j]) j = (j + 1) & (nc - 1);
    slots[j] = ks->slots[i];
    hashes[j] = ks->hashes[i];
  }
  ks->slots = slots;
  ks->hashes = hashes;
  ks->cap = nc;
  return LAGO_OK;
}

int keyset_add(keyset *ks, const char *key, bool borrow, bool *added) {
  if ((ks->n + 1) * 2 > ks->cap) TRY(grow(ks));
  size_t len = strlen(key);
  uint64_t h = delta_hash(key, len);
  size_t j = h & (ks->cap - 1);
  while (ks->slots[j]) {
    if (ks->hashes[j] == h && !strcmp(ks->slots[j], key)) {
      if (added) *added = false;
      return LAGO_OK;
    }
    j = (j + 1) & (ks->cap - 1);
  }
  const char *k = borrow ? key : arena_strndup(ks->ar, key, len);
  if (!k) return LAGO_NOMEM;
  ks->slots[j] = k;
  ks->hashes[j] = h;
  ks->n++;
  if (added) *added = true;
  return LAGO_OK;
}

bool keyset_has(const keyset *ks, const char *key) {
  if (!ks->cap) return false;
  uint64_t h = delta_hash(key, strlen(key));
  size_t j = h & (ks->cap - 1);
  while (ks->slots[j]) {
    if (ks->hashes[j] == h && !strcmp(ks->slots[j], key)) return true;
    j = (j + 1) & (ks->cap - 1);
  }
  return false;
}
