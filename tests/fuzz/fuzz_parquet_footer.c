/*
** tests/fuzz/fuzz_parquet_footer.c: arbitrary bytes as a whole Parquet file
** (format/parquet: footer, schema, every page of every column, nested
** assembly, requested-type-free reading with and without dictionary
** vectors). Any status is fine; a crash, a sanitizer report, a leak or an
** unexpected status code is a finding. Every value is rendered, so broken
** views or offsets show up under ASan.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/buf.h"
#include "vec/value_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 20)) return 0;
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf;
  int rc = pq_open_buffer(data, size, "fuzz.parquet", &pf, &e);
  if (rc == LAGO_OK) {
    for (int pass = 0; pass < 2 && rc == LAGO_OK; pass++) {
      pq_read_opts o;
      memset(&o, 0, sizeof o);
      o.batch_rows = pass ? 1000 : 7;
      o.keep_dictionary = pass == 1;
      pq_reader *r;
      rc = pq_reader_open(pf, &o, &r, &e);
      if (rc) break;
      buf b;
      buf_init(&b);
      uint64_t rows = 0;
      for (;;) {
        batch *bt;
        rc = pq_reader_next(r, &bt, NULL, &e);
        if (rc || bt->n_rows == 0) break;
        for (uint32_t i = 0; i < bt->n_rows && rows < 100000; i++, rows++)
          for (uint32_t c = 0; c < bt->n_cols; c++) {
            buf_clear(&b);
            if (value_text_append(&b, &bt->cols[c], i) != LAGO_OK) abort();
          }
      }
      buf_deinit(&b);
      pq_reader_close(r);
    }
    pq_close(pf);
  }
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) abort();
  if (rc != LAGO_OK && !e.msg[0]) abort(); /* every error explains itself */
  return 0;
}
