/*
** tests/fuzz/fuzz_types.c: the Spark SQL type-name parser on arbitrary text.
** It must return LAGO_OK or LAGO_PARSE/NOMEM, and a parsed type must print
** and re-parse to an equal type.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  arena *ar = arena_new("fuzz", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  int rc = type_parse(ar, text, &t, &e);
  if (rc == LAGO_OK) {
    const char *s = type_sql_name(ar, t);
    lago_type t2;
    lago_err_clear(&e);
    if (!s || type_parse(ar, s, &t2, &e) != LAGO_OK || !type_equal(t, t2)) abort();
  } else if (rc != LAGO_PARSE && rc != LAGO_NOMEM) {
    abort();
  }
  arena_free(ar);
  free(text);
  return 0;
}
