/*
** vec/arrow.h: lago vectors and batches <-> the Arrow C Data Interface and
** C Stream Interface (include/lago_arrow.h; spec: arrow.apache.org/docs/
** format/CDataInterface.html and CStreamInterface.html).
**
** Used by api/ (lago_result_arrow hands query results out as an
** ArrowArrayStream) and by ingestion (Arrow data coming in). Sits in vec/
** because it only needs types and vectors.
**
** Type mapping (export writes the left column; import also accepts the
** alternatives on the right):
**
**   lago type        Arrow format             import also accepts
**   ---------------  -----------------------  ------------------------------------
**   NULL             n
**   BOOLEAN          b (bits)
**   TINYINT..BIGINT  c s i l
**   UTINYINT..       C S I L
**   FLOAT, DOUBLE    f g
**   DECIMAL(p,s)     d:p,s (128-bit)          d:p,s,32|64|128|256 with p <= 38, 0 <= s <= p
**   STRING           u (U when LARGE)         U, vu
**   BINARY           z (Z when LARGE)         Z, vz, w:N (N != 16 or no uuid extension)
**   DATE             tdD                      tdm (floor to days)
**   TIMESTAMP        tsu:UTC                  ts{s,m,u,n}:<any zone> (to micros, floor)
**   TIMESTAMP_NTZ    tsu:                     ts{s,m,u}: (to micros)
**   TIMESTAMP_NS     tsn:
**   TIME             ttu                      tts ttm ttn (to micros, floor)
**   TIME_UTC         ttu + metadata lago:type=TIME_UTC (Arrow has no UTC flag for time)
**   INTERVAL         tin (micros -> nanos)    tiM, tiD (nanos -> micros truncates toward 0)
**   UUID             w:16 + ARROW:extension:name=arrow.uuid
**   STRUCT           +s
**   ARRAY            +l (+L when LARGE)       +L, +w:N
**   MAP              +m, child "entries" +s {key (non-null), value}
**   (any)            dictionary-encoded: index c s i l C S I L -> VEC_DICT at top level,
**                    flattened inside nested types
** Names and nullability come from the type's fields (ARRAY child "element",
** MAP "entries"/"key"/"value"); a field's Parquet field id travels as the
** metadata key PARQUET:field_id (the key Arrow's Parquet library uses).
** Unsupported formats (float16, durations, unions, run-end, list views...)
** give LAGO_UNSUPPORTED naming the format string.
**
** ---- Export and the lifetime rule -------------------------------------------
** Exported buffers come in two sorts. Converted buffers (BOOLEAN bits,
** DECIMAL(p<=18) widened to 128 bits, string offsets + data, list offsets,
** INTERVAL nanos, anything gathered through a selection vector or a
** CONST/DICT vector) are built in a private arena owned by the export. The
** other buffers (fixed-width values and validity bitmaps of FLAT vectors read
** without a selection) can be handed out in place, zero-copy. Whether they
** are is the caller's choice:
**   - keep given (keep.free != NULL): zero-copy, and the export takes over
**     `keep` (typically the batch arena, arrow_keep_arena), which must own or
**     outlive every buffer of the vector: keep.free(keep.ptr) runs when the
**     root array and every child the consumer moved out have all been
**     released. On failure the caller still owns keep.
**   - ARROW_EXPORT_BORROW flag, no keep: zero-copy, and the caller promises
**     the vector's buffers outlive every release of the export.
**   - neither: everything is copied; the export does not refer to v at all.
** So exporting a result batch is cheap: the producer gives each batch its own
** arena and hands that arena over with the array instead of resetting it.
** Release callbacks may run on any thread (the reference count is atomic).
** CONST and DICT vectors are materialised (not exported as Arrow dictionary
** arrays): a stream's schema is fixed before any batch is seen, and the
** vector kind of a column varies from batch to batch.
** Validity: lago's uint64 LSB-first words are Arrow's byte bitmap on a
** little-endian machine (the only kind lago builds for; checked at compile
** time in arrow_export.c).
**
** ---- Import -----------------------------------------------------------------
** Everything imported is copied into the caller's arena (fixed-width values
** with one memcpy, string bytes with one memcpy per array), so vectors do not
** depend on the producer. arrow_import_array/batch take ownership of the
** ArrowArray and release it before returning, on success and on failure (as
** Arrow C++'s ImportArray). Imported data is validated: buffer and child
** counts, lengths, offsets (non-negative, monotonic, within the child),
** dictionary indexes, string-view buffer bounds, null map keys. Any violation
** is LAGO_CORRUPT, never a crash. What the C interface cannot carry cannot be
** checked: buffer sizes are implied by length+offset (and by the last offset
** for string data), so a producer whose buffers are shorter than that breaks
** the spec in a way no consumer can detect.
*/
#ifndef LAGO_VEC_ARROW_H
#define LAGO_VEC_ARROW_H

