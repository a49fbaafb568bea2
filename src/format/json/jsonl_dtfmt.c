/*
** format/json/jsonl_dtfmt.c: Spark datetime patterns (dateFormat,
** timestampFormat, timestampNTZFormat) compiled to a list of items and
** matched against string values; plus the default date/timestamp parsers
** (Spark's cast rules, util/datetime.h, behind a fixed-shape fast path).
**
** This is the JSON reader's copy of the pattern compiler: the CSV reader has
** the same one (format/csv/csv_dtfmt.c, same letters and items) on another
** branch; they are to be merged into one shared module.
**
** Letters understood (Spark 3 "Datetime Patterns"; counts as in Spark):
**   y    year: y and yyy+ = 1..9 digits (yyyy: at least 4), yy = 2 digits + 2000
**   M L  month: M = 1..2 digits, MM = 2, MMM = Jan, MMMM = January (any case)
**   d    day of month: d = 1..2, dd = 2
**   D    day of year: 1..3 digits (DDD = 3)
**   H    hour 0-23, h hour 1-12 (with a), k 1-24, K 0-11: one letter 1..2 digits, two = 2
**   m s  minute, second: 1..2 / 2
**   S    fraction: S..S (n letters) = 1..n digits (n <= 9; kept to microseconds)
**   a    AM/PM (any case)
**   E    day name Mon / Monday (checked for being a name; otherwise ignored)
**   X    zone: Z or +HH[MM] (X), Z or +HHMM (XX), Z or +HH:MM (XXX); x.. the same without Z
**   Z    +HHMM (Z..ZZZ), +HH:MM or Z (ZZZZZ)
**   'text' literal, '' a single quote, [ ... ] optional section (may nest),
**   any other non-letter is a literal.
** Other letters (G, u, Q, w, e, z, V, O, ...) give LAGO_BIND.
** Matching is left to right; a number followed directly by another number
** field takes its minimum width (java.time's adjacent value parsing, so
** "yyyyMMdd" works); an optional section that fails is skipped as a whole.
*/
#include <strings.h>

#include "format/json/jsonl_int.h"

enum dt_kind {
  DT_LIT, DT_YEAR, DT_YEAR2, DT_MONTH, DT_MONTH_ABBR, DT_MONTH_FULL, DT_DAY, DT_DOY, DT_HOUR24, DT_HOUR12,
  DT_HOUR_K24, DT_HOUR_K11, DT_MINUTE, DT_SECOND, DT_FRAC, DT_AMPM, DT_DAYNAME,
  DT_ZONE_X, DT_ZONE_XX, DT_ZONE_XXX, DT_ZONE_x, DT_ZONE_xx, DT_ZONE_xxx, DT_ZONE_Z, DT_ZONE_ZZZZZ,
  DT_OPT_BEGIN, DT_OPT_END
};

