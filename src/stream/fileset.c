/*
** stream/fileset.c: the set of source files a stream has seen, keyed by
** relative path (ckpt.h). Open addressing with linear probing over a heap
** array of entry pointers, grown at 50% load; entries and path bytes live
** in the set's arena. Used for discovery ("is this file new?"), for the
** compact state file, and for progress rebuilt from a table's log.
*/
#include <stdlib.h>
#include <string.h>

#include "stream/ckpt.h"
#include "util/alloc.h"

static uint64_t hash_str(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a + a murmur finalizer */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

int fileset_init(fileset *fs) {
  memset(fs, 0, sizeof *fs);
  fs->ar = arena_new("stream files", 65536);
  return fs->ar ? LAGO_OK : LAGO_NOMEM;
}

void fileset_free(fileset *fs) {
  mem_free(fs->slots);
  arena_free(fs->ar);
  memset(fs, 0, sizeof *fs);
}

void fileset_clear(fileset *fs) {
  mem_free(fs->slots);
  fs->slots = NULL;
  fs->cap = fs->n = 0;
  fs->bytes = 0;
  arena_reset(fs->ar);
}

static size_t find(const fileset *fs, const char *path, uint64_t h) {
  size_t i = h & (fs->cap - 1);
  while (fs->slots[i] && strcmp(fs->slots[i]->path, path)) i = (i + 1) & (fs->cap - 1);
  return i;
}

ckpt_file *fileset_get(const fileset *fs, const char *path) {
  if (!fs->cap) return NULL;
  return fs->slots[find(fs, path, hash_str(path))];
}

static int grow(fileset *fs) {
  size_t nc = fs->cap ? fs->cap * 2 : 256;
  ckpt_file **ns = mem_calloc(nc, sizeof *ns);
  if (!ns) return LAGO_NOMEM;
  for (size_t i = 0; i < fs->cap; i++) {
    ckpt_file *e = fs->slots[i];
    if (!e) continue;
    size_t j = hash_str(e->path) & (nc - 1);
    while (ns[j]) j = (j + 1) & (nc - 1);
    ns[j] = e;
  }
  mem_free(fs->slots);
  fs->slots = ns;
  fs->cap = nc;
  return LAGO_OK;
}

int fileset_put(fileset *fs, const ckpt_file *f, lago_err *err) {
  if ((fs->n + 1) * 2 > fs->cap && grow(fs)) return LAGO_NOMEM_ERR(err);
  size_t i = find(fs, f->path, hash_str(f->path));
  ckpt_file *e = fs->slots[i];
  if (e) {
    fs->bytes -= e->size;
    e->size = f->size;
    e->mtime_ns = f->mtime_ns;
    e->batch = f->batch;
    fs->bytes += f->size;
    return LAGO_OK;
  }
  e = arena_alloc(fs->ar, sizeof *e);
  char *p = e ? arena_strdup(fs->ar, f->path) : NULL;
  if (!p) return LAGO_NOMEM_ERR(err);
  *e = *f;
  e->path = p;
  fs->slots[i] = e;
  fs->n++;
  fs->bytes += f->size;
  return LAGO_OK;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp((*(ckpt_file *const *)a)->path, (*(ckpt_file *const *)b)->path);
}

int fileset_each_sorted(const fileset *fs, ckpt_file_fn fn, void *ud, lago_err *err) {
  if (!fs->n) return LAGO_OK;
  ckpt_file **v = mem_alloc(fs->n * sizeof *v);
  if (!v) return LAGO_NOMEM_ERR(err);
  size_t k = 0;
  for (size_t i = 0; i < fs->cap; i++)
    if (fs->slots[i]) v[k++] = fs->slots[i];
  qsort(v, k, sizeof *v, cmp_entry);
  int rc = LAGO_OK;
  for (size_t i = 0; i < k && rc == LAGO_OK; i++) rc = fn(ud, v[i], err);
  mem_free(v);
  return rc;
}
