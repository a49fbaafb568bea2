/*
** format/csv/csv_dtfmt.c: Spark datetime patterns (dateFormat,
** timestampFormat, timestampNTZFormat) compiled to a list of items and
** matched against field text. Used by csv_decode.c.
**
** Letters understood (Spark 3 "Datetime Patterns"; counts as in Spark):
**   y    year: y/yyy+ = 1..9 digits (yyyy: at least 4), yy = 2 digits + 2000
**   M L  month: M = 1..2 digits, MM = 2, MMM = Jan, MMMM = January
**   d    day of month: d = 1..2, dd = 2
**   H    hour 0-23, h hour 1-12 (with a), k 1-24, K 0-11: one letter 1..2 digits, two = 2
**   m s  minute, second: 1..2 / 2
**   S    fraction: S..S (n letters) = 1..n digits (n <= 9; kept to microseconds)
**   a    AM/PM (any case)
**   E    day name Mon / Monday (checked only for being a name; ignored)
**   X    zone: Z or +HH[MM] (X), +HHMM (XX), +HH:MM (XXX); x the same without Z
**   Z    +HHMM (Z..ZZZ), +HH:MM or Z (ZZZZZ)
**   'text' literal, '' a single quote, [ ... ] optional section (may nest),
**   any other non-letter is a literal.
** Other letters (G, u, D, Q, w, e, z, V, O, ...) give LAGO_BIND.
** Matching is greedy, left to right; an optional section that fails to
** match is skipped as a whole (as java.time's DateTimeFormatter does).
*/
#include <string.h>
#include <strings.h>

#include "format/csv/csv_int.h"
#include "util/datetime.h"

enum dt_kind {
  DT_LIT, DT_YEAR, DT_YEAR2, DT_MONTH, DT_MONTH_ABBR, DT_MONTH_FULL, DT_DAY, DT_HOUR24, DT_HOUR12,
  DT_HOUR_K24, DT_HOUR_K11, DT_MINUTE, DT_SECOND, DT_FRAC, DT_AMPM, DT_DAYNAME,
  DT_ZONE_X, DT_ZONE_XX, DT_ZONE_XXX, DT_ZONE_x, DT_ZONE_xx, DT_ZONE_xxx, DT_ZONE_Z, DT_ZONE_ZZZZZ,
  DT_OPT_BEGIN, DT_OPT_END
};

