/*
** util/arena.c: region allocator (see arena.h).
**
** Layout: a singly linked chain of blocks, newest first. Each block is one
** mem_alloc'd region: [block header | payload ...]. Allocations bump `pos`
** inside the newest block; when it is full a new block of twice the previous
** size (at least the request) is linked in front. Requests larger than a
** quarter of the current block size get a block of their own placed *behind*
** the current one, so the bump block keeps its free space.
*/
#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

#define ALIGN 16
#define ALIGN_UP(n) (((n) + (ALIGN - 1)) & ~(size_t)(ALIGN - 1))

typedef struct block {
  struct block *next;
  size_t cap;   /* payload bytes */
  size_t pos;   /* bytes used */
  size_t pad_;  /* keeps the payload 16-byte aligned after a 24-byte header */
  unsigned char data[];
} block;

struct arena {
  const char *name;
  block *head;         /* current bump block */
  block *first;        /* kept across reset */
  size_t next_size;    /* size of the next block */
  size_t used;         /* bytes handed out */
  size_t reserved;     /* bytes held from the heap */
  void *last;          /* most recent allocation (for in-place realloc) */
};

static block *block_new(size_t cap) {
  block *b = mem_alloc(sizeof(block) + cap);
  if (!b) return NULL;
  b->next = NULL;
  b->cap = cap;
  b->pos = 0;
  return b;
}

arena *arena_new(const char *name, size_t first_block) {
  arena *ar = mem_alloc(sizeof *ar);
  if (!ar) return NULL;
  if (first_block < 256) first_block = 256;
  first_block = ALIGN_UP(first_block);
  block *b = block_new(first_block);
  if (!b) {
    mem_free(ar);
    return NULL;
  }
  ar->name = name ? name : "arena";
  ar->head = ar->first = b;
  ar->next_size = first_block * 2;
  ar->used = 0;
  ar->reserved = first_block;
  ar->last = NULL;
  return ar;
}

void arena_free(arena *ar) {
  if (!ar) return;
  block *b = ar->head;
  while (b) {
    block *n = b->next;
    mem_free(b);
    b = n;
  }
  mem_free(ar);
}

void arena_reset(arena *ar) {
  if (!ar) return;
  block *b = ar->head;
  while (b) {
    block *n = b->next;
    if (b != ar->first) mem_free(b);
    b = n;
  }
  ar->first->next = NULL;
  ar->first->pos = 0;
  ar->head = ar->first;
  ar->used = 0;
  ar->reserved = ar->first->cap;
  ar->next_size = ar->first->cap * 2;
  ar->last = NULL;
}

void *arena_alloc(arena *ar, size_t n) {
  size_t need = ALIGN_UP(n ? n : 1);
  if (need < n) return NULL; /* overflow */
  block *h = ar->head;
  if (h->cap - h->pos >= need) {
    void *p = h->data + h->pos;
    h->pos += need;
    ar->used += need;
    ar->last = p;
    return p;
  }
  if (need > h->cap / 4) {
    /* Big request: its own block, linked behind the bump block. */
    block *b = block_new(need);
    if (!b) return NULL;
    b->pos = need;
    b->next = h->next;
    h->next = b;
    ar->used += need;
    ar->reserved += need;
    ar->last = b->data;
    return b->data;
  }
  size_t cap = ar->next_size;
  while (cap < need) cap *= 2;
  block *b = block_new(cap);
  if (!b) return NULL;
  if (ar->next_size < ((size_t)64 << 20)) ar->next_size *= 2;
  b->next = h;
  ar->head = b;
  ar->reserved += cap;
  b->pos = need;
  ar->used += need;
  ar->last = b->data;
  return b->data;
}

void *arena_zalloc(arena *ar, size_t n) {
  void *p = arena_alloc(ar, n);
  if (p) memset(p, 0, n);
  return p;
}

void *arena_calloc(arena *ar, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  return arena_zalloc(ar, count * size);
}

void *arena_realloc(arena *ar, void *p, size_t old_n, size_t new_n) {
  if (!p) return arena_alloc(ar, new_n);
  if (new_n <= old_n) return p;
  block *h = ar->head;
  if (p == ar->last && (unsigned char *)p >= h->data && (unsigned char *)p < h->data + h->cap) {
    size_t off = (size_t)((unsigned char *)p - h->data);
    size_t need = ALIGN_UP(new_n);
    if (need >= new_n && off + need <= h->cap) {
      ar->used += need - (h->pos - off);
      h->pos = off + need;
      return p;
    }
  }
  void *q = arena_alloc(ar, new_n);
  if (!q) return NULL;
  memcpy(q, p, old_n);
  return q;
}

void *arena_memdup(arena *ar, const void *src, size_t n) {
  void *p = arena_alloc(ar, n);
  if (p && n) memcpy(p, src, n);
  return p;
}

char *arena_strndup(arena *ar, const char *s, size_t n) {
  char *p = arena_alloc(ar, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(arena *ar, const char *s) { return arena_strndup(ar, s, strlen(s)); }

char *arena_printf(arena *ar, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = arena_alloc(ar, (size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

size_t arena_used(const arena *ar) { return ar->used; }
size_t arena_reserved(const arena *ar) { return ar->reserved; }
const char *arena_name(const arena *ar) { return ar->name; }