static int add(jl_dtfmt *f, uint8_t kind, uint8_t min, uint8_t max, const char *pattern, lago_err *err) {
  if (f->n >= JL_DTFMT_MAX_ITEMS) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s' is too long", pattern);
  jl_dt_item *it = &f->items[f->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->min = min;
  it->max = max;
  return LAGO_OK;
}

static int add_lit(jl_dtfmt *f, char c, const char *pattern, lago_err *err) {
  if (f->n > 0 && f->items[f->n - 1].kind == DT_LIT && f->items[f->n - 1].min < sizeof f->items[0].lit) {
    jl_dt_item *it = &f->items[f->n - 1];
    it->lit[it->min++] = c;
    it->max = it->min;
    return LAGO_OK;
  }
  TRY(add(f, DT_LIT, 1, 1, pattern, err));
  f->items[f->n - 1].lit[0] = c;
  return LAGO_OK;
}

int jl_dtfmt_compile(const char *pattern, jl_dtfmt *f, lago_err *err) {
  memset(f, 0, sizeof *f);
  uint8_t open[JL_DTFMT_MAX_ITEMS];
  int n_open = 0;
  const char *p = pattern;
  while (*p) {
    char c = *p;
    if (c == '\'') {
      p++;
      if (*p == '\'') { /* '' = one quote */
        TRY(add_lit(f, '\'', pattern, err));
        p++;
        continue;
      }
      while (*p && !(*p == '\'' && p[1] != '\'')) {
        if (*p == '\'') p++; /* '' inside quoted text */
        TRY(add_lit(f, *p, pattern, err));
        p++;
      }
      if (*p != '\'') return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': unterminated quote", pattern);
      p++;
      continue;
    }
    if (c == '[') {
      if (n_open >= JL_DTFMT_MAX_ITEMS) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s' is too long", pattern);
      open[n_open++] = (uint8_t)f->n;
      TRY(add(f, DT_OPT_BEGIN, 0, 0, pattern, err));
      p++;
      continue;
    }
    if (c == ']') {
      if (!n_open) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': ']' without '['", pattern);
      TRY(add(f, DT_OPT_END, 0, 0, pattern, err));
      f->items[open[--n_open]].skip = (uint8_t)(f->n - 1);
      p++;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      TRY(add_lit(f, c, pattern, err));
      p++;
      continue;
    }
    int k = 1;
    while (p[k] == c) k++;
    p += k;
    switch (c) {
      case 'y':
        if (k == 2) TRY(add(f, DT_YEAR2, 2, 2, pattern, err));
        else TRY(add(f, DT_YEAR, (uint8_t)(k >= 4 ? 4 : 1), 9, pattern, err));
        break;
      case 'M':
      case 'L':
        if (k == 1) TRY(add(f, DT_MONTH, 1, 2, pattern, err));
        else if (k == 2) TRY(add(f, DT_MONTH, 2, 2, pattern, err));
        else if (k == 3) TRY(add(f, DT_MONTH_ABBR, 0, 0, pattern, err));
        else TRY(add(f, DT_MONTH_FULL, 0, 0, pattern, err));
        break;
      case 'd':
        if (k > 2) goto bad_count;
        TRY(add(f, DT_DAY, (uint8_t)k, 2, pattern, err));
        break;
      case 'D':
        if (k > 3) goto bad_count;
        TRY(add(f, DT_DOY, (uint8_t)k, 3, pattern, err));
        break;
      case 'H': case 'h': case 'k': case 'K': case 'm': case 's': {
        if (k > 2) goto bad_count;
        uint8_t kind = c == 'H' ? DT_HOUR24 : c == 'h' ? DT_HOUR12 : c == 'k' ? DT_HOUR_K24
                     : c == 'K' ? DT_HOUR_K11 : c == 'm' ? DT_MINUTE : DT_SECOND;
        TRY(add(f, kind, (uint8_t)k, 2, pattern, err));
        f->has_time = true;
        break;
      }
      case 'S':
        if (k > 9) goto bad_count;
        TRY(add(f, DT_FRAC, 1, (uint8_t)k, pattern, err));
        f->has_time = true;
        break;
      case 'a':
        if (k > 1) goto bad_count;
        TRY(add(f, DT_AMPM, 0, 0, pattern, err));
        break;
      case 'E':
        TRY(add(f, DT_DAYNAME, 0, 0, pattern, err));
        break;
      case 'X':
      case 'x':
        if (k > 3) goto bad_count;
        TRY(add(f, (uint8_t)((c == 'X' ? DT_ZONE_X : DT_ZONE_x) + k - 1), 0, 0, pattern, err));
        f->has_zone = true;
        break;
      case 'Z':
        if (k == 4 || k > 5) goto bad_count;
        TRY(add(f, k == 5 ? DT_ZONE_ZZZZZ : DT_ZONE_Z, 0, 0, pattern, err));
        f->has_zone = true;
        break;
      default:
        return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': letter '%c' is not supported", pattern, c);
    }
    continue;
  bad_count:
    return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': too many '%c' letters", pattern, c);
  }
  if (n_open) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': '[' without ']'", pattern);
  return LAGO_OK;
}

/* ---- matching ---------------------------------------------------------------------- */

typedef struct dt_state {
  int64_t year;
  int month, day, doy, hour, minute, second, ampm, hour_kind;
  int64_t micros;
  int zone_secs;
  bool has_zone, has_year, has_month, has_day;
} dt_state;

static const char *const month_names[12] = {"january", "february", "march",     "april",   "may",      "june",
                                            "july",    "august",   "september", "october", "november", "december"};
static const char *const day_names[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

static bool is_num_kind(uint8_t k) {
  return k == DT_YEAR || k == DT_YEAR2 || k == DT_MONTH || k == DT_DAY || k == DT_DOY || k == DT_HOUR24 ||
         k == DT_HOUR12 || k == DT_HOUR_K24 || k == DT_HOUR_K11 || k == DT_MINUTE || k == DT_SECOND || k == DT_FRAC;
}

/* Reads min..max digits at s[*i]. */
static int digits(const char *s, size_t n, size_t *i, int min, int max, int64_t *v, int *count) {
  int k = 0;
  int64_t x = 0;
  while (*i + (size_t)k < n && k < max && (unsigned)(s[*i + (size_t)k] - '0') <= 9) {
    x = x * 10 + (s[*i + (size_t)k] - '0');
    k++;
  }
  if (k < min) return -1;
  *i += (size_t)k;
  *v = x;
  if (count) *count = k;
  return 0;
}

static int zone(const char *s, size_t n, size_t *i, uint8_t kind, dt_state *st) {
  bool z_ok = kind == DT_ZONE_X || kind == DT_ZONE_XX || kind == DT_ZONE_XXX || kind == DT_ZONE_ZZZZZ;
  if (*i < n && s[*i] == 'Z' && z_ok) {
    (*i)++;
    st->zone_secs = 0;
    st->has_zone = true;
    return 0;
  }
  if (*i >= n || (s[*i] != '+' && s[*i] != '-')) return -1;
  int sign = s[*i] == '-' ? -1 : 1;
  (*i)++;
  int64_t hh, mm = 0;
  if (digits(s, n, i, 2, 2, &hh, NULL) < 0 || hh > 18) return -1;
  bool colon = kind == DT_ZONE_XXX || kind == DT_ZONE_xxx || kind == DT_ZONE_ZZZZZ;
  bool need_min = kind != DT_ZONE_X && kind != DT_ZONE_x;
  if (colon) {
    if (*i < n && s[*i] == ':') {
      (*i)++;
      if (digits(s, n, i, 2, 2, &mm, NULL) < 0) return -1;
    } else if (need_min) {
      return -1;
    }
  } else if (*i < n && (unsigned)(s[*i] - '0') <= 9) {
    if (digits(s, n, i, 2, 2, &mm, NULL) < 0) return -1;
  } else if (need_min) {
    return -1;
  }
  if (mm > 59) return -1;
  st->zone_secs = sign * (int)(hh * 3600 + mm * 60);
  st->has_zone = true;
  return 0;
}

static int word(const char *s, size_t n, size_t *i, const char *const *names, int count, bool abbr, int *idx) {
  for (int k = 0; k < count; k++) {
    size_t len = abbr ? 3 : strlen(names[k]);
    if (n - *i >= len && !strncasecmp(s + *i, names[k], len)) {
      *i += len;
      *idx = k;
      return 0;
    }
  }
  return -1;
}

/* Matches items [from, to) at s[*i]; updates st. */
static int match(const jl_dtfmt *f, uint32_t from, uint32_t to, const char *s, size_t n, size_t *pi, dt_state *st) {
  size_t i = *pi;
  for (uint32_t k = from; k < to; k++) {
    const jl_dt_item *it = &f->items[k];
    int64_t v;
    int max = it->max;
    if (is_num_kind(it->kind) && k + 1 < to && is_num_kind(f->items[k + 1].kind)) max = it->min;
    switch (it->kind) {
      case DT_LIT:
        if (n - i < it->min || memcmp(s + i, it->lit, it->min) != 0) return -1;
        i += it->min;
        break;
      case DT_OPT_BEGIN: {
        size_t save_i = i;
        dt_state save = *st;
        if (match(f, k + 1, it->skip, s, n, &i, st) < 0) {
          i = save_i;
          *st = save;
        }
        k = it->skip; /* continue after OPT_END */
        break;
      }
      case DT_OPT_END:
        break;
      case DT_YEAR:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0) return -1;
        st->year = v;
        st->has_year = true;
        break;
      case DT_YEAR2:
        if (digits(s, n, &i, 2, 2, &v, NULL) < 0) return -1;
        st->year = 2000 + v;
        st->has_year = true;
        break;
      case DT_MONTH:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0 || v < 1 || v > 12) return -1;
        st->month = (int)v;
        st->has_month = true;
        break;
      case DT_MONTH_ABBR:
      case DT_MONTH_FULL: {
        int idx;
        if (word(s, n, &i, month_names, 12, it->kind == DT_MONTH_ABBR, &idx) < 0) return -1;
        st->month = idx + 1;
        st->has_month = true;
        break;
      }
      case DT_DAY:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0 || v < 1 || v > 31) return -1;
        st->day = (int)v;
        st->has_day = true;
        break;
      case DT_DOY:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0 || v < 1 || v > 366) return -1;
        st->doy = (int)v;
        break;
      case DT_HOUR24:
      case DT_HOUR12:
      case DT_HOUR_K24:
      case DT_HOUR_K11:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0) return -1;
        if ((it->kind == DT_HOUR24 && v > 23) || (it->kind == DT_HOUR12 && (v < 1 || v > 12)) ||
            (it->kind == DT_HOUR_K24 && (v < 1 || v > 24)) || (it->kind == DT_HOUR_K11 && v > 11))
          return -1;
        st->hour = (int)v;
        st->hour_kind = it->kind;
        break;
      case DT_MINUTE:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0 || v > 59) return -1;
        st->minute = (int)v;
        break;
      case DT_SECOND:
        if (digits(s, n, &i, it->min, max, &v, NULL) < 0 || v > 59) return -1;
        st->second = (int)v;
        break;
      case DT_FRAC: {
        int cnt;
        if (digits(s, n, &i, 1, max, &v, &cnt) < 0) return -1;
        while (cnt < 6) {
          v *= 10;
          cnt++;
        }
        while (cnt > 6) {
          v /= 10;
          cnt--;
        }
        st->micros = v;
        break;
      }
      case DT_AMPM:
        if (n - i >= 2 && !strncasecmp(s + i, "AM", 2)) st->ampm = 1;
        else if (n - i >= 2 && !strncasecmp(s + i, "PM", 2)) st->ampm = 2;
        else return -1;
        i += 2;
        break;
      case DT_DAYNAME: {
        int idx;
        size_t j = i;
        if (word(s, n, &j, day_names, 7, false, &idx) < 0 && word(s, n, &j, day_names, 7, true, &idx) < 0) return -1;
        i = j;
        break;
      }
      default:
        if (zone(s, n, &i, it->kind, st) < 0) return -1;
        break;
    }
  }
  *pi = i;
  return 0;
}

