/*
** util/tz.c: time zones (see tz.h): zone names, TZif files, POSIX TZ rules,
** offset lookups and Java's local-time resolution.
**
** TZif (RFC 8536), all integers big-endian; every count and index is
** checked against the bytes present (the files are system data, but a wrong
** TZDIR or a truncated file must not crash):
**
**   header (44 bytes):
**     0  "TZif"        magic
**     4  version       0, '2', '3' or '4'
**     5  15 bytes      unused
**    20  u32 isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
**   v1 data block: timecnt x i32 transition times | timecnt x u8 type index |
**                  typecnt x {i32 utoff, u8 isdst, u8 desigidx} | charcnt bytes |
**                  leapcnt x {i32, i32} | isstdcnt x u8 | isutcnt x u8
**   version >= 2: a second header, the same block with 64-bit times (and
**                 leap records of i64 + i32), then the footer "\n" TZ-rule "\n"
**
** Local time type 0 applies before the first transition (RFC 8536 3.2).
** The footer rule (POSIX TZ, e.g. "EST5EDT,M3.2.0,M11.1.0", with the v3
** extension of hours -167..167 in rule times) governs instants after the last
** transition.
*/
#include "util/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/datetime.h"

#define TZ_MAX_FILE (1u << 20)          /* larger files are not zones */
#define TZ_MAX_OFFSET (26 * 3600)       /* TZif allows up to 25:59:59 */
#define TZ_CYCLE_SEC INT64_C(12622780800) /* 400 Gregorian years (146097 days) */
#define TZ_RULE_YEARS 400

struct tz_zone {
  const char *name;     /* as given (arena) */
  int32_t initial;      /* offset before the first transition, seconds */
  uint32_t n;           /* transitions */
  const int64_t *t;     /* UTC seconds, strictly ascending */
  const int32_t *off;   /* offset from t[i] on */
  int64_t cycle_from;   /* > 0 when a rule was expanded: instants >= this map back by 400-year cycles */
  bool utc;             /* offset 0 everywhere */
};

/* ---- lookups --------------------------------------------------------------------------- */

static int64_t sec_of(int64_t us) { return floor_div64(us, MICROS_PER_SEC); }

/* Seconds shifted into the expanded range when beyond it. */
static int64_t cycle_back(const tz_zone *z, int64_t s) {
  if (z->cycle_from <= 0 || s < z->cycle_from) return s;
  int64_t k = (s - z->cycle_from) / TZ_CYCLE_SEC + 1;
  return s - k * TZ_CYCLE_SEC;
}

int32_t tz_offset_at(const tz_zone *z, int64_t utc_sec) {
  if (!z || z->utc) return 0;
  utc_sec = cycle_back(z, utc_sec);
  /* last transition <= utc_sec */
  uint32_t lo = 0, hi = z->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (z->t[mid] <= utc_sec) lo = mid + 1;
    else hi = mid;
  }
  return lo ? z->off[lo - 1] : z->initial;
}

static int64_t add_sat(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

int64_t tz_utc_to_local(const tz_zone *z, int64_t us) {
  if (!z || z->utc) return us;
  return add_sat(us, (int64_t)tz_offset_at(z, sec_of(us)) * MICROS_PER_SEC);
}

/* Offset before transition i. */
static int32_t off_before(const tz_zone *z, uint32_t i) { return i ? z->off[i - 1] : z->initial; }

/* Offset Java picks for local seconds ls (see tz.h): the transition whose local window
** [t + min(before, after), t + max(before, after)) ls has reached last decides. */
static int32_t local_offset(const tz_zone *z, int64_t ls) {
  uint32_t lo = 0, hi = z->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int32_t b = off_before(z, mid), a = z->off[mid];
    if (z->t[mid] + (a < b ? a : b) <= ls) lo = mid + 1;
    else hi = mid;
  }
  if (!lo) return z->initial;
  uint32_t i = lo - 1;
  int32_t b = off_before(z, i), a = z->off[i];
  if (ls < z->t[i] + (a > b ? a : b)) return b; /* in the gap or the overlap: offset before */
  return a;
}

