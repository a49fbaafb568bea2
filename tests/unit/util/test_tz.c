/*
** tests/unit/util/test_tz.c: time zones: names (Java ZoneId.of forms), TZif
** zones from /usr/share/zoneinfo (tzdata), DST gaps and overlaps resolved as
** java.time does, far-future instants through the footer rule, bad files.
*/
#include <string.h>

#include "test.h"
#include "util/datetime.h"
#include "util/tz.h"

static arena *A;

static const tz_zone *zone(const char *name) {
  if (!A) A = arena_new("tz", 1 << 16);
  const tz_zone *z = NULL;
  lago_err err;
  lago_err_clear(&err);
  int rc = tz_load(A, name, strlen(name), &z, &err);
  if (rc) fprintf(stderr, "tz_load(%s): %s\n", name, err.msg);
  return z;
}

/* Micros of a UTC / wall-clock text. */
static int64_t ts(const char *s) {
  int64_t us;
  bool has_zone;
  if (parse_timestamp(s, strlen(s), &us, &has_zone)) return INT64_MIN;
  return us;
}
static const char *text(int64_t us) {
  static char out[4][64];
  static int k;
  k = (k + 1) % 4;
  fmt_timestamp_us(us, out[k]);
  return out[k];
}

TEST(tz_fixed_offsets) {
  ASSERT_EQ_INT(tz_offset_at(zone("+05:30"), 0), 19800);
  ASSERT_EQ_INT(tz_offset_at(zone("+5:30"), 0), 19800); /* Spark pads the hour */
  ASSERT_EQ_INT(tz_offset_at(zone("-08"), 0), -28800);
  ASSERT_EQ_INT(tz_offset_at(zone("+0130"), 0), 5400);
  ASSERT_EQ_INT(tz_offset_at(zone("+01:02:03"), 0), 3723);
  ASSERT_EQ_INT(tz_offset_at(zone("GMT+1"), 0), 3600);
  ASSERT_EQ_INT(tz_offset_at(zone("UTC-08:00"), 0), -28800);
  ASSERT_EQ_INT(tz_offset_at(zone("UT+3"), 0), 10800);
  ASSERT_EQ_INT(tz_offset_at(zone("EST"), 0), -18000);
  ASSERT(tz_is_utc(zone("Z")));
  ASSERT(tz_is_utc(zone("UTC")));
  ASSERT(tz_is_utc(zone("Etc/UTC")));
  ASSERT(tz_is_utc(NULL));
  ASSERT(!tz_is_utc(zone("+01:00")));
  ASSERT_EQ_STR(tz_name(zone("GMT+1")), "GMT+1");
  ASSERT_EQ_INT(tz_utc_to_local(zone("+05:30"), 0), INT64_C(19800000000));
  ASSERT_EQ_INT(tz_local_to_utc(zone("+05:30"), INT64_C(19800000000)), 0);
}

TEST(tz_bad_names) {
  const char *bad[] = {"",        "Mars/Base",  "+19:00",       "+1:3",     "america/new_york", "../etc/passwd",
                       "/etc/passwd", "America/../etc", "America", "zone.tab", "posix/UTC",    "right/UTC",
                       "GMT+x",   "+05:30:",    "UTC+25",       "Asia//Tokyo"};
  if (!A) A = arena_new("tz", 1 << 16);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const tz_zone *z = (const tz_zone *)1;
    lago_err err;
    lago_err_clear(&err);
    int rc = tz_load(A, bad[i], strlen(bad[i]), &z, &err);
    if (rc != LAGO_PARSE) fprintf(stderr, "name %s: rc %d\n", bad[i], rc);
    ASSERT_RC(rc, LAGO_PARSE);
    ASSERT(z == NULL);
    ASSERT_CONTAINS(err.msg, "[INVALID_TIMEZONE]");
  }
}

