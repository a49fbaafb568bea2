/*
** vec/value_text.h: the one renderer of values as canonical text
** (docs/FORMATS.md; shared/conformance/parquet/README.md "Canonical text
** format"). The Parquet and Delta conformance tests compare with it, and
** `lago` uses it for CSV output.
**
** By lago type:
**   BOOLEAN true/false; integers decimal; DECIMAL with exactly `scale`
**   fractional digits; FLOAT/DOUBLE shortest round trip (util/numfmt.h);
**   STRING "..." with '"' doubled, nothing else escaped; BINARY 0x + hex;
**   UUID 8-4-4-4-12 hex; DATE YYYY-MM-DD; TIME HH:MM:SS[.f]; TIME_UTC the same
**   + "+00"; TIMESTAMP (UTC) date time + "+00"; TIMESTAMP_NTZ date time;
**   TIMESTAMP_NS up to 9 fraction digits; INTERVAL "M months D days U micros";
**   ARRAY [a,b]; STRUCT {"f":v,...}; MAP {k:v,...}; NULL anywhere \N.
*/
#ifndef LAGO_VEC_VALUE_TEXT_H
#define LAGO_VEC_VALUE_TEXT_H

#include "util/buf.h"
#include "vec/vector.h"

/* Appends the canonical text of row `row` of v (any kind, any depth). LAGO_NOMEM on OOM. */
int value_text_append(buf *out, const vec *v, uint32_t row);

/* Appends s as a canonical VARCHAR field: "...", with every '"' doubled. */
int value_text_quote(buf *out, const char *s, size_t n);

#endif /* LAGO_VEC_VALUE_TEXT_H */