#include <stdbool.h>
#include <stdint.h>

#include "lago_arrow.h"
#include "util/arena.h"
#include "util/status.h"
#include "vec/types.h"
#include "vec/vector.h"

/* ---- export options ------------------------------------------------------- */

/* Flags for the *_ex export functions (OR them). */
#define ARROW_EXPORT_LARGE 1u  /* STRING -> U, BINARY -> Z, ARRAY -> +L (64-bit offsets) */
#define ARROW_EXPORT_BORROW 2u /* zero-copy without keep: caller keeps v's buffers alive */

/* Something that must stay alive while an export refers to it; free(ptr) ends it. */
typedef struct arrow_keep {
  void (*free)(void *ptr); /* NULL: nothing is kept */
  void *ptr;
} arrow_keep;

/* A keep that frees arena ar (hand the batch arena over with the batch). */
arrow_keep arrow_keep_arena(arena *ar);

/* ---- schema export -------------------------------------------------------- */

/*
** Fills *out with the Arrow schema of one field of type t named `name` (NULL
** means ""), nullable or not. The caller releases it with out->release(out).
** Returns LAGO_OK, LAGO_NOMEM, or LAGO_UNSUPPORTED (LT_INVALID or a broken
** type). On failure out->release is NULL.
*/
int arrow_export_schema(lago_type t, const char *name, bool nullable, struct ArrowSchema *out);
/* Same with flags (ARROW_EXPORT_LARGE changes u/z/+l to U/Z/+L). */
int arrow_export_schema_ex(lago_type t, const char *name, bool nullable, unsigned flags,
                           struct ArrowSchema *out);
/*
** The schema of a batch: a non-nullable struct "+s" with one child per column
** (names[i], types[i], nullable[i], or nullable when `nullable` is NULL).
** LAGO_MISUSE if names, types or a name is NULL.
*/
int arrow_export_batch_schema(uint32_t n_cols, const char *const *names, const lago_type *types,
                              const bool *nullable, unsigned flags, struct ArrowSchema *out);

/* ---- array export --------------------------------------------------------- */

/*
** Exports logical rows of v into *out: rows sel[0..n_rows) if sel, else
** 0..n_rows-1 (n_rows <= v->len, every sel[i] < v->len, else LAGO_MISUSE).
** arrow_export_vec copies (the result does not refer to v); the _ex form
** takes flags and a keep as described above. The caller releases out.
** Errors: LAGO_NOMEM; LAGO_UNSUPPORTED when data needs 64-bit offsets but
** ARROW_EXPORT_LARGE is not set (check with arrow_vec_needs_large) or an
** INTERVAL's micros do not fit as nanos; LAGO_INTERNAL for a vector that
** breaks its own invariants (list range past the child, dict code past the
** dictionary). On failure out->release is NULL and keep is not touched.
*/
int arrow_export_vec(const vec *v, uint32_t n_rows, const uint32_t *sel, struct ArrowArray *out,
                     lago_err *err);
int arrow_export_vec_ex(const vec *v, uint32_t n_rows, const uint32_t *sel, unsigned flags,
                        arrow_keep keep, struct ArrowArray *out, lago_err *err);
/*
** A batch as a struct array "+s" (no nulls) of its columns, length b->n_rows,
** honouring b->sel. Matches arrow_export_batch_schema of the column types.
*/
int arrow_export_batch(const batch *b, struct ArrowArray *out, lago_err *err);
int arrow_export_batch_ex(const batch *b, unsigned flags, arrow_keep keep, struct ArrowArray *out,
                          lago_err *err);
/*
** True if exporting these rows needs ARROW_EXPORT_LARGE: the selected rows'
** string bytes or list elements exceed INT32_MAX (exact for v itself), or a
** nested string/list vector's whole content does (counted once per child
** row, so lists whose ranges overlap can still make the export fail with
** LAGO_UNSUPPORTED: then retry with the flag).
*/
bool arrow_vec_needs_large(const vec *v, uint32_t n_rows, const uint32_t *sel);

