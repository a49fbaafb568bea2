/*
** table/handlers_pq.c: the default Parquet handler of the Delta kernel,
** backed by format/parquet (handlers.h). Kept apart from handlers.c so that
** the kernel itself never references the Parquet layer directly.
*/
#include "table/handlers.h"

static const tbl_parquet_vtab k_pq = {
    pq_open,          pq_close,          pq_file_schema,    pq_file_num_rows,
    pq_reader_open,   pq_reader_next,    pq_reader_close,   pq_writer_open,
    pq_writer_write,  pq_writer_close,   pq_writer_abort,
};

const tbl_parquet_vtab *tbl_parquet_default(void) { return &k_pq; }

tbl_handlers tbl_handlers_default(lago_fs *fs) {
  tbl_handlers h = {fs, &k_pq, NULL, NULL, NULL};
  return h;
}
