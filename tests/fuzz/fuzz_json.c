/*
** tests/fuzz/fuzz_json.c: the JSON parser and writer (util/json.h) on
** arbitrary bytes. A parse must succeed or fail with LAGO_PARSE and a
** "line L, column C: " message; a parsed value must write, re-read equal, and
** write again to the same bytes; the in-place, prefix and newline-delimited
** entry points must agree with json_parse; lookups must find the last member
** with each key.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static void check_lookups(const json_value *v) {
  if (v->type == JSON_ARRAY) {
    for (size_t i = 0; i < json_len(v); i++) check_lookups(json_at(v, i));
  } else if (v->type == JSON_OBJECT) {
    for (size_t i = 0; i < json_len(v); i++) {
      const json_member *m = json_member_at(v, i);
      const json_value *want = NULL;
      for (size_t j = json_len(v); j-- > 0;) {
        const json_member *o = json_member_at(v, j);
        if (o->key_len == m->key_len && memcmp(o->key, m->key, m->key_len) == 0) {
          want = &o->value;
          break;
        }
      }
      if (json_getn(v, m->key, m->key_len) != want) abort();
      check_lookups(&m->value);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  const char *text = (const char *)data;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  json_value *v;
  int rc = json_parse(ar, text, size, &v, &e);
  if (rc == LAGO_OK) {
    check_lookups(v);
    buf b1, b2;
    buf_init(&b1);
    buf_init(&b2);
    json_value *v2;
    if (json_write(&b1, v) != LAGO_OK) abort();
    if (json_parse(ar, b1.data, b1.len, &v2, &e) != LAGO_OK) abort();
    if (!json_equal(v, v2)) abort();
    if (json_write(&b2, v2) != LAGO_OK) abort();
    if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0) abort();
    buf_deinit(&b1);
    buf_deinit(&b2);
  } else if (rc != LAGO_PARSE || strncmp(e.msg, "line ", 5) != 0 || e.pos < 0 || (size_t)e.pos > size) {
    abort();
  }

  /* In place on a copy: the same outcome. */
  char *copy = malloc(size ? size : 1);
  memcpy(copy, data, size);
  lago_err e2;
  lago_err_clear(&e2);
  json_value *w;
  int rc2 = json_parse_mut(ar, copy, size, &w, &e2);
  if (rc2 != rc) abort();
  if (rc == LAGO_OK && !json_equal(v, w)) abort();
  if (rc != LAGO_OK && (strcmp(e.msg, e2.msg) != 0 || e.pos != e2.pos)) abort();
  free(copy);

  /* Prefix: what it consumed parses on its own to the same value. */
  size_t used;
  lago_err_clear(&e2);
  if (json_parse_prefix(ar, text, size, &w, &used, &e2) == LAGO_OK) {
    json_value *x;
    if (used > size || json_parse(ar, text, used, &x, &e2) != LAGO_OK || !json_equal(w, x)) abort();
  } else if (rc == LAGO_OK) {
    abort(); /* a whole document is also a prefix */
  }

  /* Newline-delimited: every line parses or fails cleanly; it always ends. */
  json_lines it;
  json_lines_init(&it, text, size);
  size_t lines = 0;
  for (;;) {
    lago_err_clear(&e2);
    int r = json_lines_next(&it, ar, &w, &e2);
    if (r == LAGO_OK && !w) break;
    if (r != LAGO_OK && r != LAGO_PARSE) abort();
    if (++lines > size + 1) abort();
  }
  json_lines_deinit(&it);
  arena_free(ar);
  return 0;
}