int jl_dtfmt_parse(const jl_dtfmt *f, const char *s, size_t n, int64_t *micros, bool *has_zone) {
  dt_state st;
  memset(&st, 0, sizeof st);
  st.year = 1970;
  st.month = 1;
  st.day = 1;
  size_t i = 0;
  if (match(f, 0, f->n, s, n, &i, &st) < 0 || i != n) return -1;
  int hour = st.hour;
  if (st.hour_kind == DT_HOUR12 || st.ampm) {
    if (st.hour_kind == DT_HOUR12 || st.hour_kind == DT_HOUR_K11) hour %= 12;
    if (st.ampm == 2) hour += 12;
    if (hour > 23) return -1;
  } else if (st.hour_kind == DT_HOUR_K24) {
    hour %= 24;
  }
  int64_t days;
  if (st.doy && !st.has_month && !st.has_day) {
    bool leap = (st.year % 4 == 0 && st.year % 100 != 0) || st.year % 400 == 0;
    if (st.doy > 365 + leap) return -1;
    days = days_from_civil(st.year, 1, 1) + st.doy - 1;
  } else {
    if (!date_valid(st.year, (unsigned)st.month, (unsigned)st.day)) return -1;
    days = days_from_civil(st.year, (unsigned)st.month, (unsigned)st.day);
  }
  int64_t secs = (int64_t)hour * 3600 + st.minute * 60 + st.second - (st.has_zone ? st.zone_secs : 0);
  if (days > INT64_MAX / MICROS_PER_DAY - 1 || days < INT64_MIN / MICROS_PER_DAY + 1) return -1;
  *micros = days * MICROS_PER_DAY + secs * MICROS_PER_SEC + st.micros;
  *has_zone = st.has_zone;
  return 0;
}