/* ---- import --------------------------------------------------------------- */

/*
** The lago type of an Arrow field (dictionary-encoded: the value type).
** *nullable (may be NULL) gets the field's ARROW_FLAG_NULLABLE. A record
** batch schema ("+s") gives a STRUCT whose fields are the columns (names,
** nullability, field ids). Types are allocated in ar; s is only read.
** Errors: LAGO_UNSUPPORTED (format named), LAGO_CORRUPT (malformed), NOMEM.
*/
int arrow_import_schema(const struct ArrowSchema *s, arena *ar, lago_type *out, bool *nullable,
                        lago_err *err);
/*
** Imports array a of schema s into the caller-owned *out (a FLAT vector, or
** VEC_DICT for a dictionary-encoded array), everything allocated in ar.
** Takes ownership of a: a is released before returning, also on error.
*/
int arrow_import_array(const struct ArrowSchema *s, struct ArrowArray *a, arena *ar, vec *out,
                       lago_err *err);
/*
** Imports a record batch (struct array) into a new batch allocated in ar,
** one column per child. Rows where the struct itself is null become null in
** every column. Takes ownership of a as arrow_import_array.
*/
int arrow_import_batch(const struct ArrowSchema *s, struct ArrowArray *a, arena *ar, batch **out,
                       lago_err *err);

/* ---- stream producer ------------------------------------------------------ */

/*
** Pull callback of a stream: sets *out to the next batch, or to NULL at the
** end. Batches with no rows are skipped. The batch is borrowed until the next
** call; if the callback also sets *keep (arrow_keep_arena(batch arena)), the
** stream takes that over and exports the batch zero-copy, else it copies.
** Returns LAGO_OK or an error recorded in err.
*/
typedef int (*arrow_pull_fn)(void *ud, const batch **out, arrow_keep *keep, lago_err *err);

/*
** Makes *out an ArrowArrayStream of batches with columns (names, types,
** nullable: NULL = all nullable) pulled from pull(ud). The column
** description is copied. ud belongs to the stream once this succeeds:
** ud_free(ud) (if not NULL) runs when the stream is released. flags as for
** export (the schema is fixed: a batch needing LARGE without the flag fails).
** get_next errors: ENOMEM for LAGO_NOMEM, EINVAL for LAGO_MISUSE, ENOSYS for
** LAGO_UNSUPPORTED, EIO otherwise; get_last_error returns the lago message,
** valid until the next call on the stream. After an error the stream keeps
** returning it. Arrays and schemas it produces outlive the stream.
*/
int arrow_stream_make(struct ArrowArrayStream *out, uint32_t n_cols, const char *const *names,
                      const lago_type *types, const bool *nullable, unsigned flags,
                      arrow_pull_fn pull, void *ud, void (*ud_free)(void *), lago_err *err);

/* ---- stream consumer ------------------------------------------------------ */

typedef struct arrow_reader {
  struct ArrowArrayStream stream; /* moved in from the caller; released by close */
  struct ArrowSchema schema;      /* owned; released by close */
  lago_type type;                 /* STRUCT: one field per column (in the open arena) */
} arrow_reader;

/*
** Moves *s into r (s is marked released) and reads the stream's schema, which
** must be a struct ("+s"). Types go in ar. On failure r is closed already
** (stream released) and needs no arrow_reader_close.
*/
int arrow_reader_open(arrow_reader *r, struct ArrowArrayStream *s, arena *ar, lago_err *err);
/* Next batch (allocated in ar), or *out = NULL at the end of the stream.
** A producer error is LAGO_NOMEM for ENOMEM, else LAGO_IO with its message. */
int arrow_reader_next(arrow_reader *r, arena *ar, batch **out, lago_err *err);
/* Releases the stream and schema. Safe to call twice. */
void arrow_reader_close(arrow_reader *r);

/* Everything in a drained stream. */
typedef struct arrow_table {
  lago_type type;     /* STRUCT of the columns */
  uint32_t n_batches;
  batch **batches;    /* n_batches, each allocated in the drain arena */
  uint64_t n_rows;    /* sum of the batches' rows */
} arrow_table;

/* Reads every batch of *s into ar and releases the stream (also on error). */
int arrow_stream_drain(struct ArrowArrayStream *s, arena *ar, arrow_table *out, lago_err *err);

#endif /* LAGO_VEC_ARROW_H */