static int add(csv_dtfmt *f, uint8_t kind, uint8_t min, uint8_t max, const char *pattern, lago_err *err) {
  if (f->n >= DTFMT_MAX_ITEMS) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s' is too long", pattern);
  dt_item *it = &f->items[f->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->min = min;
  it->max = max;
  return LAGO_OK;
}

static int add_lit(csv_dtfmt *f, char c, const char *pattern, lago_err *err) {
  /* Extend the previous literal when it has room. */
  if (f->n > 0 && f->items[f->n - 1].kind == DT_LIT && f->items[f->n - 1].min < sizeof f->items[0].lit) {
    dt_item *it = &f->items[f->n - 1];
    it->lit[it->min++] = c;
    it->max = it->min;
    return LAGO_OK;
  }
  TRY(add(f, DT_LIT, 1, 1, pattern, err));
  f->items[f->n - 1].lit[0] = c;
  return LAGO_OK;
}

int csv_dtfmt_compile(const char *p, csv_dtfmt *f, lago_err *err) {
  memset(f, 0, sizeof *f);
  uint8_t stack[8];
  int depth = 0;
  for (size_t i = 0; p[i];) {
    char c = p[i];
    size_t n = 1;
    while (p[i + n] == c) n++;
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c == '\'') {
      if (p[i + 1] == '\'') { /* '' is a quote */
        TRY(add_lit(f, '\'', p, err));
        i += 2;
        continue;
      }
      size_t j = i + 1;
      for (; p[j] && p[j] != '\''; j++) TRY(add_lit(f, p[j], p, err));
      if (!p[j]) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': unterminated quote", p);
      i = j + 1;
      continue;
    }
    if (c == '[') {
      if (depth == 8) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': optional sections nest too deep", p);
      stack[depth++] = (uint8_t)f->n;
      TRY(add(f, DT_OPT_BEGIN, 0, 0, p, err));
      i++;
      continue;
    }
    if (c == ']') {
      if (depth == 0) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': ']' without '['", p);
      TRY(add(f, DT_OPT_END, 0, 0, p, err));
      f->items[stack[--depth]].skip = (uint8_t)(f->n - 1);
      i++;
      continue;
    }
    if (!letter) {
      TRY(add_lit(f, c, p, err));
      i++;
      continue;
    }
    int rc = LAGO_OK;
    switch (c) {
      case 'y':
        if (n == 2) rc = add(f, DT_YEAR2, 2, 2, p, err);
        else rc = add(f, DT_YEAR, (uint8_t)(n >= 4 ? 4 : 1), 9, p, err);
        break;
      case 'M': case 'L':
        if (n == 1) rc = add(f, DT_MONTH, 1, 2, p, err);
        else if (n == 2) rc = add(f, DT_MONTH, 2, 2, p, err);
        else if (n == 3) rc = add(f, DT_MONTH_ABBR, 3, 3, p, err);
        else if (n == 4) rc = add(f, DT_MONTH_FULL, 3, 9, p, err);
        else goto too_many;
        break;
      case 'd': case 'H': case 'h': case 'k': case 'K': case 'm': case 's': {
        if (n > 2) goto too_many;
        uint8_t kind = c == 'd' ? DT_DAY : c == 'H' ? DT_HOUR24 : c == 'h' ? DT_HOUR12 : c == 'k' ? DT_HOUR_K24
                     : c == 'K' ? DT_HOUR_K11 : c == 'm' ? DT_MINUTE : DT_SECOND;
        rc = add(f, kind, (uint8_t)n, 2, p, err);
        if (c != 'd') f->has_time = true;
        break;
      }
      case 'S':
        if (n > 9) goto too_many;
        rc = add(f, DT_FRAC, 1, (uint8_t)n, p, err);
        break;
      case 'a':
        if (n > 1) goto too_many;
        rc = add(f, DT_AMPM, 2, 2, p, err);
        break;
      case 'E':
        if (n > 4) goto too_many;
        rc = add(f, DT_DAYNAME, 3, (uint8_t)(n == 4 ? 9 : 3), p, err);
        break;
      case 'X': case 'x':
        if (n > 3) goto too_many;
        rc = add(f, (uint8_t)((c == 'X' ? DT_ZONE_X : DT_ZONE_x) + (n - 1)), 0, 0, p, err);
        f->has_zone = true;
        break;
      case 'Z':
        if (n == 4 || n > 5) goto too_many;
        rc = add(f, n == 5 ? DT_ZONE_ZZZZZ : DT_ZONE_Z, 0, 0, p, err);
        f->has_zone = true;
        break;
      default:
        return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': unsupported letter '%c'", p, c);
    }
    if (rc) return rc;
    i += n;
    continue;
  too_many:
    return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': too many pattern letters '%c'", p, c);
  }
  if (depth) return LAGO_ERR(err, LAGO_BIND, "datetime pattern '%s': '[' without ']'", p);
  /* Adjacent value parsing (java.time): a number directly followed by another
  ** number takes its minimum width, so "yyyyMMdd" reads 20240325. */
  for (uint32_t i = 0; i + 1 < f->n; i++) {
    dt_item *a = &f->items[i], *b = &f->items[i + 1];
    bool an = a->kind >= DT_YEAR && a->kind <= DT_SECOND && a->kind != DT_MONTH_ABBR && a->kind != DT_MONTH_FULL;
    bool bn = b->kind >= DT_YEAR && b->kind <= DT_FRAC && b->kind != DT_MONTH_ABBR && b->kind != DT_MONTH_FULL;
    if (an && bn) a->max = a->min;
  }
  return LAGO_OK;
}

typedef struct dt_state {
  const char *p, *end;
  int64_t year;
  int month, day, hour, minute, second, micros, ampm; /* ampm: -1 none, 0 AM, 1 PM */
  int hour_kind;                                      /* 0 H, 1 h, 2 k, 3 K */
  bool has_zone;
  int offset_s;
} dt_state;

static const char *const months[12] = {"january", "february", "march", "april", "may", "june", "july",
                                       "august", "september", "october", "november", "december"};
