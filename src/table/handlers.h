/*
** table/handlers.h: what the Delta kernel needs from the outside world
** (STYLE.md §1, delta-kernel-rs `Engine`).
**
** table/ never opens a file, decodes Parquet or reads the clock itself: it
** goes through one tbl_handlers value, so the log logic can be tested with
** in-memory fakes (a faulty fs, a fake clock, a fake Parquet handler) and
** the real engine plugs in lago's own I/O and Parquet layers.
**
**   fs      storage: list, range read, atomic put-if-absent (io/fs.h)
**   pq      Parquet files: open/read batches for data files and checkpoints,
**           write data files and checkpoints (format/parquet/parquet.h)
**   now_ms  wall clock in milliseconds since the epoch (commit timestamps,
**           retention decisions); NULL = the real clock
**   random  fills a buffer with random bytes (UUIDs of new files); NULL =
**           getrandom(2)
**
** JSON needs no handler: util/json.h is pure computation.
** The handlers are borrowed by every table object made from them and must
** outlive it.
*/
#ifndef LAGO_TABLE_HANDLERS_H
#define LAGO_TABLE_HANDLERS_H

#include <stdint.h>

#include "format/parquet/parquet.h"
#include "io/fs.h"

/*
** Parquet operations, with the contracts of the functions of the same name
** in format/parquet/parquet.h (ownership and errors identical).
*/
typedef struct tbl_parquet_vtab {
  int (*open)(lago_fs *fs, const char *path, pq_file **out, lago_err *err);
  void (*close)(pq_file *pf);
  lago_type (*schema)(const pq_file *pf);
  int64_t (*num_rows)(const pq_file *pf);
  int (*reader_open)(pq_file *pf, const pq_read_opts *opts, pq_reader **out, lago_err *err);
  int (*reader_next)(pq_reader *r, batch **out, uint32_t *rg_out, lago_err *err);
  void (*reader_close)(pq_reader *r);
  int (*writer_open)(lago_fs *fs, const char *path, lago_type schema, const pq_write_opts *opts, pq_writer **out,
                     lago_err *err);
  int (*writer_write)(pq_writer *w, const batch *b, lago_err *err);
  int (*writer_close)(pq_writer *w, arena *ar, pq_file_stats *stats, lago_err *err);
  void (*writer_abort)(pq_writer *w);
} tbl_parquet_vtab;

typedef struct tbl_handlers {
  lago_fs *fs;                                      /* borrowed */
  const tbl_parquet_vtab *pq;                       /* borrowed; static in practice */
  int64_t (*now_ms)(void *ud);                      /* NULL = real clock */
  int (*random)(void *ud, void *dst, size_t n);     /* NULL = getrandom */
  void *ud;                                         /* passed to now_ms and random */
} tbl_handlers;

/* The Parquet handler backed by format/parquet (static; never NULL). */
const tbl_parquet_vtab *tbl_parquet_default(void);
/* Handlers over fs with the default Parquet handler and the real clock. */
tbl_handlers tbl_handlers_default(lago_fs *fs);

/* Clock and randomness through the handlers. */
int64_t tbl_now_ms(const tbl_handlers *h);
/* Fills dst with n random bytes. LAGO_IO if the OS source fails. */
int tbl_random(const tbl_handlers *h, void *dst, size_t n, lago_err *err);
/* A random (version 4) UUID in canonical text form (36 chars + NUL) in out[37]; raw bytes in raw[16] if not NULL. */
int tbl_uuid4(const tbl_handlers *h, char out[37], uint8_t raw[16], lago_err *err);

#endif /* LAGO_TABLE_HANDLERS_H */
