/*
** tests/fuzz/fuzz_delta_values.c: untrusted strings from Delta logs:
** partition values of every type (byte 0 picks the type), paths (percent
** decoding, relative-path checks, resolution against a root) and log file
** names. A parsed partition value must format and re-parse to the same text.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "vec/value_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  char *s = malloc(size);
  memcpy(s, data + 1, size - 1);
  s[size - 1] = 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  static const lago_type_id ids[] = {LT_STRING, LT_BINARY, LT_BOOLEAN, LT_TINYINT, LT_SMALLINT, LT_INT, LT_BIGINT,
                                     LT_FLOAT,  LT_DOUBLE, LT_DATE,    LT_TIMESTAMP, LT_TIMESTAMP_NTZ, LT_DECIMAL};
  lago_type t = ids[data[0] % (sizeof ids / sizeof ids[0])] == LT_DECIMAL ? type_decimal(1 + data[0] % 38, data[0] % 5 % (1 + data[0] % 38))
                                                                          : type_make(ids[data[0] % (sizeof ids / sizeof ids[0])]);
  vec *v;
  int rc = delta_partition_value_parse(ar, t, s, "c", &v, &e);
  if (rc == LAGO_OK) {
    const char *txt;
    lago_err_clear(&e);
    if (delta_partition_value_format(ar, v, 0, &txt, &e) == LAGO_OK && txt) {
      vec *v2;
      if (delta_partition_value_parse(ar, t, txt, "c", &v2, &e) != LAGO_OK) abort();
      buf a, b;
      buf_init(&a);
      buf_init(&b);
      value_text_append(&a, v, 0);
      value_text_append(&b, v2, 0);
      if (t.id != LT_FLOAT && strcmp(buf_cstr(&a), buf_cstr(&b))) abort();
      buf_deinit(&a);
      buf_deinit(&b);
    }
  } else if (rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) {
    abort();
  }
  lago_err_clear(&e);
  const char *dec;
  if (delta_uri_decode(ar, s, strlen(s), &dec, &e) == LAGO_OK) {
    lago_err_clear(&e);
    const char *full;
    if (delta_resolve_path(ar, "/root", dec, &full, &e) == LAGO_OK && dec[0] != '/' && strncmp(dec, "file:", 5) &&
        (strncmp(full, "/root/", 6) || strstr(full, "/../")))
      abort(); /* a relative path must stay under the root */
    buf b;
    buf_init(&b);
    delta_uri_encode(&b, dec);
    const char *back;
    if (delta_uri_decode(ar, buf_cstr(&b), b.len, &back, &e) != LAGO_OK || strcmp(back, dec)) abort();
    buf_deinit(&b);
  }
  log_file lf;
  delta_log_parse_name(s, &lf);
  arena_free(ar);
  free(s);
  return 0;
}