int64_t tz_local_to_utc(const tz_zone *z, int64_t local_us) {
  if (!z || z->utc) return local_us;
  int64_t ls = sec_of(local_us);
  /* far future: the offset of a local time is that of its image k * 400 years earlier */
  if (z->cycle_from > 0 && ls >= z->cycle_from + TZ_MAX_OFFSET) ls = cycle_back(z, ls);
  return add_sat(local_us, -(int64_t)local_offset(z, ls) * MICROS_PER_SEC);
}

const char *tz_name(const tz_zone *z) { return z ? z->name : "UTC"; }
bool tz_is_utc(const tz_zone *z) { return !z || z->utc; }

/* ---- fixed offsets ------------------------------------------------------------------------ */

static int make_fixed(arena *ar, const char *name, size_t len, int32_t off, const tz_zone **out, lago_err *err) {
  tz_zone *z = arena_zalloc(ar, sizeof *z);
  char *nm = z ? arena_strndup(ar, name, len) : NULL;
  if (!nm) return LAGO_NOMEM_ERR(err);
  z->name = nm;
  z->initial = off;
  z->utc = off == 0;
  *out = z;
  return LAGO_OK;
}

static bool digit(char c) { return c >= '0' && c <= '9'; }

/* java.time.ZoneOffset.of: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss; |offset| <= 18:00. */
static bool parse_offset(const char *s, size_t n, int32_t *out) {
  if (n < 2 || (s[0] != '+' && s[0] != '-')) return false;
  int sign = s[0] == '-' ? -1 : 1;
  s++;
  n--;
  int h, m = 0, sec = 0;
  if (n == 1 && digit(s[0])) h = s[0] - '0';
  else if (n >= 2 && digit(s[0]) && digit(s[1])) {
    h = (s[0] - '0') * 10 + (s[1] - '0');
    const char *p = s + 2;
    size_t rest = n - 2;
    if (rest) {
      bool colon = p[0] == ':';
      if (colon) {
        p++;
        rest--;
      }
      if (rest < 2 || !digit(p[0]) || !digit(p[1])) return false;
      m = (p[0] - '0') * 10 + (p[1] - '0');
      p += 2;
      rest -= 2;
      if (rest) {
        if (colon != (p[0] == ':')) return false;
        if (colon) {
          p++;
          rest--;
        }
        if (rest != 2 || !digit(p[0]) || !digit(p[1])) return false;
        sec = (p[0] - '0') * 10 + (p[1] - '0');
      }
    }
  } else {
    return false;
  }
  if (h > 18 || m > 59 || sec > 59) return false;
  int32_t v = h * 3600 + m * 60 + sec;
  if (v > 18 * 3600) return false;
  *out = sign * v;
  return true;
}

/* ---- POSIX TZ rules (TZif footer) ----------------------------------------------------------- */

typedef struct tz_rule_date {
  char kind;          /* 'J' Julian 1..365 without Feb 29, 'n' zero-based day 0..365, 'M' month.week.day */
  int day, month, week, wday;
  int32_t time;       /* seconds after local midnight (may be negative or > 24h in v3) */
} tz_rule_date;

typedef struct tz_rule {
  int32_t std_off, dst_off; /* seconds east of UTC */
  bool has_dst;
  tz_rule_date start, end;
} tz_rule;

static const char *rule_name(const char *p, const char *e) {
  if (p < e && *p == '<') {
    while (p < e && *p != '>') p++;
    return p < e ? p + 1 : NULL;
  }
  const char *s = p;
  while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) p++;
  return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h; POSIX sign (west positive) is the caller's business. */
static const char *rule_hms(const char *p, const char *e, int max_h, int32_t *out) {
  int sign = 1;
  if (p < e && (*p == '+' || *p == '-')) sign = *p++ == '-' ? -1 : 1;
  int32_t v[3] = {0, 0, 0};
  for (int k = 0; k < 3; k++) {
    if (k) {
      if (p >= e || *p != ':') break;
      p++;
    }
    if (p >= e || !digit(*p)) return NULL;
    int32_t x = 0;
    int nd = 0;
    while (p < e && digit(*p) && nd < 3) x = x * 10 + (*p++ - '0'), nd++;
    v[k] = x;
  }
  if (v[0] > max_h || v[1] > 59 || v[2] > 59) return NULL;
  *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
  return p;
}