TEST(tz_new_york_dst) {
  const tz_zone *ny = zone("America/New_York");
  ASSERT_NE_NULL(ny);
  ASSERT_EQ_INT(tz_offset_at(ny, ts("2024-01-15 12:00:00") / 1000000), -5 * 3600);
  ASSERT_EQ_INT(tz_offset_at(ny, ts("2024-07-15 12:00:00") / 1000000), -4 * 3600);
  /* 2024-03-10 02:00 EST -> 03:00 EDT (07:00 UTC) */
  ASSERT_EQ_STR(text(tz_utc_to_local(ny, ts("2024-03-10 06:59:59"))), "2024-03-10 01:59:59");
  ASSERT_EQ_STR(text(tz_utc_to_local(ny, ts("2024-03-10 07:00:00"))), "2024-03-10 03:00:00");
  /* gap: 02:30 does not exist; Java moves it forward by the gap: 03:30 EDT = 07:30 UTC */
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("2024-03-10 02:30:00"))), "2024-03-10 07:30:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("2024-03-10 03:00:00"))), "2024-03-10 07:00:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("2024-03-10 01:59:59"))), "2024-03-10 06:59:59");
  /* overlap: 2024-11-03 01:30 happens twice; Java takes the earlier (EDT): 05:30 UTC */
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("2024-11-03 01:30:00"))), "2024-11-03 05:30:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("2024-11-03 02:00:00"))), "2024-11-03 07:00:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("2024-11-03 00:59:59"))), "2024-11-03 04:59:59");
  ASSERT_EQ_STR(text(tz_utc_to_local(ny, ts("2024-11-03 06:30:00"))), "2024-11-03 01:30:00");
  /* before 1883: local mean time -4:56:02 */
  ASSERT_EQ_INT(tz_offset_at(ny, ts("1800-01-01 00:00:00") / 1000000), -(4 * 3600 + 56 * 60 + 2));
  /* far future, from the footer rule and 400-year cycles */
  ASSERT_EQ_INT(tz_offset_at(ny, ts("2100-07-01 00:00:00") / 1000000), -4 * 3600);
  ASSERT_EQ_INT(tz_offset_at(ny, ts("2100-12-01 00:00:00") / 1000000), -5 * 3600);
  ASSERT_EQ_INT(tz_offset_at(ny, ts("9999-07-01 00:00:00") / 1000000), -4 * 3600);
  ASSERT_EQ_INT(tz_offset_at(ny, ts("9999-12-01 00:00:00") / 1000000), -5 * 3600);
  /* 9999-03-14 is the second Sunday of March 9999: the gap is there too */
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("9999-03-14 02:30:00"))), "9999-03-14 07:30:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(ny, ts("9999-03-13 02:30:00"))), "9999-03-13 07:30:00");
}

