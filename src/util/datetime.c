/*
** util/datetime.c: calendar arithmetic and date/time text (see datetime.h).
** Civil-date conversions follow Howard Hinnant's public-domain algorithms
** ("chrono-compatible low-level date algorithms"), written here from the
** published description.
*/
#include "util/datetime.h"

#include <stdio.h>
#include <string.h>

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool date_valid(int64_t y, unsigned m, unsigned d) {
  static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  unsigned lim = mdays[m - 1] + (m == 2 && leap);
  return d <= lim;
}

/* Writes the date part; *bc tells the caller to add " (BC)". */
static int date_part(int64_t days, char *out, bool *bc) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  *bc = y <= 0;
  if (*bc) y = 1 - y;
  return sprintf(out, "%04lld-%02u-%02u", (long long)y, m, d);
}

int fmt_date(int32_t days, char *out) {
  bool bc;
  int n = date_part(days, out, &bc);
  if (bc) n += sprintf(out + n, " (BC)");
  return n;
}

int fmt_time_of_day(int64_t units, int sub_digits, char *out) {
  int64_t per_sec = sub_digits == 9 ? 1000000000 : 1000000;
  int64_t secs = units / per_sec, frac = units % per_sec;
  int n = sprintf(out, "%02lld:%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60),
                  (long long)(secs % 60));
  if (frac) {
    char f[16];
    snprintf(f, sizeof f, "%0*lld", sub_digits, (long long)frac);
    int fl = sub_digits;
    while (fl > 0 && f[fl - 1] == '0') fl--;
    out[n++] = '.';
    memcpy(out + n, f, (size_t)fl);
    n += fl;
    out[n] = 0;
  }
  return n;
}

static int fmt_ts(int64_t v, int64_t per_day, int sub_digits, char *out) {
  int64_t days = floor_div64(v, per_day), rem = floor_mod64(v, per_day);
  bool bc;
  int n = date_part(days, out, &bc);
  if (bc) n += sprintf(out + n, " (BC)");
  out[n++] = ' ';
  return n + fmt_time_of_day(rem, sub_digits, out + n);
}

int fmt_timestamp_us(int64_t micros, char *out) { return fmt_ts(micros, MICROS_PER_DAY, 6, out); }
int fmt_timestamp_ns(int64_t nanos, char *out) { return fmt_ts(nanos, MICROS_PER_DAY * 1000, 9, out); }

/* ---- parsing ------------------------------------------------------------- */

typedef struct cur {
  const char *p, *end;
} cur;

static int digits(cur *c, int min, int max, int64_t *out) {
  int n = 0;
  int64_t v = 0;
  while (c->p < c->end && n < max && *c->p >= '0' && *c->p <= '9') {
    v = v * 10 + (*c->p++ - '0');
    n++;
  }
  if (n < min) return -1;
  *out = v;
  return n;
}

static bool eat(cur *c, char ch) {
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return true;
  }
  return false;
}

static int date_prefix(cur *c, int64_t *days) {
  bool neg = false;
  if (c->p < c->end && (*c->p == '+' || *c->p == '-')) neg = *c->p++ == '-';
  int64_t y, m = 1, d = 1;
  if (digits(c, 4, 7, &y) < 0) return -1;
  if (neg) y = -y;
  if (eat(c, '-')) {
    if (digits(c, 1, 2, &m) < 0) return -1;
    if (eat(c, '-')) {
      if (digits(c, 1, 2, &d) < 0) return -1;
    }
  }
  if (!date_valid(y, (unsigned)m, (unsigned)d)) return -1;
  *days = days_from_civil(y, (unsigned)m, (unsigned)d);
  return 0;
}

int parse_date(const char *s, size_t n, int32_t *out) {
  cur c = {s, s + n};
  while (c.p < c.end && *c.p == ' ') c.p++;
  while (c.end > c.p && c.end[-1] == ' ') c.end--;
  int64_t days;
  if (date_prefix(&c, &days) < 0) return -1;
  if (c.p < c.end && *c.p != 'T' && *c.p != ' ') return -1;
  if (days < INT32_MIN || days > INT32_MAX) return -1;
  *out = (int32_t)days;
  return 0;
}

static int time_part(cur *c, int64_t *micros) {
  int64_t h, mi, sec = 0, frac = 0;
  if (digits(c, 1, 2, &h) < 0 || !eat(c, ':') || digits(c, 2, 2, &mi) < 0) return -1;
  if (eat(c, ':')) {
    if (digits(c, 2, 2, &sec) < 0) return -1;
    if (eat(c, '.')) {
      int nd = 0;
      while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (nd < 6) frac = frac * 10 + (*c->p - '0');
        nd++;
        c->p++;
      }
      if (nd == 0) return -1;
      for (int i = nd; i < 6; i++) frac *= 10;
    }
  }
  if (h > 23 || mi > 59 || sec > 59) return -1;
  *micros = ((h * 60 + mi) * 60 + sec) * MICROS_PER_SEC + frac;
  return 0;
}

int parse_time(const char *s, size_t n, int64_t *micros) {
  cur c = {s, s + n};
  if (time_part(&c, micros) < 0 || c.p != c.end) return -1;
  return 0;
}

int parse_timestamp(const char *s, size_t n, int64_t *micros, bool *has_zone) {
  cur c = {s, s + n};
  while (c.p < c.end && *c.p == ' ') c.p++;
  while (c.end > c.p && c.end[-1] == ' ') c.end--;
  int64_t days, tod = 0;
  *has_zone = false;
  if (date_prefix(&c, &days) < 0) return -1;
  if (c.p < c.end && (*c.p == ' ' || *c.p == 'T')) {
    c.p++;
    if (c.p < c.end && time_part(&c, &tod) < 0) return -1;
  }
  int64_t offset_s = 0;
  while (c.p < c.end && *c.p == ' ') c.p++;
  if (c.p < c.end) {
    if (*c.p == 'Z' && c.p + 1 == c.end) {
      c.p++;
    } else if (c.end - c.p == 3 && memcmp(c.p, "UTC", 3) == 0) {
      c.p += 3;
    } else if (*c.p == '+' || *c.p == '-') {
      bool neg = *c.p++ == '-';
      int64_t hh, mm = 0;
      if (digits(&c, 2, 2, &hh) < 0) return -1;
      if (eat(&c, ':')) {
        if (digits(&c, 2, 2, &mm) < 0) return -1;
      } else if (c.p < c.end) {
        if (digits(&c, 2, 2, &mm) < 0) return -1;
      }
      if (hh > 18 || mm > 59) return -1;
      offset_s = (hh * 3600 + mm * 60) * (neg ? -1 : 1);
    } else {
      return -1;
    }
    if (c.p != c.end) return -1;
    *has_zone = true;
  }
  __int128 v = (__int128)days * MICROS_PER_DAY + tod - (__int128)offset_s * MICROS_PER_SEC;
  if (v < INT64_MIN || v > INT64_MAX) return -1;
  *micros = (int64_t)v;
  return 0;
}
