/*
** exec/func_datetime.c: date and time functions (session time zone UTC).
**
**   year quarter month day dayofmonth dayofweek (1 = Sunday) weekday
**   (0 = Monday) dayofyear weekofyear (ISO) hour minute second last_day
**   date_add date_sub datediff add_months last_day make_date trunc date_trunc
**   current_date current_timestamp now to_date to_timestamp try_to_timestamp
**   date_format from_unixtime unix_timestamp unix_date unix_seconds unix_millis
**   unix_micros date_from_unix_date timestamp_seconds timestamp_millis
**   timestamp_micros make_date
**
** Spark details kept: add_months clamps to the last day of the target month
** but does not move a month-end date to the next month-end (Spark >= 3.0:
** add_months('2019-02-28', 1) = '2019-03-28'); date_trunc/trunc return NULL
** for an unknown unit; to_date/to_timestamp with a pattern raise
** [CANNOT_PARSE_TIMESTAMP] on input that does not match (ANSI) and
** try_to_timestamp returns NULL.
**
** Patterns (Spark datetime patterns, a subset): y yyyy yy M MM MMM MMMM d dd
** D H HH h hh m mm s ss S..SSSSSS (fraction) a E EEE EEEE, 'quoted text', and
** any other non-letter character literally.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec/func.h"
#include "util/datetime.h"

static const char *const k_month_names[12] = {"January", "February", "March",     "April",   "May",      "June",
                                               "July",    "August",   "September", "October", "November", "December"};
static const char *const k_day_names[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static unsigned month_days(int64_t y, unsigned m) {
  static const unsigned md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return md[m - 1] + (m == 2 && is_leap(y));
}
/* ISO day of week, 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday). */
static int iso_dow(int64_t days) { return (int)floor_mod64(days + 3, 7) + 1; }

/* Days of a DATE or TIMESTAMP argument value. */
static int64_t days_of(lago_type_id id, const void *data, uint32_t idx) {
  if (id == LT_DATE) return ((const int32_t *)data)[idx];
  return floor_div64(((const int64_t *)data)[idx], MICROS_PER_DAY);
}

/* ---- field extraction ----------------------------------------------------------------- */

static int64_t iso_week(int64_t days) {
  /* The ISO week of the Thursday of this date's week decides the year. */
  int64_t thu = days - iso_dow(days) + 4;
  int64_t y;
  unsigned m, d;
  civil_from_days(thu, &y, &m, &d);
  int64_t jan1 = days_from_civil(y, 1, 1);
  return (thu - jan1) / 7 + 1;
}

/* info: 'y' year, 'q' quarter, 'm' month, 'd' day, 'w' dayofweek, 'W' weekday, 'j' dayofyear,
** 'k' weekofyear, 'h' hour, 'n' minute, 's' second. */
static int k_extract(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  char f = *(const char *)c->e->u.call.def->info;
  lago_type_id id = (lago_type_id)c->e->args[0]->type.id;
  vec_view a;
  vec_view_init(&a, args[0]);
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ix = VIEW_IDX(&a, r);
    if (f == 'h' || f == 'n' || f == 's') {
      int64_t us = id == LT_DATE ? 0 : floor_mod64(((const int64_t *)a.data)[ix], MICROS_PER_DAY);
      int64_t secs = us / MICROS_PER_SEC;
      o[r] = (int32_t)(f == 'h' ? secs / 3600 : f == 'n' ? secs / 60 % 60 : secs % 60);
      continue;
    }
    int64_t days = days_of(id, a.data, ix), y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    switch (f) {
      case 'y': o[r] = (int32_t)y; break;
      case 'q': o[r] = (int32_t)((m - 1) / 3 + 1); break;
      case 'm': o[r] = (int32_t)m; break;
      case 'd': o[r] = (int32_t)d; break;
      case 'w': o[r] = iso_dow(days) % 7 + 1; break; /* Sunday = 1 */
      case 'W': o[r] = iso_dow(days) - 1; break;     /* Monday = 0 */
      case 'j': o[r] = (int32_t)(days - days_from_civil(y, 1, 1) + 1); break;
      case 'k': o[r] = (int32_t)iso_week(days); break;
    }
  });
  return LAGO_OK;
}

