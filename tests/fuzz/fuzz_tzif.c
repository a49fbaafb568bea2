/*
** tests/fuzz/fuzz_tzif.c: the TZif parser (util/tz.c) on arbitrary bytes, and
** the same bytes as a zone name (tz_load: offsets, short ids, region paths).
** Parsing must return LAGO_OK, LAGO_CORRUPT, LAGO_PARSE or LAGO_NOMEM; a
** parsed zone must answer lookups anywhere in the int64 range without crashing,
** and offsets stay within TZif's +-26 h.
** Seed corpus: Asia/Kolkata and Australia/Lord_Howe from Debian's tzdata (public
** domain), a truncated Europe/Paris, and three zone names.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "util/tz.h"

static void probe(const tz_zone *z) {
  static const int64_t us[] = {INT64_MIN, -INT64_C(62135596800000000), -1, 0, INT64_C(1700000000000000),
                               INT64_C(4102444800000000), INT64_C(253402300799000000), INT64_MAX};
  for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
    (void)tz_local_to_utc(z, tz_utc_to_local(z, us[i]));
    int32_t off = tz_offset_at(z, us[i] / 1000000);
    if (off < -26 * 3600 || off > 26 * 3600) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 16)) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  const tz_zone *z = NULL;
  int rc = tz_parse_tzif(ar, "fuzz", data, size, &z, &e);
  if (rc == LAGO_OK) probe(z);
  else if (rc != LAGO_CORRUPT && rc != LAGO_PARSE && rc != LAGO_NOMEM) abort();
  if (size < 256) {
    lago_err_clear(&e);
    rc = tz_load(ar, (const char *)data, size, &z, &e);
    if (rc == LAGO_OK) probe(z);
    else if (rc != LAGO_CORRUPT && rc != LAGO_PARSE && rc != LAGO_NOMEM) abort();
  }
  arena_free(ar);
  return 0;
}
