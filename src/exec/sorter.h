/*
** exec/sorter.h: the sort engine behind ORDER BY, TopN and windows.
**
** Rows are sunk batch by batch into per-thread sorters: all input columns
** plus the evaluated sort keys go into a collection, and each row gets a
** normalized key, a byte string whose memcmp order is the SQL order:
**   per key column: 1 null byte (NULLS FIRST: NULL 0x00, value 0x01;
**   NULLS LAST: value 0x01, NULL 0x02), then the value big-endian with the
**   sign bit flipped (floats: -0.0 as 0.0, NaN canonical and above +Inf;
**   negative floats inverted), all value bytes inverted for DESC.
**   Strings contribute their first SORT_STR_PREFIX bytes (zero padded) and
**   end the normalized part; nested keys contribute nothing and end it too.
**   Rows whose normalized keys are equal are ordered by comparing the
**   remaining key columns in full (the tie-break).
** Keys are sorted with an in-place MSD radix sort (american flag sort) over
** (key, row) entries, small buckets by insertion sort.
**
** Memory: past the query's limit a sorter sorts what it holds into a run
** file (spill: data columns + the normalized key as a BINARY column) and
** starts over. sort_finish sorts the in-memory rows of every sorter (in
** parallel), then merges in-memory runs and run files with a heap; with a
** single in-memory run the rows are gathered directly in order.
** TopN (keep >= 0): a sorter keeps only the best `keep` rows, pruning by
** sort-and-truncate whenever it holds twice as many.
*/
#ifndef LAGO_EXEC_SORTER_H
#define LAGO_EXEC_SORTER_H

#include <string.h>

#include "exec/collection.h"
#include "exec/exec_int.h"
#include "exec/plan.h"

#define SORT_STR_PREFIX 12

typedef struct sorter_spec {
  uint32_t n_cols;            /* payload columns (the input's) */
  const lago_type *types;
  uint32_t n_keys;
  const sort_key *keys;       /* over the input columns */
  int64_t keep;               /* TopN: rows to keep (limit + offset); -1: all */
} sorter_spec;

typedef struct sorter sorter;
typedef struct sort_result sort_result;

int sorter_new(exec_ctx *cx, const sorter_spec *spec, lago_err *err, sorter **out);
void sorter_free(sorter *s);
/* Adds the selected rows of b (ec: evaluation context of the calling thread). */
int sorter_sink(sorter *s, eval_ctx *ec, const batch *b);
uint64_t sorter_rows(const sorter *s);

/*
** Sorts and merges the sorters (ownership moves to the result; the array is
** not kept). offset/limit trim the output (limit < 0: all).
*/
int sort_finish(exec_ctx *cx, sorter **ss, uint32_t n, int64_t offset, int64_t limit, lago_err *err,
                sort_result **out);
/*
** Next rows in order into out (n_cols vectors of the payload types, set up
** by this call in ar): *n rows, 0 at the end.
*/
int sort_result_next(sort_result *r, arena *ar, vec *out, uint32_t *n);
void sort_result_free(sort_result *r);

/*
** The normalized-key encoder on its own (for operators that compare rows by
** an ORDER BY without sorting, e.g. dedupe). sortkey_encode writes K bytes
** per row (stride apart); when the keys are partial (strings, nested), rows
** with equal bytes must be compared with sortkey_tiebreak.
*/
typedef struct sortkey_enc sortkey_enc;

/* memcmp of normalized keys, inlined for short keys (big-endian 8-byte words). */
static inline int sortkey_cmp(const uint8_t *a, const uint8_t *b, uint32_t K) {
  uint32_t q = 0;
  for (; q + 8 <= K; q += 8) {
    uint64_t x, y;
    memcpy(&x, a + q, 8);
    memcpy(&y, b + q, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
  for (; q < K; q++)
    if (a[q] != b[q]) return a[q] < b[q] ? -1 : 1;
  return 0;
}
int sortkey_enc_new(arena *ar, const sort_key *keys, uint32_t n_keys, sortkey_enc **out);
uint32_t sortkey_enc_bytes(const sortkey_enc *e);
bool sortkey_enc_partial(const sortkey_enc *e);
/* vals[k]: evaluated key k, aligned with the rows sel[0..n). */
void sortkey_encode(const sortkey_enc *e, vec *const *vals, const uint32_t *sel, uint32_t n, uint8_t *out,
                    size_t stride);
/* Order of row ra of keys a against row rb of keys b, on the keys the bytes do not settle. */
int sortkey_tiebreak(const sortkey_enc *e, vec *const *a, uint32_t ra, vec *const *b, uint32_t rb);

#endif /* LAGO_EXEC_SORTER_H */