/* Date fields accept DATE, TIMESTAMP[_NTZ] or a STRING cast to DATE. */
static int bind_date_field(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_DATE && t.id != LT_TIMESTAMP && t.id != LT_TIMESTAMP_NTZ) {
    if (t.id != LT_STRING && t.id != LT_NULL)
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires DATE or TIMESTAMP", b->def->name);
    b->casts[0] = type_make(LT_DATE);
  }
  b->ret = type_make(LT_INT);
  return LAGO_OK;
}

/* Time fields need a TIMESTAMP (strings are cast to TIMESTAMP). */
static int bind_time_field(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_TIMESTAMP && t.id != LT_TIMESTAMP_NTZ) {
    if (t.id != LT_STRING && t.id != LT_NULL && t.id != LT_DATE)
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires TIMESTAMP", b->def->name);
    b->casts[0] = type_make(LT_TIMESTAMP);
  }
  b->ret = type_make(LT_INT);
  return LAGO_OK;
}

/* ---- date arithmetic ------------------------------------------------------------------- */

static int k_date_add(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool sub = *(const char *)c->e->u.call.def->info == 's';
  vec_view a, k;
  vec_view_init(&a, args[0]);
  vec_view_init(&k, args[1]);
  const int32_t *d = a.data, *kd = k.data;
  int32_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t v = (int64_t)d[VIEW_IDX(&a, r)] + (sub ? -(int64_t)kd[VIEW_IDX(&k, r)] : kd[VIEW_IDX(&k, r)]);
    if (v < INT32_MIN || v > INT32_MAX) return FN_ERR(c, "[ARITHMETIC_OVERFLOW] integer overflow in %s", c->e->u.call.def->name);
    o[r] = (int32_t)v;
  }
  return LAGO_OK;
}

static int k_datediff(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a, b;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  const int32_t *x = a.data, *y = b.data;
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, o[r] = (int32_t)((int64_t)x[VIEW_IDX(&a, r)] - y[VIEW_IDX(&b, r)]););
  return LAGO_OK;
}

static int64_t add_months_days(int64_t days, int64_t months) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  int64_t total = y * 12 + (m - 1) + months;
  int64_t ny = floor_div64(total, 12);
  unsigned nm = (unsigned)floor_mod64(total, 12) + 1;
  unsigned md = month_days(ny, nm);
  return days_from_civil(ny, nm, d > md ? md : d);
}

static int k_add_months(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, k;
  vec_view_init(&a, args[0]);
  vec_view_init(&k, args[1]);
  const int32_t *d = a.data, *kd = k.data;
  int32_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t v = add_months_days(d[VIEW_IDX(&a, r)], kd[VIEW_IDX(&k, r)]);
    if (v < INT32_MIN || v > INT32_MAX) return FN_ERR(c, "[ARITHMETIC_OVERFLOW] date out of range in add_months");
    o[r] = (int32_t)v;
  }
  return LAGO_OK;
}

static int k_last_day(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a;
  vec_view_init(&a, args[0]);
  const int32_t *d = a.data;
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t y;
    unsigned m, dd;
    civil_from_days(d[VIEW_IDX(&a, r)], &y, &m, &dd);
    o[r] = (int32_t)days_from_civil(y, m, month_days(y, m));
  });
  return LAGO_OK;
}

static int k_make_date(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view y, m, d;
  vec_view_init(&y, args[0]);
  vec_view_init(&m, args[1]);
  vec_view_init(&d, args[2]);
  int32_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int32_t yy = ((const int32_t *)y.data)[VIEW_IDX(&y, r)], mm = ((const int32_t *)m.data)[VIEW_IDX(&m, r)],
            dd = ((const int32_t *)d.data)[VIEW_IDX(&d, r)];
    if (mm < 1 || mm > 12 || dd < 1 || !date_valid(yy, (unsigned)mm, (unsigned)dd) || yy < -290000 || yy > 290000)
      return FN_ERR(c, "[DATETIME_FIELD_OUT_OF_BOUNDS] Invalid date: year %d, month %d, day %d", yy, mm, dd);
    o[r] = (int32_t)days_from_civil(yy, (unsigned)mm, (unsigned)dd);
  }
  return LAGO_OK;
}

