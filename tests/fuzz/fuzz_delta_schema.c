/*
** tests/fuzz/fuzz_delta_schema.c: Delta schema JSON -> lago_type -> JSON
** (vec/type_json.h) on arbitrary text. Reading must succeed or fail with
** LAGO_PARSE/LAGO_UNSUPPORTED; a schema that reads must write, re-read equal
** (types and field metadata), and write again to the same bytes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec/type_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  int rc = type_from_delta_schema(ar, (const char *)data, size, &t, &e);
  if (rc == LAGO_OK) {
    buf b1, b2;
    buf_init(&b1);
    buf_init(&b2);
    lago_type t2;
    if (type_to_delta_json(t, &b1, &e) != LAGO_OK) abort();
    if (type_from_delta_schema(ar, b1.data, b1.len, &t2, &e) != LAGO_OK) abort();
    if (!type_delta_equal(t, t2)) abort();
    if (type_to_delta_json(t2, &b2, &e) != LAGO_OK) abort();
    if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0) abort();
    buf_deinit(&b1);
    buf_deinit(&b2);
  } else if (rc != LAGO_PARSE && rc != LAGO_UNSUPPORTED) {
    abort();
  } else if (strncmp(e.msg, "Delta schema", 12) != 0) {
    abort();
  }
  arena_free(ar);
  return 0;
}
