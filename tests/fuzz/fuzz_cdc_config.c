/*
** tests/fuzz/fuzz_cdc_config.c: the CDC ingestor-file parser (cdc/config.c
** over pipeline/ydoc.c) on arbitrary bytes. It must return LAGO_OK or
** LAGO_PARSE/NOMEM, never crash; a parsed file's every table must pass
** cdc_spec_check (the parser validates it) and name a CDC path.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdc/cdc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  cdc_config c;
  int rc = cdc_config_parse("fuzz.yaml", (const char *)data, size, "/base", ar, &c, &e);
  if (rc == LAGO_OK) {
    for (uint32_t i = 0; i < c.n_tables; i++) {
      lago_err e2;
      lago_err_clear(&e2);
      if (cdc_spec_check(&c.tables[i].spec, &e2) != LAGO_OK) abort();
      if (!c.tables[i].cdc || (!c.tables[i].table && !c.tables[i].path)) abort();
      if (!cdc_table_display(&c.tables[i], ar)) abort();
    }
  } else if (rc != LAGO_PARSE && rc != LAGO_NOMEM) {
    abort();
  }
  arena_free(ar);
  return 0;
}