static const char *rule_date(const char *p, const char *e, tz_rule_date *d) {
  if (p >= e) return NULL;
  int32_t tmp;
  if (*p == 'M') {
    int vals[3];
    p++;
    for (int k = 0; k < 3; k++) {
      if (k) {
        if (p >= e || *p != '.') return NULL;
        p++;
      }
      if (p >= e || !digit(*p)) return NULL;
      int x = 0, nd = 0;
      while (p < e && digit(*p) && nd < 2) x = x * 10 + (*p++ - '0'), nd++;
      vals[k] = x;
    }
    if (vals[0] < 1 || vals[0] > 12 || vals[1] < 1 || vals[1] > 5 || vals[2] > 6) return NULL;
    d->kind = 'M';
    d->month = vals[0];
    d->week = vals[1];
    d->wday = vals[2];
  } else {
    bool julian = *p == 'J';
    if (julian) p++;
    if (p >= e || !digit(*p)) return NULL;
    int x = 0, nd = 0;
    while (p < e && digit(*p) && nd < 3) x = x * 10 + (*p++ - '0'), nd++;
    if (julian ? (x < 1 || x > 365) : x > 365) return NULL;
    d->kind = julian ? 'J' : 'n';
    d->day = x;
  }
  d->time = 7200;
  if (p < e && *p == '/') {
    p = rule_hms(p + 1, e, 167, &tmp);
    if (!p) return NULL;
    d->time = tmp;
  }
  return p;
}

