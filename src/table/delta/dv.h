/*
** table/delta/dv.h: deletion vectors (PROTOCOL.md "Deletion Vectors" and
** Appendix "Deletion Vector Format"): Z85, the RoaringBitmapArray
** serialization, DV files, and loading the deleted-row set of a descriptor.
** Internal to table/ (used by replay, scan, CDF and the writer).
**
** A decoded DV is a dv_rows: the deleted row positions (0-based positions
** in the data file), sorted ascending, without duplicates.
*/
#ifndef LAGO_TABLE_DELTA_DV_H
#define LAGO_TABLE_DELTA_DV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table/delta/delta.h"
#include "util/buf.h"

typedef struct dv_rows {
  uint64_t *rows;  /* sorted, unique; owned by whoever loaded it (an arena) */
  uint64_t n;
} dv_rows;

/*
** The same set as a bitset, what a scan filters with: 1 bit per row (a file
** of 5M rows with 2M deleted: 625 KB instead of 16 MB of positions).
*/
typedef struct dv_bits {
  uint64_t *words; /* bit r % 64 of words[r / 64]: row r is deleted; in the loader's arena */
  uint64_t n_bits; /* rows covered (a multiple of 65,536); rows past it are not deleted */
  uint64_t n;      /* deleted rows */
} dv_bits;

static inline bool dv_bits_has(const dv_bits *b, uint64_t row) {
  return row < b->n_bits && (b->words[row >> 6] >> (row & 63) & 1);
}

/* ---- Z85 (ZeroMQ RFC 32) ----------------------------------------------------
** 4 bytes (big-endian u32) <-> 5 characters. Lengths must be multiples of
** 4 / 5. Decoding rejects characters outside the alphabet and groups whose
** value exceeds 2^32-1. */
#define Z85_ALPHABET "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
/* out gets n/5*4 bytes. LAGO_CORRUPT on bad input (err names the position). */
int z85_decode(const char *s, size_t n, uint8_t *out, lago_err *err);
/* out gets n/4*5 characters and a NUL (n must be a multiple of 4). */
void z85_encode(const uint8_t *p, size_t n, char *out);

/* ---- bitmap serialization ----------------------------------------------------
** RoaringBitmapArray, little-endian:
**   u32 magic 1681511377 | u64 n_buckets | n_buckets x { u32 key | roaring32 }
** row = key << 32 | value-in-bucket. roaring32 is the portable Roaring
** format (RoaringFormatSpec): cookie 12346 + u32 n_containers (no run
** containers, offsets always present), or cookie 12347 | (n-1) << 16 + run
** bitset (offsets present when n >= 4); then n x {u16 key, u16 card-1};
** [n x u32 offset]; containers: array (card <= 4096: card x u16), bitmap
** (1024 x u64), run (u16 n_runs, n_runs x {u16 start, u16 len-1}).
*/
#define DV_MAGIC 1681511377u
/* Parses data[0..n) into rows allocated in ar. LAGO_CORRUPT with `what` in the message. */
int dv_bitmap_decode(const uint8_t *data, size_t n, arena *ar, dv_rows *out, const char *what, lago_err *err);
/* Serializes sorted unique rows (array and bitmap containers only). */
int dv_bitmap_encode(const uint64_t *rows, uint64_t n, buf *out);

/* ---- descriptors and files ---------------------------------------------------
** DV file (deletion_vector_<uuid>.bin), big-endian framing:
**   u8 version = 1 | { u32 size | size bytes of bitmap | u32 CRC-32 of the bitmap } ...
** A descriptor's offset points at the u32 size of its DV (1 for the first).
*/

/*
** Path of the DV file of a 'u' or 'p' descriptor, in ar: 'u' =
** root/<prefix>/deletion_vector_<uuid>.bin where the last 20 characters of
** pathOrInlineDv are the Z85 of the UUID and the rest is the prefix; 'p' =
** the percent-decoded absolute path (file: scheme removed).
*/
int dv_file_path(arena *ar, const char *root, const delta_dv *dv, const char **out, lago_err *err);

/*
** Loads the deleted rows of dv (any storage type) into ar: reads the DV file
** range, checks the size, the CRC and the cardinality. fs is used for files.
*/
int dv_load(lago_fs *fs, const char *root, const delta_dv *dv, arena *ar, dv_rows *out, lago_err *err);
/* The same, as a bitset. */
int dv_load_bits(lago_fs *fs, const char *root, const delta_dv *dv, arena *ar, dv_bits *out, lago_err *err);

/*
** Writes rows as a new DV file in `root` (or root/<prefix> when prefix is not
** NULL) with put-if-absent, and fills *dv (strings in ar): storage 'u',
** offset 1, size, cardinality.
*/
int dv_write_file(const tbl_handlers *h, const char *root, const uint64_t *rows, uint64_t n, arena *ar,
                  delta_dv *dv, lago_err *err);

/* rows of a ∪ b (both sorted unique) into ar. */
int dv_rows_union(arena *ar, const dv_rows *a, const dv_rows *b, dv_rows *out);
/* rows of a \ b into ar. */
int dv_rows_minus(arena *ar, const dv_rows *a, const dv_rows *b, dv_rows *out);

#endif /* LAGO_TABLE_DELTA_DV_H */