/* ---- truncation -------------------------------------------------------------------------- */

typedef enum { TU_NONE, TU_YEAR, TU_QUARTER, TU_MONTH, TU_WEEK, TU_DAY, TU_HOUR, TU_MINUTE, TU_SECOND, TU_MILLI, TU_MICRO } trunc_unit;

static trunc_unit parse_unit(const lago_str *s) {
  static const struct {
    const char *name;
    trunc_unit u;
  } units[] = {{"YEAR", TU_YEAR},     {"YYYY", TU_YEAR},       {"YY", TU_YEAR},        {"QUARTER", TU_QUARTER},
               {"MONTH", TU_MONTH},   {"MM", TU_MONTH},        {"MON", TU_MONTH},      {"WEEK", TU_WEEK},
               {"DAY", TU_DAY},       {"DD", TU_DAY},          {"HOUR", TU_HOUR},      {"MINUTE", TU_MINUTE},
               {"SECOND", TU_SECOND}, {"MILLISECOND", TU_MILLI}, {"MICROSECOND", TU_MICRO}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen(units[i].name) == s->len && !strncasecmp(units[i].name, str_data(s), s->len)) return units[i].u;
  return TU_NONE;
}

static int64_t trunc_days(int64_t days, trunc_unit u) {
  if (u == TU_WEEK) return days - (iso_dow(days) - 1);
  if (u != TU_YEAR && u != TU_QUARTER && u != TU_MONTH) return days;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  switch (u) {
    case TU_YEAR: return days_from_civil(y, 1, 1);
    case TU_QUARTER: return days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case TU_MONTH: return days_from_civil(y, m, 1);
    default: return days;
  }
}

/* date_trunc(unit, ts) -> TIMESTAMP */
static int k_date_trunc(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view u, t;
  vec_view_init(&u, args[0]);
  vec_view_init(&t, args[1]);
  const int64_t *ts = t.data;
  int64_t *o = out->data;
  /* The unit is almost always a literal: parse it once. */
  trunc_unit cu = TU_NONE;
  if (u.is_const && (!u.validity || bitmap_get(u.validity, 0))) {
    cu = parse_unit(&((const lago_str *)u.data)[VIEW_IDX(&u, 0)]);
    if (cu == TU_DAY) { /* floor to midnight: no calendar arithmetic */
      for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (FN_ROW_VALID(out, r) &&
            __builtin_mul_overflow(floor_div64(ts[VIEW_IDX(&t, r)], MICROS_PER_DAY), MICROS_PER_DAY, &o[r]))
          TRY(vec_set_null(out, r)); /* before year -292275: not representable */
      }
      return LAGO_OK;
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    trunc_unit un = u.is_const ? cu : parse_unit(&((const lago_str *)u.data)[VIEW_IDX(&u, r)]);
    int64_t v = ts[VIEW_IDX(&t, r)];
    int64_t days = floor_div64(v, MICROS_PER_DAY), tod = floor_mod64(v, MICROS_PER_DAY);
    switch (un) {
      case TU_NONE: TRY(vec_set_null(out, r)); continue;
      case TU_YEAR: case TU_QUARTER: case TU_MONTH: case TU_WEEK: case TU_DAY:
        if (__builtin_mul_overflow(trunc_days(days, un), MICROS_PER_DAY, &o[r])) TRY(vec_set_null(out, r));
        break;
      case TU_HOUR: o[r] = days * MICROS_PER_DAY + tod / 3600000000LL * 3600000000LL; break;
      case TU_MINUTE: o[r] = days * MICROS_PER_DAY + tod / 60000000LL * 60000000LL; break;
      case TU_SECOND: o[r] = days * MICROS_PER_DAY + tod / 1000000LL * 1000000LL; break;
      case TU_MILLI: o[r] = days * MICROS_PER_DAY + tod / 1000LL * 1000LL; break;
      case TU_MICRO: o[r] = v; break;
    }
  }
  (void)c;
  return LAGO_OK;
}