/* Parses the footer rule s[0..n); false if it is not a POSIX TZ string we understand. */
static bool rule_parse(const char *s, size_t n, tz_rule *r) {
  const char *p = s, *e = s + n;
  memset(r, 0, sizeof *r);
  int32_t v;
  if (!(p = rule_name(p, e)) || !(p = rule_hms(p, e, 24, &v))) return false;
  r->std_off = -v;
  if (p == e) return true;
  if (!(p = rule_name(p, e))) return false;
  r->has_dst = true;
  r->dst_off = r->std_off + 3600;
  if (p < e && *p != ',') {
    if (!(p = rule_hms(p, e, 24, &v))) return false;
    r->dst_off = -v;
  }
  if (p >= e || *p != ',') return false; /* no rule: POSIX's default rule is obsolete, refuse */
  if (!(p = rule_date(p + 1, e, &r->start))) return false;
  if (p >= e || *p != ',') return false;
  if (!(p = rule_date(p + 1, e, &r->end))) return false;
  return p == e;
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Local seconds (in the offset in force before it) of a rule date in year y. */
static int64_t rule_local(const tz_rule_date *d, int64_t y) {
  int64_t day;
  if (d->kind == 'J') day = days_from_civil(y, 1, 1) + d->day - 1 + (leap(y) && d->day >= 60);
  else if (d->kind == 'n') day = days_from_civil(y, 1, 1) + d->day;
  else {
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = days_from_civil(y, (unsigned)d->month, 1);
    int wd_first = (int)floor_mod64(first + 4, 7); /* 0 = Sunday; 1970-01-01 was a Thursday */
    int64_t dd = first + (d->wday - wd_first + 7) % 7 + (int64_t)(d->week - 1) * 7;
    int mlen = md[d->month - 1] + (d->month == 2 && leap(y));
    while (dd >= first + mlen) dd -= 7; /* week 5 = the last such weekday */
    day = dd;
  }
  return day * 86400 + d->time;
}

/* ---- TZif ---------------------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int64_t be64(const uint8_t *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

typedef struct tzif_hdr {
  uint32_t isut, isstd, leap, time, type, chars;
} tzif_hdr;

/* Bytes of a data block with the given header and time width (4 or 8); false on overflow or bad counts. */
static bool block_size(const tzif_hdr *h, size_t tw, size_t *out) {
  if (h->type == 0 || h->type > 256 || h->chars == 0 || (h->isut && h->isut != h->type) ||
      (h->isstd && h->isstd != h->type) || h->time > 1000000 || h->leap > 100000 || h->chars > 1000000)
    return false;
  *out = (size_t)h->time * (tw + 1) + (size_t)h->type * 6 + h->chars + (size_t)h->leap * (tw + 4) + h->isstd + h->isut;
  return true;
}

static void read_hdr(const uint8_t *p, tzif_hdr *h) {
  h->isut = be32(p + 20);
  h->isstd = be32(p + 24);
  h->leap = be32(p + 28);
  h->time = be32(p + 32);
  h->type = be32(p + 36);
  h->chars = be32(p + 40);
}

int tz_parse_tzif(arena *ar, const char *name, const uint8_t *data, size_t len, const tz_zone **out, lago_err *err) {
  *out = NULL;
  if (len < 44 || memcmp(data, "TZif", 4) != 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: not a TZif file (%zu bytes)", name, len);
  char ver = (char)data[4];
  if (ver != 0 && (ver < '2' || ver > '4'))
    return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: TZif version byte 0x%02x unknown", name, (unsigned char)ver);
  tzif_hdr h;
  read_hdr(data, &h);
  size_t sz, pos = 44, tw = 4;
  if (!block_size(&h, 4, &sz) || sz > len - pos)
    return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: TZif v1 block counts do not fit the file", name);
  if (ver != 0) { /* skip to the 64-bit block */
    pos += sz;
    if (len - pos < 44 || memcmp(data + pos, "TZif", 4) != 0)
      return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: second TZif header missing at byte %zu", name, pos);
    read_hdr(data + pos, &h);
    pos += 44;
    tw = 8;
    if (!block_size(&h, 8, &sz) || sz > len - pos)
      return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: TZif v2 block counts do not fit the file", name);
  }
  if (h.leap) /* "right/" zones count leap seconds, which Java's time scale does not have */
    return LAGO_ERR(err, LAGO_PARSE, "[INVALID_TIMEZONE] The timezone: %s is invalid (leap-second zone).", name);
  const uint8_t *times = data + pos, *idx = times + (size_t)h.time * tw, *types = idx + h.time;
  int32_t *utoff = arena_alloc(ar, h.type * sizeof *utoff);
  if (!utoff) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < h.type; i++) {
    int32_t o = (int32_t)be32(types + i * 6);
    if (o < -TZ_MAX_OFFSET || o > TZ_MAX_OFFSET)
      return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: type %u has offset %d s", name, i, (int)o);
    utoff[i] = o;
  }
  /* the footer rule */
  tz_rule rule;
  bool has_rule = false;
  if (ver != 0) {
    size_t f = pos + sz;
    if (f < len && data[f] == '\n') {
      size_t e = f + 1;
      while (e < len && data[e] != '\n') e++;
      if (e < len && e > f + 1) {
        if (!rule_parse((const char *)data + f + 1, e - f - 1, &rule))
          return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: TZ rule '%.*s' not understood", name,
                          (int)(e - f - 1 > 64 ? 64 : e - f - 1), (const char *)data + f + 1);
        has_rule = true;
      }
    }
  }
  uint32_t n_rule = has_rule && rule.has_dst ? 2 * (TZ_RULE_YEARS + 2) : has_rule ? 1 : 0;
  size_t cap = (size_t)h.time + n_rule;
  int64_t *t = arena_alloc(ar, (cap ? cap : 1) * sizeof *t);
  int32_t *off = arena_alloc(ar, (cap ? cap : 1) * sizeof *off);
  tz_zone *z = arena_zalloc(ar, sizeof *z);
  char *nm = arena_strdup(ar, name);
  if (!t || !off || !z || !nm) return LAGO_NOMEM_ERR(err);
  uint32_t n = 0;
  for (uint32_t i = 0; i < h.time; i++) {
    int64_t ti = tw == 8 ? be64(times + (size_t)i * 8) : (int32_t)be32(times + (size_t)i * 4);
    if (idx[i] >= h.type) return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: transition %u uses type %u of %u", name, i, idx[i], h.type);
    if (n && ti <= t[n - 1]) return LAGO_ERR(err, LAGO_CORRUPT, "time zone %s: transition %u is not after the one before", name, i);
    if (ti < -(INT64_C(1) << 59) || ti > (INT64_C(1) << 59)) continue; /* the "big bang" sentinel and the like */
    t[n] = ti;
    off[n++] = utoff[idx[i]];
  }
  z->name = nm;
  z->initial = utoff[0];
  if (has_rule) {
    int64_t last = n ? t[n - 1] : INT64_MIN;
    if (!rule.has_dst) {
      if ((n ? off[n - 1] : z->initial) != rule.std_off) {
        t[n] = n ? t[n - 1] + 1 : INT64_MIN / 2;
        off[n++] = rule.std_off;
      }
    } else {
      int64_t y0, yy;
      unsigned mm, dd;
      civil_from_days(floor_div64(n ? t[n - 1] : 0, 86400), &y0, &mm, &dd);
      int32_t cur = n ? off[n - 1] : z->initial;
      for (yy = y0; yy <= y0 + TZ_RULE_YEARS + 1; yy++) {
        /* each rule time is local time in the offset in force just before it */
        int64_t ts = rule_local(&rule.start, yy) - rule.std_off, te = rule_local(&rule.end, yy) - rule.dst_off;
        int64_t a = ts < te ? ts : te, b = ts < te ? te : ts;
        int32_t oa = ts < te ? rule.dst_off : rule.std_off, ob = ts < te ? rule.std_off : rule.dst_off;
        if (a > last && oa != cur) {
          t[n] = a;
          off[n++] = cur = oa;
        }
        if (b > last && ob != cur) {
          t[n] = b;
          off[n++] = cur = ob;
        }
      }
      /* instants from Jan 1 of y0 + 401 on repeat those 400 years earlier */
      z->cycle_from = days_from_civil(y0 + TZ_RULE_YEARS + 1, 1, 1) * 86400;
    }
  }
  z->n = n;
  z->t = t;
  z->off = off;
  z->utc = n == 0 && z->initial == 0;
  if (n && z->initial == 0) {
    bool all0 = true;
    for (uint32_t i = 0; i < n && all0; i++) all0 = off[i] == 0;
    z->utc = all0;
  }
  *out = z;
  return LAGO_OK;
}

