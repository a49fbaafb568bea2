/*
** tests/fuzz/fuzz_cdc_state.c: the CDC state document (cdc/state.c; the
** configuration of domainMetadata "lago.cdc", read from any table's log) on
** arbitrary bytes. It must return LAGO_OK or LAGO_CORRUPT/UNSUPPORTED/NOMEM;
** a parsed document must keep every segment path under _lago_cdc/ without
** "..", and must format and parse back to the same document.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdc/cdc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  cdc_state st;
  int rc = cdc_state_parse(ar, (const char *)data, size, &st, &e);
  if (rc == LAGO_OK) {
    for (uint32_t i = 0; i < st.n_seg; i++) {
      const char *p = st.seg[i].path;
      if (strncmp(p, "_lago_cdc/", 10) || strstr(p, "..") || strchr(p + 10, '/')) abort();
      if (st.seg[i].tombstones > st.seg[i].rows) abort();
    }
    buf b1, b2;
    buf_init(&b1);
    buf_init(&b2);
    cdc_state back;
    if (cdc_state_format(&st, &b1) == LAGO_OK) {
      lago_err e2;
      lago_err_clear(&e2);
      if (cdc_state_parse(ar, b1.data, b1.len, &back, &e2) != LAGO_OK) abort();
      if (cdc_state_format(&back, &b2) == LAGO_OK && (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))) abort();
    }
    buf_deinit(&b1);
    buf_deinit(&b2);
  } else if (rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) {
    abort();
  }
  arena_free(ar);
  return 0;
}
