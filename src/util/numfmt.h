/*
** util/numfmt.h: numbers to text and text to numbers, exactly.
**
** Formatting follows the canonical text of the conformance corpora
** (docs/FORMATS.md, shared/conformance/parquet/README.md "Floating point"):
**   - floats: the shortest digit string that reads back as the same binary32
**     (fmt_float) or binary64 (fmt_double) value; plain notation when the
**     decimal exponent X is in [-4, 16), with at least one fractional digit
**     ("1.0", "0.0001", "123456.79"); otherwise d[.ddd]e(+|-)XX ("1e+16",
**     "5e-324"); "nan"/"-nan", "inf"/"-inf", "0.0"/"-0.0".
**   - decimals: "-" if negative, integer part without leading zeros ("0" if
**     zero), then "." and exactly `scale` digits when scale > 0.
** Every fmt_* writes a NUL-terminated string into out and returns its length.
** Buffers: FMT_NUM_MAX bytes are always enough.
**
** Parsing is strict (whole input, no spaces unless stated) and returns
** LAGO_OK, or LAGO_RUNTIME on overflow / LAGO_PARSE on bad syntax, without
** recording an error object: callers add their own context.
*/
#ifndef LAGO_UTIL_NUMFMT_H
#define LAGO_UTIL_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMT_NUM_MAX 64

int fmt_double(double x, char *out);
int fmt_float(float x, char *out);
int fmt_i64(int64_t v, char *out);
int fmt_u64(uint64_t v, char *out);
int fmt_i128(__int128 v, char *out);
/* Unscaled value v with `scale` fractional digits (0..38). */
int fmt_decimal(__int128 v, int scale, char *out);

/* Signed decimal integer: optional sign, digits. */
int parse_i64(const char *s, size_t n, int64_t *out);
/* Floating point as strtod accepts it, plus "nan", "inf", "infinity" (any case, signed). */
int parse_double(const char *s, size_t n, double *out);
/*
** Decimal text ("-12.345", "1e3", "+.5") to an unscaled value with `scale`
** fractional digits and at most `precision` digits in all. Extra fractional
** digits are rounded half away from zero (Spark's cast rule). LAGO_RUNTIME if
** the value does not fit DECIMAL(precision, scale).
*/
int parse_decimal(const char *s, size_t n, int precision, int scale, __int128 *out);
/* 10^k for k in 0..38. */
__int128 pow10_i128(int k);

#endif /* LAGO_UTIL_NUMFMT_H */