static const char *const days[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

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

/* +HH, +HHMM, +HH:MM forms; colon: 0 none, 1 required, 2 optional minutes without colon. */
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
  if (form == 1) { /* +HH:MM */
    if (s->p >= s->end || *s->p != ':') return -1;
    s->p++;
    if (num(s, 2, 2, &mm) < 0) return -1;
  } else if (form == 2) { /* +HHMM */
    if (num(s, 2, 2, &mm) < 0) return -1;
  } else if (s->p < s->end && *s->p >= '0' && *s->p <= '9') { /* +HH[MM] */
    if (num(s, 2, 2, &mm) < 0) return -1;
  }
  if (hh > 18 || mm > 59) return -1;
  s->offset_s = (int)((hh * 3600 + mm * 60) * (neg ? -1 : 1));
  s->has_zone = true;
  return 0;
}

static int name(dt_state *s, const char *const *names, int count, bool full, int *out) {
  for (int i = 0; i < count; i++) {
    size_t n = full ? strlen(names[i]) : 3;
    if ((size_t)(s->end - s->p) >= n && !strncasecmp(s->p, names[i], n)) {
      /* Full names: prefer the longest match (all are distinct, so the first is it). */
      s->p += n;
      *out = i;
      return 0;
    }
  }
  return -1;
}

static int match(const csv_dtfmt *f, uint32_t from, uint32_t to, dt_state *s) {
  for (uint32_t i = from; i < to; i++) {
    const dt_item *it = &f->items[i];
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
        if (num(s, it->min, it->max, &v) < 0) return -1;
        s->month = (int)v;
        break;
      case DT_MONTH_ABBR:
        if (name(s, months, 12, false, &k) < 0) return -1;
        s->month = k + 1;
        break;
      case DT_MONTH_FULL:
        if (name(s, months, 12, true, &k) < 0) return -1;
        s->month = k + 1;
        break;
      case DT_DAY:
        if (num(s, it->min, it->max, &v) < 0) return -1;
        s->day = (int)v;
        break;
      case DT_HOUR24: case DT_HOUR12: case DT_HOUR_K24: case DT_HOUR_K11:
        if (num(s, it->min, it->max, &v) < 0) return -1;
        s->hour = (int)v;
        s->hour_kind = it->kind - DT_HOUR24;
        break;
      case DT_MINUTE:
        if (num(s, it->min, it->max, &v) < 0) return -1;
        s->minute = (int)v;
        break;
      case DT_SECOND:
        if (num(s, it->min, it->max, &v) < 0) return -1;
        s->second = (int)v;
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
        if (name(s, days, 7, it->max > 3, &k) < 0) return -1;
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

int csv_dtfmt_parse(const csv_dtfmt *f, const char *str, size_t n, int64_t *micros, bool *has_zone) {
  dt_state s;
  memset(&s, 0, sizeof s);
  s.p = str;
  s.end = str + n;
  s.year = 1970;
  s.month = 1;
  s.day = 1;
  s.ampm = -1;
  if (match(f, 0, f->n, &s) < 0 || s.p != s.end) return -1;
  int hour = s.hour;
  switch (s.hour_kind) {
    case 1: /* h: 1-12 */
      if (hour < 1 || hour > 12) return -1;
      hour %= 12;
      if (s.ampm == 1) hour += 12;
      break;
    case 2: /* k: 1-24 */
      if (hour < 1 || hour > 24) return -1;
      hour %= 24;
      break;
    case 3: /* K: 0-11 */
      if (hour > 11) return -1;
      if (s.ampm == 1) hour += 12;
      break;
    default:
      if (s.ampm == 1 && hour < 12) hour += 12; /* "a" with H: tolerated */
      break;
  }
  if (hour > 23 || s.minute > 59 || s.second > 59) return -1;
  if (s.month < 1 || s.month > 12 || s.day < 1 || s.day > 31) return -1;
  if (!date_valid(s.year, (unsigned)s.month, (unsigned)s.day)) return -1;
  __int128 v = (__int128)days_from_civil(s.year, (unsigned)s.month, (unsigned)s.day) * MICROS_PER_DAY +
               ((int64_t)hour * 3600 + s.minute * 60 + s.second) * MICROS_PER_SEC + s.micros -
               (__int128)s.offset_s * MICROS_PER_SEC;
  if (v < INT64_MIN || v > INT64_MAX) return -1;
  *micros = (int64_t)v;
  *has_zone = s.has_zone;
  return 0;
}
