/*
** format/text/txt_dtfmt.c: Spark datetime patterns (dateFormat,
** timestampFormat, timestampNTZFormat) compiled to a list of items and
** matched against field text; used by the CSV and the JSON reader
** (format/csv/csv_decode.c, format/json/jsonl_decode.c, both inferences).
**
** Letters understood (Spark 3 "Datetime Patterns"; counts as in Spark):
**   y    year: y and yyy+ = 1..9 digits (yyyy: at least 4), yy = 2 digits + 2000
**   M L  month: M = 1..2 digits, MM = 2, MMM = Jan, MMMM = January (any case);
**        five or more letters fail (Spark)
**   d    day of month: d = 1..2, dd = 2
**   D    day of year: D = 1..3 digits, DD = 2..3, DDD = 3
**   H    hour 0-23, h hour 1-12 (with a), k 1-24, K 0-11: one letter 1..2 digits, two = 2
**   m s  minute, second: 1..2 / 2
**   S    fraction: S..S (n letters) = 1..n digits (n <= 9; kept to microseconds)
**   a    AM/PM (any case)
**   E    day name: E..EEE = Mon, EEEE = Monday (any case; checked only for being
**        a name, otherwise ignored)
**   X    zone: Z or +HH[MM] (X), Z or +HHMM (XX), Z or +HH:MM (XXX); x.. the same without Z
**   Z    +HHMM (Z..ZZZ), +HH:MM or Z (ZZZZZ)
**   'text' literal ('' inside it is one quote), '' a single quote,
**   [ ... ] optional section (may nest), any other non-letter is a literal.
** Other letters (G, u, Q, w, e, z, V, O, ...) give LAGO_BIND.
** Matching is left to right. A number field followed directly by another
** number field takes its minimum width (java.time's adjacent value parsing,
** so "yyyyMMdd" reads 20240325). Values out of their field's range fail the
** match where they are read, so an optional section holding one is skipped as
** a whole (as java.time does with a section that fails).
** Resolution: h is 1-12 and PM adds 12 (12 AM is 0); K is 0-11, PM adds 12;
** k is 1-24 (24 is 0); H with a PM before noon adds 12. D sets the date when
** no month or day was parsed. The result must fit int64 microseconds.
**
** One module for both readers: the CSV and the JSON reader had a copy each,
** and the copies differed; where they did, this one keeps the behaviour that
** matches Spark (java.time): D (day of year), '' inside quoted text, five-letter
** months refused, E vs EEEE text styles, the AM/PM resolution above and an
** exact overflow check.
*/
#include <strings.h>

#include "format/text/text_int.h"

enum dt_kind {
  DT_LIT, DT_YEAR, DT_YEAR2, DT_MONTH, DT_MONTH_ABBR, DT_MONTH_FULL, DT_DAY, DT_DOY, DT_HOUR24, DT_HOUR12,
  DT_HOUR_K24, DT_HOUR_K11, DT_MINUTE, DT_SECOND, DT_FRAC, DT_AMPM, DT_DAYNAME,
  DT_ZONE_X, DT_ZONE_XX, DT_ZONE_XXX, DT_ZONE_x, DT_ZONE_xx, DT_ZONE_xxx, DT_ZONE_Z, DT_ZONE_ZZZZZ,
  DT_OPT_BEGIN, DT_OPT_END
};

/* Fields read as digits (adjacent value parsing applies between them). */
static bool is_num_kind(uint8_t k) {
  return k == DT_YEAR || k == DT_YEAR2 || k == DT_MONTH || k == DT_DAY || k == DT_DOY || k == DT_HOUR24 ||
         k == DT_HOUR12 || k == DT_HOUR_K24 || k == DT_HOUR_K11 || k == DT_MINUTE || k == DT_SECOND || k == DT_FRAC;
}

/* ---- compiling ---------------------------------------------------------------------------- */

