/*
** exec/decimal.h: exact DECIMAL arithmetic for kernels, casts and aggregates.
**
** Values are unscaled 128-bit integers with a scale (digits after the point).
** Every operation computes the exact result (with a 256-bit intermediate when
** 128 bits are not enough), then rounds it to the requested scale HALF_UP
** (ties away from zero, Spark's rounding for decimals). They return false
** when the rounded result does not fit in 128 bits; callers check the target
** precision with dec_fits and raise Spark's errors.
*/
#ifndef LAGO_EXEC_DECIMAL_H
#define LAGO_EXEC_DECIMAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vec/types.h"

/* 10^k for 0 <= k <= 38. */
lago_i128 dec_pow10(int k);
/* |v| < 10^p. */
bool dec_fits(lago_i128 v, int p);
/* v at scale `from` to scale `to` (HALF_UP when dropping digits). */
bool dec_rescale(lago_i128 v, int from, int to, lago_i128 *out);
/* Rounding of v (scale s) to `digits` fractional digits, keeping scale s:
** half_even selects HALF_EVEN (bround) instead of HALF_UP; digits may be negative. */
bool dec_round_to(lago_i128 v, int s, int digits, bool half_even, lago_i128 *out);
/* floor / ceil of v (scale s) to an integer at scale 0. */
lago_i128 dec_floor(lago_i128 v, int s);
lago_i128 dec_ceil(lago_i128 v, int s);
bool dec_add(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out);
bool dec_sub(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out);
bool dec_mul(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out);
/* b != 0 (callers check). */
bool dec_div(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out);
/* Remainder with the sign of a (Java BigDecimal.remainder), at scale s. b != 0. */
bool dec_mod(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out);
/* Integral quotient truncated toward zero (div on decimals). */
bool dec_intdiv(lago_i128 a, int sa, lago_i128 b, int sb, lago_i128 *out);
/* Nearest double (correctly rounded). */
double dec_to_double(lago_i128 v, int s);
/* double to DECIMAL(p, s) as Spark: through the shortest decimal text of d, HALF_UP.
** Returns 0 ok, 1 does not fit p digits, 2 not finite. */
int dec_from_double(double d, int p, int s, lago_i128 *out);

#endif /* LAGO_EXEC_DECIMAL_H */