/* trunc(date, unit) -> DATE; only year/quarter/month/week units. */
static int k_trunc_date(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view d, u;
  vec_view_init(&d, args[0]);
  vec_view_init(&u, args[1]);
  int32_t *o = out->data;
  trunc_unit cu = TU_NONE; /* a literal unit, parsed once */
  if (u.is_const && (!u.validity || bitmap_get(u.validity, 0))) cu = parse_unit(&((const lago_str *)u.data)[VIEW_IDX(&u, 0)]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    trunc_unit un = u.is_const && cu != TU_NONE ? cu : parse_unit(&((const lago_str *)u.data)[VIEW_IDX(&u, r)]);
    if (un != TU_YEAR && un != TU_QUARTER && un != TU_MONTH && un != TU_WEEK) {
      TRY(vec_set_null(out, r));
      continue;
    }
    o[r] = (int32_t)trunc_days(((const int32_t *)d.data)[VIEW_IDX(&d, r)], un);
  }
  (void)c;
  return LAGO_OK;
}

/* ---- current time ---------------------------------------------------------------------------- */

static int k_current_date(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)args;
  int32_t today = (int32_t)floor_div64(c->ec->now_us, MICROS_PER_DAY);
  EVAL_FOR(sel, n, r, ((int32_t *)out->data)[r] = today;);
  return LAGO_OK;
}

static int k_current_ts(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)args;
  EVAL_FOR(sel, n, r, ((int64_t *)out->data)[r] = c->ec->now_us;);
  return LAGO_OK;
}

/* ---- patterns ------------------------------------------------------------------------------------ */

typedef struct dt_fields {
  int64_t year;
  int month, day, hour, minute, second, micros, doy;
  bool pm, has_ampm, has_doy;
} dt_fields;

/* Length of the run of pattern letter ch at p. */
static int run_len(const char *p, uint32_t n, uint32_t i) {
  int k = 1;
  while (i + (uint32_t)k < n && p[i + (uint32_t)k] == p[i]) k++;
  return k;
}

