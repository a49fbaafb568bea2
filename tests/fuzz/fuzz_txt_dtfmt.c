/*
** tests/fuzz/fuzz_txt_dtfmt.c: Spark datetime patterns (dateFormat,
** timestampFormat; format/text/txt_dtfmt.c, used by the CSV and the JSON
** reader) on arbitrary text. Input: pattern, '\n', value. Compiling
** must give LAGO_OK or LAGO_BIND; parsing must not crash and, when it
** succeeds, give a timestamp whose date is real.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/text/text_int.h"
#include "util/datetime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 512) return 0;
  const uint8_t *nl = memchr(data, '\n', size);
  size_t plen = nl ? (size_t)(nl - data) : size;
  char *pattern = malloc(plen + 1);
  memcpy(pattern, data, plen);
  pattern[plen] = 0;
  txt_dtfmt f;
  lago_err e;
  lago_err_clear(&e);
  int rc = txt_dtfmt_compile(pattern, &f, &e);
  if (rc != LAGO_OK && rc != LAGO_BIND) abort();
  if (rc == LAGO_OK && nl) {
    size_t vlen = size - plen - 1;
    char *value = malloc(vlen ? vlen : 1); /* exact size: ASan sees overreads */
    memcpy(value, nl + 1, vlen);
    int64_t us;
    bool z;
    if (txt_dtfmt_parse(&f, value, vlen, &us, &z) == 0) {
      int64_t y;
      unsigned m, d;
      civil_from_days(floor_div64(us, MICROS_PER_DAY), &y, &m, &d);
      if (!date_valid(y, m, d)) abort();
    }
    free(value);
  }
  free(pattern);
  return 0;
}