/* ---- default parsers (no pattern) ---------------------------------------------------- */

static inline int dig2(const char *p) {
  unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
  return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* YYYY-MM-DD at p (10 bytes); -1 if not that shape or not a real date. */
static inline int fixed_date(const char *p, int64_t *days) {
  int y1 = dig2(p), y2 = dig2(p + 2), mo = dig2(p + 5), d = dig2(p + 8);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || p[4] != '-' || p[7] != '-') return -1;
  int y = y1 * 100 + y2;
  static const uint8_t mdays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo]) return -1;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return -1;
  /* days_from_civil (util/datetime.c) for years 0..9999, inline: March-based years. */
  int yy = y - (mo <= 2);
  int era = yy >= 0 ? yy / 400 : (yy - 399) / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *days = (int64_t)era * 146097 + doe - 719468;
  return 0;
}

int jl_parse_date(const char *s, uint32_t n, int32_t *days) {
  if (n == 10) {
    int64_t d;
    if (fixed_date(s, &d) == 0) {
      *days = (int32_t)d;
      return 0;
    }
  }
  if (parse_date(s, n, days) == 0) return 0;
  /* Spark 1.5 wrote dates as a day number in a string: accepted by the fallback. */
  if (n && n <= 9) {
    int64_t v = 0;
    uint32_t i = s[0] == '-' ? 1 : 0;
    if (i == n) return -1;
    for (; i < n; i++) {
      if ((unsigned)(s[i] - '0') > 9) return -1;
      v = v * 10 + (s[i] - '0');
    }
    *days = (int32_t)(s[0] == '-' ? -v : v);
    return 0;
  }
  return -1;
}

int jl_parse_ts(const char *s, uint32_t n, int64_t *micros, bool *has_zone) {
  if (n >= 19 && n <= 26 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':') {
    int64_t days;
    int h = dig2(s + 11), mi = dig2(s + 14), se = dig2(s + 17);
    if (fixed_date(s, &days) == 0 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 60) {
      int64_t frac = 0;
      bool ok = true;
      if (n > 19) {
        if (s[19] != '.' || n == 20) ok = false;
        for (uint32_t i = 20; ok && i < n; i++) {
          unsigned d = (unsigned)(unsigned char)s[i] - '0';
          if (d > 9) ok = false;
          frac = frac * 10 + d;
        }
        for (uint32_t i = n; ok && i < 26; i++) frac *= 10;
      }
      if (ok) {
        *micros = days * MICROS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + se) * MICROS_PER_SEC + frac;
        *has_zone = false;
        return 0;
      }
    }
  }
  return parse_timestamp(s, n, micros, has_zone);
}