static int add(txt_dtfmt *f, uint8_t kind, uint8_t min, uint8_t max, const char *pattern, lago_err *err) {
  if (f->n >= TXT_DTFMT_MAX_ITEMS) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s' is too long", pattern);
  txt_dt_item *it = &f->items[f->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->min = min;
  it->max = max;
  return LAGO_OK;
}

static int add_lit(txt_dtfmt *f, char c, const char *pattern, lago_err *err) {
  /* Extend the previous literal when it has room. */
  if (f->n > 0 && f->items[f->n - 1].kind == DT_LIT && f->items[f->n - 1].min < sizeof f->items[0].lit) {
    txt_dt_item *it = &f->items[f->n - 1];
    it->lit[it->min++] = c;
    it->max = it->min;
    return LAGO_OK;
  }
  TRY(add(f, DT_LIT, 1, 1, pattern, err));
  f->items[f->n - 1].lit[0] = c;
  return LAGO_OK;
}

int txt_dtfmt_compile(const char *pattern, txt_dtfmt *f, lago_err *err) {
  memset(f, 0, sizeof *f);
  uint8_t open[TXT_DTFMT_MAX_ITEMS]; /* OPT_BEGIN items not closed yet (each is an item: bounded) */
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
      if (n_open >= TXT_DTFMT_MAX_ITEMS) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s' is too long", pattern);
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
        else if (k == 3) TRY(add(f, DT_MONTH_ABBR, 3, 3, pattern, err));
        else if (k == 4) TRY(add(f, DT_MONTH_FULL, 3, 9, pattern, err));
        else goto too_many;
        break;
      case 'd':
        if (k > 2) goto too_many;
        TRY(add(f, DT_DAY, (uint8_t)k, 2, pattern, err));
        break;
      case 'D':
        if (k > 3) goto too_many;
        TRY(add(f, DT_DOY, (uint8_t)k, 3, pattern, err));
        break;
      case 'H': case 'h': case 'k': case 'K': case 'm': case 's': {
        if (k > 2) goto too_many;
        uint8_t kind = c == 'H' ? DT_HOUR24 : c == 'h' ? DT_HOUR12 : c == 'k' ? DT_HOUR_K24
                     : c == 'K' ? DT_HOUR_K11 : c == 'm' ? DT_MINUTE : DT_SECOND;
        TRY(add(f, kind, (uint8_t)k, 2, pattern, err));
        f->has_time = true;
        break;
      }
      case 'S':
        if (k > 9) goto too_many;
        TRY(add(f, DT_FRAC, 1, (uint8_t)k, pattern, err));
        f->has_time = true;
        break;
      case 'a':
        if (k > 1) goto too_many;
        TRY(add(f, DT_AMPM, 2, 2, pattern, err));
        break;
      case 'E':
        if (k > 4) goto too_many;
        TRY(add(f, DT_DAYNAME, 3, (uint8_t)(k == 4 ? 9 : 3), pattern, err));
        break;
      case 'X':
      case 'x':
        if (k > 3) goto too_many;
        TRY(add(f, (uint8_t)((c == 'X' ? DT_ZONE_X : DT_ZONE_x) + k - 1), 0, 0, pattern, err));
        f->has_zone = true;
        break;
      case 'Z':
        if (k == 4 || k > 5) goto too_many;
        TRY(add(f, k == 5 ? DT_ZONE_ZZZZZ : DT_ZONE_Z, 0, 0, pattern, err));
        f->has_zone = true;
        break;
      default:
        return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': unsupported letter '%c'", pattern, c);
    }
    continue;
  too_many:
    return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': too many pattern letters '%c'", pattern, c);
  }
  if (n_open) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': '[' without ']'", pattern);
  /* Adjacent value parsing: a number field directly followed by another
  ** number field takes its minimum width (a fraction keeps its own). */
  for (uint32_t i = 0; i + 1 < f->n; i++) {
    txt_dt_item *a = &f->items[i];
    if (a->kind != DT_FRAC && is_num_kind(a->kind) && is_num_kind(f->items[i + 1].kind)) a->max = a->min;
  }
  return LAGO_OK;
}

/* ---- matching ---------------------------------------------------------------------------- */

typedef struct dt_state {
  const char *p, *end;
  int64_t year;
  int month, day, doy, hour, minute, second, micros;
  int ampm;         /* -1 none, 0 AM, 1 PM */
  uint8_t hour_kind; /* DT_HOUR24 (also when no hour was read), DT_HOUR12, DT_HOUR_K24, DT_HOUR_K11 */
  bool has_month, has_day, has_zone;
  int offset_s;
} dt_state;

static const char *const month_names[12] = {"january", "february", "march",     "april",   "may",      "june",
                                            "july",    "august",   "september", "october", "november", "december"};