static bool is_letter(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/* Reads 1..max digits (exactly `exact` when > 0). */
static bool read_num(const char *s, uint32_t sn, uint32_t *si, int min, int max, int64_t *out) {
  int64_t v = 0;
  if (max > 18) max = 18;
  if (min > max) return false;
  int k = 0;
  while (*si < sn && k < max && s[*si] >= '0' && s[*si] <= '9') {
    v = v * 10 + (s[(*si)++] - '0');
    k++;
  }
  if (k < min) return false;
  *out = v;
  return true;
}

static bool match_name(const char *s, uint32_t sn, uint32_t *si, const char *const *names, int count, bool abbrev,
                       int *out) {
  for (int i = 0; i < count; i++) {
    size_t l = abbrev ? 3 : strlen(names[i]);
    if (*si + l <= sn && !strncasecmp(s + *si, names[i], l)) {
      *si += (uint32_t)l;
      *out = i;
      return true;
    }
  }
  return false;
}

/* Parses s with pattern p into micros since the epoch. false on mismatch. */
static bool dt_parse(const char *s, uint32_t sn, const char *p, uint32_t pn, int64_t *out) {
  dt_fields f = {1970, 1, 1, 0, 0, 0, 0, 0, false, false, false};
  uint32_t si = 0, pi = 0;
  while (pi < pn) {
    char ch = p[pi];
    if (ch == '\'') {
      uint32_t e = pi + 1;
      while (e < pn && p[e] != '\'') e++;
      uint32_t l = e - pi - 1;
      if (l == 0) { /* '' is a quote */
        if (si >= sn || s[si] != '\'') return false;
        si++;
      } else {
        if (si + l > sn || memcmp(s + si, p + pi + 1, l)) return false;
        si += l;
      }
      pi = e < pn ? e + 1 : e;
      continue;
    }
    if (!is_letter(ch)) {
      if (si >= sn || s[si] != ch) return false;
      si++;
      pi++;
      continue;
    }
    int k = run_len(p, pn, pi);
    pi += (uint32_t)k;
    int64_t v;
    int idx;
    switch (ch) {
      case 'y':
        if (k == 2) {
          if (!read_num(s, sn, &si, 2, 2, &v)) return false;
          f.year = 2000 + v;
        } else {
          if (!read_num(s, sn, &si, k < 4 ? 1 : k, 9, &v)) return false;
          f.year = v;
        }
        break;
      case 'M':
      case 'L':
        if (k >= 3) {
          if (!match_name(s, sn, &si, k_month_names, 12, k == 3, &idx)) return false;
          f.month = idx + 1;
        } else {
          if (!read_num(s, sn, &si, k, 2, &v)) return false;
          f.month = (int)v;
        }
        break;
      case 'd': if (!read_num(s, sn, &si, k, 2, &v)) return false; f.day = (int)v; break;
      case 'D': if (!read_num(s, sn, &si, k, 3, &v)) return false; f.doy = (int)v; f.has_doy = true; break;
      case 'H': case 'k': if (!read_num(s, sn, &si, k, 2, &v)) return false; f.hour = (int)v; break;
      case 'h': case 'K': if (!read_num(s, sn, &si, k, 2, &v)) return false; f.hour = (int)v % 12; break;
      case 'm': if (!read_num(s, sn, &si, k, 2, &v)) return false; f.minute = (int)v; break;
      case 's': if (!read_num(s, sn, &si, k, 2, &v)) return false; f.second = (int)v; break;
      case 'S': {
        if (k > 9 || !read_num(s, sn, &si, k, k, &v)) return false;
        for (int z = k; z < 6; z++) v *= 10;
        for (int z = 6; z < k; z++) v /= 10;
        f.micros = (int)v;
        break;
      }
      case 'a':
        if (si + 2 > sn) return false;
        if (!strncasecmp(s + si, "AM", 2)) f.pm = false;
        else if (!strncasecmp(s + si, "PM", 2)) f.pm = true;
        else return false;
        f.has_ampm = true;
        si += 2;
        break;
      case 'E': {
        int dummy;
        if (!match_name(s, sn, &si, k_day_names, 7, k <= 3, &dummy)) return false;
        break;
      }
      default: return false;
    }
  }
  if (si != sn) return false;
  if (f.has_ampm && f.pm) f.hour += 12;
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return false;
  int64_t days;
  if (f.has_doy) {
    if (f.doy < 1 || f.doy > 365 + (int)is_leap(f.year)) return false;
    days = days_from_civil(f.year, 1, 1) + f.doy - 1;
  } else {
    if (!date_valid(f.year, (unsigned)f.month, (unsigned)f.day)) return false;
    days = days_from_civil(f.year, (unsigned)f.month, (unsigned)f.day);
  }
  int64_t base;
  if (__builtin_mul_overflow(days, MICROS_PER_DAY, &base)) return false; /* beyond the timestamp range */
  int64_t tod = ((int64_t)f.hour * 3600 + f.minute * 60 + f.second) * MICROS_PER_SEC + f.micros;
  if (__builtin_add_overflow(base, tod, out)) return false;
  return true;
}

/* Formats micros with pattern p into b. */
static int dt_format(int64_t us, const char *p, uint32_t pn, buf *b) {
  int64_t days = floor_div64(us, MICROS_PER_DAY), tod = floor_mod64(us, MICROS_PER_DAY), y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  int64_t secs = tod / MICROS_PER_SEC;
  int hour = (int)(secs / 3600), minute = (int)(secs / 60 % 60), second = (int)(secs % 60);
  int micros = (int)(tod % MICROS_PER_SEC);
  uint32_t pi = 0;
  while (pi < pn) {
    char ch = p[pi];
    if (ch == '\'') {
      uint32_t e = pi + 1;
      while (e < pn && p[e] != '\'') e++;
      if (e == pi + 1) TRY(buf_putc(b, '\''));
      else TRY(buf_append(b, p + pi + 1, e - pi - 1));
      pi = e < pn ? e + 1 : e;
      continue;
    }
    if (!is_letter(ch)) {
      TRY(buf_putc(b, ch));
      pi++;
      continue;
    }
    int k = run_len(p, pn, pi);
    pi += (uint32_t)k;
    switch (ch) {
      case 'y':
        if (k == 2) TRY(buf_printf(b, "%02lld", (long long)(floor_mod64(y, 100))));
        else TRY(buf_printf(b, "%0*lld", k, (long long)y));
        break;
      case 'M':
      case 'L':
        if (k == 3) TRY(buf_printf(b, "%.3s", k_month_names[m - 1]));
        else if (k >= 4) TRY(buf_puts(b, k_month_names[m - 1]));
        else TRY(buf_printf(b, "%0*u", k, m));
        break;
      case 'd': TRY(buf_printf(b, "%0*u", k, d)); break;
      case 'D': TRY(buf_printf(b, "%0*lld", k, (long long)(days - days_from_civil(y, 1, 1) + 1))); break;
      case 'H': case 'k': TRY(buf_printf(b, "%0*d", k, hour)); break;
      case 'h': case 'K': TRY(buf_printf(b, "%0*d", k, hour % 12 == 0 && ch == 'h' ? 12 : hour % 12)); break;
      case 'm': TRY(buf_printf(b, "%0*d", k, minute)); break;
      case 's': TRY(buf_printf(b, "%0*d", k, second)); break;
      case 'S': {
        char fr[8];
        snprintf(fr, sizeof fr, "%06d", micros);
        for (int z = 0; z < k; z++) TRY(buf_putc(b, z < 6 ? fr[z] : '0'));
        break;
      }
      case 'a': TRY(buf_puts(b, hour < 12 ? "AM" : "PM")); break;
      case 'E': {
        const char *dn = k_day_names[iso_dow(days) - 1];
        if (k <= 3) TRY(buf_printf(b, "%.3s", dn));
        else TRY(buf_puts(b, dn));
        break;
      }
      default: return LAGO_PARSE;
    }
  }
  return LAGO_OK;
}

/* to_date / to_timestamp / try_to_timestamp(str[, fmt]). info: 'd' date, 't' ts, 'T' try ts, 'D' try date. */
static int k_to_datetime(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  char mode = *(const char *)c->e->u.call.def->info;
  bool to_date = mode == 'd' || mode == 'D', try_ = mode == 'T' || mode == 'D';
  vec_view s, f;
  vec_view_init(&s, args[0]);
  bool has_fmt = c->e->n_args > 1;
  if (has_fmt) vec_view_init(&f, args[1]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *str = &((const lago_str *)s.data)[VIEW_IDX(&s, r)];
    int64_t us = 0;
    int32_t days = 0;
    bool ok, have_days = false;
    if (has_fmt) {
      const lago_str *fs = &((const lago_str *)f.data)[VIEW_IDX(&f, r)];
      ok = dt_parse(str_data(str), str->len, str_data(fs), fs->len, &us);
    } else if (to_date) {
      ok = parse_date(str_data(str), str->len, &days) == 0;
      have_days = true;
    } else {
      bool zone;
      ok = parse_timestamp(str_data(str), str->len, &us, &zone) == 0;
    }
    if (!ok) {
      if (try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return FN_ERR(c, "[CANNOT_PARSE_TIMESTAMP] Text '%.*s' could not be parsed. Use `try_to_timestamp` to tolerate "
                       "invalid input string and return NULL instead.",
                    (int)(str->len > 200 ? 200 : str->len), str_data(str));
    }
    if (to_date) ((int32_t *)out->data)[r] = have_days ? days : (int32_t)floor_div64(us, MICROS_PER_DAY);
    else ((int64_t *)out->data)[r] = us;
  }
  return LAGO_OK;
}

/* date_format(ts, fmt) and from_unixtime(secs[, fmt]) (info 'f' / 'u'). */
static int k_date_format(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool unix_in = *(const char *)c->e->u.call.def->info == 'u';
  vec_view t, f;
  vec_view_init(&t, args[0]);
  bool has_fmt = c->e->n_args > 1;
  if (has_fmt) vec_view_init(&f, args[1]);
  lago_type_id tid = (lago_type_id)c->e->args[0]->type.id;
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ix = VIEW_IDX(&t, r);
    int64_t us;
    bool over = false;
    if (unix_in) over = __builtin_mul_overflow(((const int64_t *)t.data)[ix], MICROS_PER_SEC, &us);
    else if (tid == LT_DATE) over = __builtin_mul_overflow((int64_t)((const int32_t *)t.data)[ix], MICROS_PER_DAY, &us);
    else us = ((const int64_t *)t.data)[ix];
    if (over) {
      rc = FN_ERR(c, "[DATETIME_OVERFLOW] the value is out of the timestamp range in %s", c->e->u.call.def->name);
      break;
    }
    lago_str fs = has_fmt ? ((const lago_str *)f.data)[VIEW_IDX(&f, r)] : str_make("yyyy-MM-dd HH:mm:ss", 19);
    buf_clear(&b);
    rc = dt_format(us, str_data(&fs), fs.len, &b);
    if (rc == LAGO_PARSE) {
      rc = FN_ERR(c, "[INVALID_DATETIME_PATTERN] unsupported pattern '%.*s'", (int)fs.len, str_data(&fs));
      break;
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, buf_cstr(&b), (uint32_t)b.len);
    if (rc == LAGO_NOMEM) rc = LAGO_NOMEM_ERR(c->ec->err);
  }
  buf_deinit(&b);
  return rc;
}

/* Conversions between timestamps/dates and epoch numbers. info selects. */
static int k_epoch(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  char m = *(const char *)c->e->u.call.def->info;
  vec_view a;
  vec_view_init(&a, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ix = VIEW_IDX(&a, r);
    switch (m) {
      case 'u': /* unix_timestamp(ts) / unix_seconds */
        ((int64_t *)out->data)[r] = floor_div64(((const int64_t *)a.data)[ix], MICROS_PER_SEC);
        break;
      case 'l': ((int64_t *)out->data)[r] = floor_div64(((const int64_t *)a.data)[ix], 1000); break;
      case 'c': ((int64_t *)out->data)[r] = ((const int64_t *)a.data)[ix]; break;
      case 'd': ((int32_t *)out->data)[r] = ((const int32_t *)a.data)[ix]; break; /* unix_date */
      case 'D': ((int32_t *)out->data)[r] = ((const int32_t *)a.data)[ix]; break; /* date_from_unix_date */
      case 's': case 'L': case 'C': {
        int64_t v = ((const int64_t *)a.data)[ix], res;
        int64_t mul = m == 's' ? MICROS_PER_SEC : m == 'L' ? 1000 : 1;
        if (__builtin_mul_overflow(v, mul, &res)) return FN_ERR(c, "[ARITHMETIC_OVERFLOW] long overflow in %s", c->e->u.call.def->name);
        ((int64_t *)out->data)[r] = res;
        break;
      }
    }
  }
  return LAGO_OK;
}

/* ---- table ---------------------------------------------------------------------------------------- */

#define DF(nm, k) {nm, 1, 1, 0, bind_date_field, k_extract, {0}, k}
#define TF(nm, k) {nm, 1, 1, 0, bind_time_field, k_extract, {0}, k}

const func_def func_defs_datetime[] = {
    DF("year", "y"),
    DF("quarter", "q"),
    DF("month", "m"),
    DF("day", "d"),
    DF("dayofmonth", "d"),
    DF("dayofweek", "w"),
    DF("weekday", "W"),
    DF("dayofyear", "j"),
    DF("weekofyear", "k"),
    TF("hour", "h"),
    TF("minute", "n"),
    TF("second", "s"),
    {"date_add", 2, 2, 0, func_bind_sig, k_date_add, SIG(LT_DATE, LT_DATE, LT_INT), "a"},
    {"dateadd", 2, 2, 0, func_bind_sig, k_date_add, SIG(LT_DATE, LT_DATE, LT_INT), "a"},
    {"date_sub", 2, 2, 0, func_bind_sig, k_date_add, SIG(LT_DATE, LT_DATE, LT_INT), "s"},
    {"datediff", 2, 2, 0, func_bind_sig, k_datediff, SIG(LT_INT, LT_DATE, LT_DATE), NULL},
    {"add_months", 2, 2, 0, func_bind_sig, k_add_months, SIG(LT_DATE, LT_DATE, LT_INT), NULL},
    {"last_day", 1, 1, 0, func_bind_sig, k_last_day, SIG(LT_DATE, LT_DATE), NULL},
    {"make_date", 3, 3, 0, func_bind_sig, k_make_date, SIG(LT_DATE, LT_INT, LT_INT, LT_INT), NULL},
    {"date_trunc", 2, 2, 0, func_bind_sig, k_date_trunc, SIG(LT_TIMESTAMP, LT_STRING, LT_TIMESTAMP), NULL},
    {"trunc", 2, 2, 0, func_bind_sig, k_trunc_date, SIG(LT_DATE, LT_DATE, LT_STRING), NULL},
    {"current_date", 0, 0, 0, func_bind_sig, k_current_date, SIG(LT_DATE), NULL},
    {"curdate", 0, 0, 0, func_bind_sig, k_current_date, SIG(LT_DATE), NULL},
    {"current_timestamp", 0, 0, 0, func_bind_sig, k_current_ts, SIG(LT_TIMESTAMP), NULL},
    {"now", 0, 0, 0, func_bind_sig, k_current_ts, SIG(LT_TIMESTAMP), NULL},
    {"to_date", 1, 2, 0, func_bind_sig, k_to_datetime, SIG(LT_DATE, LT_STRING, LT_STRING), "d"},
    {"try_to_date", 1, 2, 0, func_bind_sig, k_to_datetime, SIG(LT_DATE, LT_STRING, LT_STRING), "D"},
    {"to_timestamp", 1, 2, 0, func_bind_sig, k_to_datetime, SIG(LT_TIMESTAMP, LT_STRING, LT_STRING), "t"},
    {"try_to_timestamp", 1, 2, 0, func_bind_sig, k_to_datetime, SIG(LT_TIMESTAMP, LT_STRING, LT_STRING), "T"},
    {"date_format", 2, 2, 0, func_bind_sig, k_date_format, SIG(LT_STRING, LT_TIMESTAMP, LT_STRING), "f"},
    {"from_unixtime", 1, 2, 0, func_bind_sig, k_date_format, SIG(LT_STRING, LT_BIGINT, LT_STRING), "u"},
    {"unix_timestamp", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_BIGINT, LT_TIMESTAMP), "u"},
    {"unix_seconds", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_BIGINT, LT_TIMESTAMP), "u"},
    {"unix_millis", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_BIGINT, LT_TIMESTAMP), "l"},
    {"unix_micros", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_BIGINT, LT_TIMESTAMP), "c"},
    {"unix_date", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_INT, LT_DATE), "d"},
    {"date_from_unix_date", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_DATE, LT_INT), "D"},
    {"timestamp_seconds", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_TIMESTAMP, LT_BIGINT), "s"},
    {"timestamp_millis", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_TIMESTAMP, LT_BIGINT), "L"},
    {"timestamp_micros", 1, 1, 0, func_bind_sig, k_epoch, SIG(LT_TIMESTAMP, LT_BIGINT), "C"},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