TEST(tz_southern_and_odd_zones) {
  const tz_zone *syd = zone("Australia/Sydney");
  ASSERT_NE_NULL(syd);
  ASSERT_EQ_INT(tz_offset_at(syd, ts("2024-01-15 00:00:00") / 1000000), 11 * 3600);
  ASSERT_EQ_INT(tz_offset_at(syd, ts("2024-07-15 00:00:00") / 1000000), 10 * 3600);
  ASSERT_EQ_INT(tz_offset_at(syd, ts("2300-01-15 00:00:00") / 1000000), 11 * 3600);
  ASSERT_EQ_INT(tz_offset_at(syd, ts("2300-07-15 00:00:00") / 1000000), 10 * 3600);
  ASSERT_EQ_INT(tz_offset_at(zone("Asia/Kolkata"), ts("2024-01-15 00:00:00") / 1000000), 19800);
  ASSERT_EQ_INT(tz_offset_at(zone("IST"), ts("2024-01-15 00:00:00") / 1000000), 19800); /* Java SHORT_IDS */
  ASSERT_EQ_INT(tz_offset_at(zone("Asia/Kathmandu"), ts("2024-01-15 00:00:00") / 1000000), 20700);
  /* Lord Howe: DST of 30 minutes */
  ASSERT_EQ_INT(tz_offset_at(zone("Australia/Lord_Howe"), ts("2024-01-15 00:00:00") / 1000000), 11 * 3600);
  ASSERT_EQ_INT(tz_offset_at(zone("Australia/Lord_Howe"), ts("2024-07-15 00:00:00") / 1000000), 37800);
  /* Europe/London: BST from 2024-03-31 01:00 UTC */
  const tz_zone *lon = zone("Europe/London");
  ASSERT_EQ_STR(text(tz_utc_to_local(lon, ts("2024-03-31 01:00:00"))), "2024-03-31 02:00:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(lon, ts("2024-03-31 01:30:00"))), "2024-03-31 01:30:00");
  ASSERT_EQ_STR(text(tz_local_to_utc(lon, ts("2024-10-27 01:30:00"))), "2024-10-27 00:30:00");
  /* extremes saturate instead of overflowing */
  ASSERT_EQ_INT(tz_utc_to_local(zone("+05:00"), INT64_MAX), INT64_MAX);
  ASSERT_EQ_INT(tz_local_to_utc(zone("+05:00"), INT64_MIN), INT64_MIN);
  (void)tz_offset_at(lon, INT64_MAX / 1000000);
  (void)tz_offset_at(lon, INT64_MIN / 1000000);
}

/* A hand-built TZif v2 image: one transition, and a footer rule. */
static size_t build(uint8_t *p, const char *footer, uint32_t timecnt, uint32_t leapcnt) {
  size_t n = 0;
  for (int part = 0; part < 2; part++) {
    memcpy(p + n, "TZif2", 5);
    memset(p + n + 5, 0, 15);
    uint32_t c[6] = {0, 0, leapcnt, timecnt, 2, 8};
    for (int i = 0; i < 6; i++) {
      p[n + 20 + i * 4] = (uint8_t)(c[i] >> 24);
      p[n + 21 + i * 4] = (uint8_t)(c[i] >> 16);
      p[n + 22 + i * 4] = (uint8_t)(c[i] >> 8);
      p[n + 23 + i * 4] = (uint8_t)c[i];
    }
    n += 44;
    size_t tw = part ? 8 : 4;
    for (uint32_t i = 0; i < timecnt; i++) { /* transition at 1000 s */
      memset(p + n, 0, tw);
      p[n + tw - 2] = 0x03;
      p[n + tw - 1] = 0xe8;
      n += tw;
    }
    for (uint32_t i = 0; i < timecnt; i++) p[n++] = 1;
    const uint8_t types[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0x0e, 0x10, 0, 4}; /* 0 s; +3600 s */
    memcpy(p + n, types, 12);
    n += 12;
    memcpy(p + n, "UTC\0ONE\0", 8);
    n += 8;
    for (uint32_t i = 0; i < leapcnt; i++) {
      memset(p + n, 0, tw + 4);
      n += tw + 4;
    }
  }
  n += (size_t)sprintf((char *)p + n, "\n%s\n", footer);
  return n;
}

TEST(tz_tzif_parse) {
  if (!A) A = arena_new("tz", 1 << 16);
  uint8_t img[512];
  lago_err err;
  const tz_zone *z;
  size_t n = build(img, "<ONE>-1", 1, 0);
  lago_err_clear(&err);
  ASSERT_OK(tz_parse_tzif(A, "t", img, n, &z, &err), &err);
  ASSERT_EQ_INT(tz_offset_at(z, 999), 0);
  ASSERT_EQ_INT(tz_offset_at(z, 1000), 3600);
  ASSERT_EQ_INT(tz_offset_at(z, INT64_C(100000000000)), 3600);
  /* every truncation is an error, never a crash */
  for (size_t k = 0; k < n - 1; k++) {
    lago_err_clear(&err);
    int rc = tz_parse_tzif(A, "t", img, k, &z, &err);
    if (rc == LAGO_OK) continue; /* cutting only the footer leaves a valid zone */
    ASSERT_RC(rc, LAGO_CORRUPT);
  }
  n = build(img, "<ONE>-1", 1, 1);
  lago_err_clear(&err);
  ASSERT_RC(tz_parse_tzif(A, "t", img, n, &z, &err), LAGO_PARSE); /* leap seconds */
  n = build(img, "EST5EDT,M3.2.0,M11.1.0", 1, 0);
  lago_err_clear(&err);
  ASSERT_OK(tz_parse_tzif(A, "t", img, n, &z, &err), &err);
  ASSERT_EQ_INT(tz_offset_at(z, ts("2030-07-01 00:00:00") / 1000000), -4 * 3600);
  n = build(img, "EST5EDT,M13.2.0,M11.1.0", 1, 0);
  lago_err_clear(&err);
  ASSERT_RC(tz_parse_tzif(A, "t", img, n, &z, &err), LAGO_CORRUPT);
  ASSERT_CONTAINS(err.msg, "not understood");
  img[4] = '9';
  lago_err_clear(&err);
  ASSERT_RC(tz_parse_tzif(A, "t", img, n, &z, &err), LAGO_CORRUPT);
  arena_free(A);
  A = NULL;
}