static const char *const day_names[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

/* min..max digits. */
static int num(dt_state *s, int min, int max, int64_t *out) {
  int64_t v = 0;
  int k = 0;
  while (k < max && s->p < s->end && *s->p >= '0' && *s->p <= '9') {
    v = v * 10 + (*s->p++ - '0');
    k++;
  }
  if (k < min) return -1;
  *out = v;
  return 0;
}

/* Zone offsets: allow_z accepts "Z"; form 0 = +HH[MM], 1 = +HH:MM, 2 = +HHMM. */
static int zone(dt_state *s, bool allow_z, int form) {
  if (allow_z && s->p < s->end && *s->p == 'Z') {
    s->p++;
    s->has_zone = true;
    s->offset_s = 0;
    return 0;
  }
  if (s->p >= s->end || (*s->p != '+' && *s->p != '-')) return -1;
  bool neg = *s->p++ == '-';
  int64_t hh, mm = 0;
  if (num(s, 2, 2, &hh) < 0) return -1;
  if (form == 1) {
    if (s->p >= s->end || *s->p != ':') return -1;
    s->p++;
    if (num(s, 2, 2, &mm) < 0) return -1;
  } else if (form == 2) {
    if (num(s, 2, 2, &mm) < 0) return -1;
  } else if (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
    if (num(s, 2, 2, &mm) < 0) return -1;
  }
  if (hh > 18 || mm > 59) return -1;
  s->offset_s = (int)((hh * 3600 + mm * 60) * (neg ? -1 : 1));
  s->has_zone = true;
  return 0;
}

/* A name from the list, in full or its first three letters, any case. */
static int name(dt_state *s, const char *const *names, int count, bool full, int *out) {
  for (int i = 0; i < count; i++) {
    size_t n = full ? strlen(names[i]) : 3;
    if ((size_t)(s->end - s->p) >= n && !strncasecmp(s->p, names[i], n)) {
      s->p += n;
      *out = i;
      return 0;
    }
  }
  return -1;
}

/* Number field within [lo, hi]. */
static int field(dt_state *s, const txt_dt_item *it, int64_t lo, int64_t hi, int *out) {
  int64_t v;
  if (num(s, it->min, it->max, &v) < 0 || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

static int match(const txt_dtfmt *f, uint32_t from, uint32_t to, dt_state *s) {
  for (uint32_t i = from; i < to; i++) {
    const txt_dt_item *it = &f->items[i];
    int64_t v;
    int k;
    switch (it->kind) {
      case DT_LIT:
        if ((size_t)(s->end - s->p) < it->min || memcmp(s->p, it->lit, it->min) != 0) return -1;
        s->p += it->min;
        break;
      case DT_YEAR:
        if (num(s, it->min, it->max, &v) < 0) return -1;
        s->year = v;
        break;
      case DT_YEAR2:
        if (num(s, 2, 2, &v) < 0) return -1;
        s->year = 2000 + v;
        break;
      case DT_MONTH:
        if (field(s, it, 1, 12, &s->month) < 0) return -1;
        s->has_month = true;
        break;
      case DT_MONTH_ABBR:
      case DT_MONTH_FULL:
        if (name(s, month_names, 12, it->kind == DT_MONTH_FULL, &k) < 0) return -1;
        s->month = k + 1;
        s->has_month = true;
        break;
      case DT_DAY:
        if (field(s, it, 1, 31, &s->day) < 0) return -1;
        s->has_day = true;
        break;
      case DT_DOY:
        if (field(s, it, 1, 366, &s->doy) < 0) return -1;
        break;
      case DT_HOUR24:
        if (field(s, it, 0, 23, &s->hour) < 0) return -1;
        s->hour_kind = DT_HOUR24;
        break;
      case DT_HOUR12:
        if (field(s, it, 1, 12, &s->hour) < 0) return -1;
        s->hour_kind = DT_HOUR12;
        break;
      case DT_HOUR_K24:
        if (field(s, it, 1, 24, &s->hour) < 0) return -1;
        s->hour_kind = DT_HOUR_K24;
        break;
      case DT_HOUR_K11:
        if (field(s, it, 0, 11, &s->hour) < 0) return -1;
        s->hour_kind = DT_HOUR_K11;
        break;
      case DT_MINUTE:
        if (field(s, it, 0, 59, &s->minute) < 0) return -1;
        break;
      case DT_SECOND:
        if (field(s, it, 0, 59, &s->second) < 0) return -1;
        break;
      case DT_FRAC: {
        const char *start = s->p;
        if (num(s, it->min, it->max, &v) < 0) return -1;
        int nd = (int)(s->p - start);
        for (; nd > 6; nd--) v /= 10;
        for (; nd < 6; nd++) v *= 10;
        s->micros = (int)v;
        break;
      }
      case DT_AMPM:
        if (s->end - s->p < 2) return -1;
        if (!strncasecmp(s->p, "AM", 2)) s->ampm = 0;
        else if (!strncasecmp(s->p, "PM", 2)) s->ampm = 1;
        else return -1;
        s->p += 2;
        break;
      case DT_DAYNAME:
        if (name(s, day_names, 7, it->max > 3, &k) < 0) return -1;
        break;
      case DT_ZONE_X: if (zone(s, true, 0) < 0) return -1; break;
      case DT_ZONE_XX: if (zone(s, true, 2) < 0) return -1; break;
      case DT_ZONE_XXX: if (zone(s, true, 1) < 0) return -1; break;
      case DT_ZONE_x: if (zone(s, false, 0) < 0) return -1; break;
      case DT_ZONE_xx: if (zone(s, false, 2) < 0) return -1; break;
      case DT_ZONE_xxx: if (zone(s, false, 1) < 0) return -1; break;
      case DT_ZONE_Z: if (zone(s, false, 2) < 0) return -1; break;
      case DT_ZONE_ZZZZZ: if (zone(s, true, 1) < 0) return -1; break;
      case DT_OPT_BEGIN: {
        dt_state saved = *s;
        if (match(f, i + 1, it->skip, s) < 0) *s = saved;
        i = it->skip; /* continue after the matching OPT_END */
        break;
      }
      case DT_OPT_END:
        break;
      default:
        return -1;
    }
  }
  return 0;
}

int txt_dtfmt_parse(const txt_dtfmt *f, const char *str, size_t n, int64_t *micros, bool *has_zone) {
  dt_state s;
  memset(&s, 0, sizeof s);
  s.p = str;
  s.end = str + n;
  s.year = 1970;
  s.month = 1;
  s.day = 1;
  s.ampm = -1;
  s.hour_kind = DT_HOUR24;
  if (match(f, 0, f->n, &s) < 0 || s.p != s.end) return -1;
  int hour = s.hour;
  switch (s.hour_kind) {
    case DT_HOUR12: /* 1-12 */
      hour %= 12;
      if (s.ampm == 1) hour += 12;
      break;
    case DT_HOUR_K24: /* 1-24 */
      hour %= 24;
      break;
    case DT_HOUR_K11: /* 0-11 */
      if (s.ampm == 1) hour += 12;
      break;
    default: /* H (or no hour): a PM before noon moves it */
      if (s.ampm == 1 && hour < 12) hour += 12;
      break;
  }
  int64_t days;
  if (s.doy && !s.has_month && !s.has_day) {
    bool leap = (s.year % 4 == 0 && s.year % 100 != 0) || s.year % 400 == 0;
    if (s.doy > 365 + leap) return -1;
    days = days_from_civil(s.year, 1, 1) + s.doy - 1;
  } else {
    if (!date_valid(s.year, (unsigned)s.month, (unsigned)s.day)) return -1;
    days = days_from_civil(s.year, (unsigned)s.month, (unsigned)s.day);
  }
  __int128 v = (__int128)days * MICROS_PER_DAY + ((int64_t)hour * 3600 + s.minute * 60 + s.second) * MICROS_PER_SEC +
               s.micros - (__int128)s.offset_s * MICROS_PER_SEC;
  if (v < INT64_MIN || v > INT64_MAX) return -1;
  *micros = (int64_t)v;
  *has_zone = s.has_zone;
  return 0;
}

int txt_dt_init(txt_dt *d, const char *date_format, const char *timestamp_format, const char *timestamp_ntz_format,
                lago_err *err) {
  memset(d, 0, sizeof *d);
  if (date_format) {
    TRY(txt_dtfmt_compile(date_format, &d->date, err));
    d->have_date = true;
  }
  if (timestamp_format) {
    TRY(txt_dtfmt_compile(timestamp_format, &d->ts, err));
    d->have_ts = true;
  }
  if (timestamp_ntz_format) {
    TRY(txt_dtfmt_compile(timestamp_ntz_format, &d->ntz, err));
    d->have_ntz = true;
  }
  return LAGO_OK;
}