/* ---- names -------------------------------------------------------------------------------------------- */

/* Java ZoneId.SHORT_IDS (which Spark passes to ZoneId.of). */
static const struct {
  const char *id, *to;
} k_short_ids[] = {
    {"ACT", "Australia/Darwin"},  {"AET", "Australia/Sydney"},     {"AGT", "America/Argentina/Buenos_Aires"},
    {"ART", "Africa/Cairo"},      {"AST", "America/Anchorage"},    {"BET", "America/Sao_Paulo"},
    {"BST", "Asia/Dhaka"},        {"CAT", "Africa/Harare"},        {"CNT", "America/St_Johns"},
    {"CST", "America/Chicago"},   {"CTT", "Asia/Shanghai"},        {"EAT", "Africa/Addis_Ababa"},
    {"ECT", "Europe/Paris"},      {"IET", "America/Indiana/Indianapolis"}, {"IST", "Asia/Kolkata"},
    {"JST", "Asia/Tokyo"},        {"MIT", "Pacific/Apia"},         {"NET", "Asia/Yerevan"},
    {"NST", "Pacific/Auckland"},  {"PLT", "Asia/Karachi"},         {"PNT", "America/Phoenix"},
    {"PRT", "America/Puerto_Rico"}, {"SST", "Pacific/Guadalcanal"}, {"VST", "Asia/Ho_Chi_Minh"},
    {"EST", "-05:00"},            {"MST", "-07:00"},               {"HST", "-10:00"},
};

static int invalid(lago_err *err, const char *name, size_t len) {
  return LAGO_ERR(err, LAGO_PARSE,
                  "[INVALID_TIMEZONE] The timezone: %.*s is invalid. The timezone must be either a region-based zone "
                  "ID or a zone offset.",
                  (int)(len > 100 ? 100 : len), name);
}

static bool region_ok(const char *s, size_t n) {
  if (n == 0 || n > 200 || s[0] == '/' || s[n - 1] == '/') return false;
  if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || digit(c) || c == '/' || c == '_' || c == '-' ||
          c == '+' || c == '.' || c == '~'))
      return false;
    if (c == '.' && (i == 0 || s[i - 1] == '/')) return false; /* no "." or ".." components, no hidden files */
    if (c == '/' && s[i - 1] == '/') return false;
  }
  if ((n > 6 && !memcmp(s, "posix/", 6)) || (n > 6 && !memcmp(s, "right/", 6))) return false;
  return true;
}

