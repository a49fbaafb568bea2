/*
** tests/fuzz/fuzz_exec_cast.c: untrusted text through the executor's parsers:
** CAST/TRY_CAST of a string to every simple type, to_timestamp with a
** pattern, date_format, LIKE with a pattern, split_part. Input: byte 0 picks
** the target type, then "text\0pattern". Results must be a value, NULL or a
** LAGO_RUNTIME error, never a crash; TRY_CAST must never fail.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec/func.h"

static const char *const TYPES[] = {"INT", "BIGINT", "TINYINT", "DOUBLE", "FLOAT", "DECIMAL(10,3)", "DECIMAL(38,10)",
                                    "BOOLEAN", "DATE", "TIMESTAMP", "BINARY", "SMALLINT"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 2048) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err err;
  lago_err_clear(&err);
  eval_ctx ec = {ar, &err, 0, NULL};
  const char *text = (const char *)data + 1;
  size_t n = size - 1, tl = strnlen(text, n);
  const char *pat = tl < n ? text + tl + 1 : "yyyy-MM-dd";
  size_t pl = tl < n ? n - tl - 1 : strlen(pat);
  lago_type t;
  if (type_parse(ar, TYPES[data[0] % (sizeof TYPES / sizeof TYPES[0])], &t, &err)) abort();
  expr *s = expr_string(ar, text, (uint32_t)tl), *p = expr_string(ar, pat, (uint32_t)pl), *e;
  batch one;
  memset(&one, 0, sizeof one);
  one.n_rows = 1;
  vec *out;
  for (int try_ = 0; try_ < 2; try_++) {
    if (expr_cast(ar, s, t, try_, &e, &err)) abort();
    lago_err_clear(&err);
    int rc = expr_eval(&ec, e, &one, NULL, 1, &out);
    if (rc != LAGO_OK && (try_ || rc != LAGO_RUNTIME)) abort();
  }
  static const char *const FNS[] = {"to_timestamp", "like", "date_format", "split_part", "try_to_timestamp"};
  for (size_t f = 0; f < sizeof FNS / sizeof FNS[0]; f++) {
    expr *args[3] = {s, p, expr_int(ar, 2)};
    lago_err_clear(&err);
    if (f == 2) args[0] = expr_timestamp(ar, 1700000000000000LL);
    if (expr_call(ar, FNS[f], args, f == 3 ? 3 : 2, &e, &err)) abort();
    lago_err_clear(&err);
    int rc = expr_eval(&ec, e, &one, NULL, 1, &out);
    if (rc != LAGO_OK && rc != LAGO_RUNTIME) abort();
  }
  arena_free(ar);
  return 0;
}
