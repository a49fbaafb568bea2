/*
** format/text/text.h: the types the text file readers (format/csv,
** format/json) share in their interfaces. Other layers do not include this
** file; they get these types through csv.h and jsonl.h, which name them
** csv_batch_info / jsonl_batch_info and so on (typedefs of the ones here).
** The shared mechanisms themselves are in text_int.h (private to format/).
*/
#ifndef LAGO_FORMAT_TEXT_H
#define LAGO_FORMAT_TEXT_H

#include <stdint.h>

/* What one reader next() call (or scan next()) produced. */
typedef struct txt_batch_info {
  uint32_t n_rows;        /* rows in the batch */
  uint32_t n_bad;         /* malformed records seen (kept with nulls, dropped, or logged) */
  uint32_t n_dropped;     /* of those, dropped (DROPMALFORMED, badRecordsPath) */
  uint32_t n_rescued;     /* rows whose rescued data column is not null (always 0 for CSV) */
  uint64_t bytes;         /* input bytes the batch covers (each reader's header says which) */
  const uint64_t *lines;  /* 1-based physical line where each output row's record starts; in the batch arena */
} txt_batch_info;

/* Totals since open. */
typedef struct txt_stats {
  uint64_t rows, bad_rows, dropped_rows, rescued_rows, bytes, batches;
} txt_stats;

/* Adds one batch's counts to the totals. */
static inline void txt_stats_add(txt_stats *s, const txt_batch_info *bi) {
  s->rows += bi->n_rows;
  s->bad_rows += bi->n_bad;
  s->dropped_rows += bi->n_dropped;
  s->rescued_rows += bi->n_rescued;
  s->bytes += bi->bytes;
  if (bi->n_rows) s->batches++;
}

/* How a parallel scan (csv_scan, jsonl_scan) splits and schedules its work. */
typedef struct txt_scan_config {
  int n_threads;         /* worker threads (>= 1); 0 = 2 */
  uint64_t range_bytes;  /* ranges of about this size; 0 = total / (4 * n_threads), within 1..8 MiB */
  uint32_t max_ahead;    /* ranges parsed ahead of the consumer; 0 = 2 * n_threads */
} txt_scan_config;

#endif /* LAGO_FORMAT_TEXT_H */