static int load_region(arena *ar, const char *given, size_t glen, const char *region, const tz_zone **out,
                       lago_err *err) {
  const char *dir = getenv("TZDIR");
  if (!dir || !*dir) dir = "/usr/share/zoneinfo";
  char path[512];
  int pn = snprintf(path, sizeof path, "%s/%s", dir, region);
  if (pn < 0 || (size_t)pn >= sizeof path) return invalid(err, given, glen);
  FILE *f = fopen(path, "rb");
  if (!f) return invalid(err, given, glen);
  uint8_t *data = NULL;
  size_t len = 0, cap = 0;
  int rc = LAGO_OK;
  for (;;) {
    if (len == cap) {
      if (cap >= TZ_MAX_FILE) {
        rc = invalid(err, given, glen);
        goto done;
      }
      size_t nc = cap ? cap * 2 : 4096;
      uint8_t *nd = mem_realloc(data, nc);
      if (!nd) {
        rc = LAGO_NOMEM_ERR(err);
        goto done;
      }
      data = nd;
      cap = nc;
    }
    size_t got = fread(data + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f) || len < 4 || memcmp(data, "TZif", 4) != 0) { /* a directory or zone.tab: not a zone */
    rc = invalid(err, given, glen);
    goto done;
  }
  char nm[256];
  snprintf(nm, sizeof nm, "%.*s", (int)(glen > 255 ? 255 : glen), given);
  rc = tz_parse_tzif(ar, nm, data, len, out, err);
done:
  mem_free(data);
  fclose(f);
  return rc;
}

int tz_load(arena *ar, const char *name, size_t len, const tz_zone **out, lago_err *err) {
  *out = NULL;
  const char *s = name;
  size_t n = len;
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (n == 0) return invalid(err, name, len);
  /* Spark normalises a one-digit hour: "+5:30" -> "+05:30" */
  char norm[32];
  if (n >= 3 && n < sizeof norm - 1 && (s[0] == '+' || s[0] == '-') && digit(s[1]) && s[2] == ':') {
    norm[0] = s[0];
    norm[1] = '0';
    memcpy(norm + 2, s + 1, n - 1);
    int32_t off;
    if (parse_offset(norm, n + 1, &off)) return make_fixed(ar, s, n, off, out, err);
    return invalid(err, name, len);
  }
  if ((n == 1 && s[0] == 'Z') || (n == 3 && (!memcmp(s, "UTC", 3) || !memcmp(s, "GMT", 3))) ||
      (n == 2 && !memcmp(s, "UT", 2)))
    return make_fixed(ar, s, n, 0, out, err);
  int32_t off;
  if (s[0] == '+' || s[0] == '-') {
    if (parse_offset(s, n, &off)) return make_fixed(ar, s, n, off, out, err);
    return invalid(err, name, len);
  }
  size_t pre = n > 3 && (!memcmp(s, "UTC", 3) || !memcmp(s, "GMT", 3)) && (s[3] == '+' || s[3] == '-') ? 3
               : n > 2 && !memcmp(s, "UT", 2) && (s[2] == '+' || s[2] == '-')                          ? 2
                                                                                                         : 0;
  if (pre) {
    const char *o = s + pre;
    size_t on = n - pre;
    if (on >= 3 && on < sizeof norm - 1 && digit(o[1]) && o[2] == ':') { /* GMT+5:30 */
      norm[0] = o[0];
      norm[1] = '0';
      memcpy(norm + 2, o + 1, on - 1);
      o = norm;
      on++;
    }
    if (parse_offset(o, on, &off)) return make_fixed(ar, s, n, off, out, err);
    return invalid(err, name, len);
  }
  for (size_t i = 0; i < sizeof k_short_ids / sizeof k_short_ids[0]; i++)
    if (n == 3 && !memcmp(s, k_short_ids[i].id, 3)) {
      const char *to = k_short_ids[i].to;
      if (to[0] == '-') {
        parse_offset(to, strlen(to), &off);
        return make_fixed(ar, s, n, off, out, err);
      }
      return load_region(ar, s, n, to, out, err);
    }
  if (!region_ok(s, n)) return invalid(err, name, len);
  char region[256];
  memcpy(region, s, n);
  region[n] = 0;
  return load_region(ar, s, n, region, out, err);
}
