/*
** exec/func_zone.c: datetime functions with explicit time zones or Spark-specific
** arithmetic (the session-zone variants of the classic ones live in func_datetime.c).
**
**   from_utc_timestamp(ts, zone)   wall-clock time of ts in zone, as a TIMESTAMP "in UTC"
**                                  (Spark convertTz(ts, UTC, zone))
**   to_utc_timestamp(ts, zone)     the inverse: ts read as wall-clock time in zone; local
**                                  times in a DST gap move forward by the gap, times in an
**                                  overlap take the earlier instant (java.time rules)
**   months_between(t1, t2[, roundOff])  Spark DateTimeUtils.monthsBetween: whole months
**                                  when the days of month are equal or both are month
**                                  ends, else the month difference plus the difference
**                                  of (day, time of day) over a 31-day month; rounded to
**                                  8 digits unless roundOff is false. Dates are local
**                                  dates in the session zone.
**   make_timestamp(y, mo, d, h, mi, sec[, zone]), make_timestamp_ltz (same),
**   try_make_timestamp             sec is DECIMAL(16,6); 60 is allowed with no
**                                  fraction and means the next minute. ANSI: invalid
**                                  fields raise [DATETIME_FIELD_OUT_OF_BOUNDS]; try_
**                                  gives NULL. Without zone the session zone applies.
**
**   timestampdiff(unit, t1, t2)    ChronoUnit.between of the local date-times (the binder turns
**                                  date_diff/datediff/timestamp_diff(UNIT, a, b) into this)
**   timestampadd(unit, n, ts)      months/days on the local date-time, smaller units on the instant
**                                  (dateadd/date_add/timestamp_add(UNIT, n, ts))
**
** Zone names are those of util/tz.h. A constant zone is loaded once at bind time (in the
** plan's arena); a zone column is loaded per batch with a one-entry cache. An unknown
** zone raises [INVALID_TIMEZONE] when a row needs it.
*/
#include <math.h>
#include <string.h>
#include <strings.h>

#include "exec/func.h"
#include "exec/vecops.h"
#include "util/datetime.h"
#include "util/tz.h"

/* Zone for row r: the bind-time constant, or loaded from the zone argument. */
typedef struct zone_cache {
  const tz_zone *z;
  lago_str name;
} zone_cache;

static int zone_of(fn_call *c, const vec_view *zv, uint32_t r, zone_cache *zc, const tz_zone **out) {
  if (c->e->u.call.bind) {
    *out = c->e->u.call.bind;
    return LAGO_OK;
  }
  const lago_str *s = &((const lago_str *)zv->data)[VIEW_IDX(zv, r)];
  if (zc->z && zc->name.len == s->len && !memcmp(str_data(&zc->name), str_data(s), s->len)) {
    *out = zc->z;
    return LAGO_OK;
  }
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = tz_load(c->ec->ar, str_data(s), s->len, out, &tmp);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(c->ec->err);
  if (rc) return FN_ERR(c, "%s", tmp.msg);
  zc->z = *out;
  zc->name = *s;
  return LAGO_OK;
}

/* Loads a constant zone argument at bind time; leaves b->data NULL when it is not a constant or not valid. */
static int bind_const_zone(func_bind *b, uint32_t i, lago_err *err) {
  if (!b->args || i >= b->n_args || b->args[i]->kind != EXPR_CONST || b->arg_types[i].id != LT_STRING) return LAGO_OK;
  const vec *v = b->args[i]->u.value;
  if (!vec_is_valid(v, 0)) return LAGO_OK;
  uint32_t idx;
  const vec *p = vec_resolve(v, 0, &idx);
  const lago_str *s = &((const lago_str *)p->data)[idx];
  const tz_zone *z;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = tz_load(b->ar, str_data(s), s->len, &z, &tmp);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) b->data = z;
  return LAGO_OK; /* a bad zone fails at run time, when a row reaches it */
}

/* ---- from_utc_timestamp / to_utc_timestamp -------------------------------------------------- */

static int k_utc_shift(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool from = *(const char *)c->e->u.call.def->info == 'f';
  vec_view t, zv;
  vec_view_init(&t, args[0]);
  vec_view_init(&zv, args[1]);
  zone_cache zc = {NULL, {0}};
  int64_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const tz_zone *z;
    TRY(zone_of(c, &zv, r, &zc, &z));
    int64_t v = ((const int64_t *)t.data)[VIEW_IDX(&t, r)];
    o[r] = from ? tz_utc_to_local(z, v) : tz_local_to_utc(z, v);
  }
  return LAGO_OK;
}

static int bind_utc_shift(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_TIMESTAMP && !func_implicit_cast_ok(t, type_make(LT_TIMESTAMP)))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires TIMESTAMP", b->def->name);
  if (!func_implicit_cast_ok(b->arg_types[1], type_make(LT_STRING)))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 2 requires STRING (a time zone)", b->def->name);
  b->casts[0] = type_make(LT_TIMESTAMP);
  b->casts[1] = type_make(LT_STRING);
  b->ret = type_make(LT_TIMESTAMP);
  return bind_const_zone(b, 1, err);
}

/* ---- months_between ------------------------------------------------------------------------ */

static unsigned month_len(int64_t y, unsigned m) {
  static const unsigned md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* Spark DateTimeUtils.monthsBetween over local wall-clock micros. */
static double months_between(int64_t l1, int64_t l2, bool round_off) {
  int64_t d1 = floor_div64(l1, MICROS_PER_DAY), d2 = floor_div64(l2, MICROS_PER_DAY), y1, y2;
  unsigned m1, m2, dd1, dd2;
  civil_from_days(d1, &y1, &m1, &dd1);
  civil_from_days(d2, &y2, &m2, &dd2);
  int64_t month_diff = (y1 - y2) * 12 + (int64_t)m1 - (int64_t)m2;
  bool last1 = dd1 == month_len(y1, m1), last2 = dd2 == month_len(y2, m2);
  if (dd1 == dd2 || (last1 && last2)) return (double)month_diff;
  int64_t s1 = floor_mod64(l1, MICROS_PER_DAY) / MICROS_PER_SEC, s2 = floor_mod64(l2, MICROS_PER_DAY) / MICROS_PER_SEC;
  int64_t secs = ((int64_t)dd1 - (int64_t)dd2) * 86400 + s1 - s2;
  double diff = (double)month_diff + (double)secs / (31.0 * 86400);
  if (round_off) diff = floor(diff * 1e8 + 0.5) / 1e8; /* Java Math.round(diff * 1e8) / 1e8 */
  return diff;
}

static int k_months_between(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, b, ro;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  bool has_ro = c->e->n_args > 2;
  if (has_ro) vec_view_init(&ro, args[2]);
  double *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t t1 = tz_utc_to_local(c->ec->tz, ((const int64_t *)a.data)[VIEW_IDX(&a, r)]);
    int64_t t2 = tz_utc_to_local(c->ec->tz, ((const int64_t *)b.data)[VIEW_IDX(&b, r)]);
    bool round_off = !has_ro || ((const uint8_t *)ro.data)[VIEW_IDX(&ro, r)];
    o[r] = months_between(t1, t2, round_off);
  });
  return LAGO_OK;
}

/* ---- make_timestamp -------------------------------------------------------------------------- */

static int k_make_ts(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool try_ = *(const char *)c->e->u.call.def->info == 't';
  vec_view v[7];
  for (uint32_t k = 0; k < c->e->n_args; k++) vec_view_init(&v[k], args[k]);
  bool has_zone = c->e->n_args > 6;
  zone_cache zc = {NULL, {0}};
  int64_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int32_t f[5];
    for (int k = 0; k < 5; k++) f[k] = ((const int32_t *)v[k].data)[VIEW_IDX(&v[k], r)];
    int64_t sec_us = ((const int64_t *)v[5].data)[VIEW_IDX(&v[5], r)]; /* DECIMAL(16,6): unscaled = micros */
    bool ok = f[1] >= 1 && f[1] <= 12 && f[2] >= 1 && f[0] >= -290000 && f[0] <= 290000 &&
              date_valid(f[0], (unsigned)f[1], (unsigned)f[2]) && f[3] >= 0 && f[3] <= 23 && f[4] >= 0 &&
              f[4] <= 59 && sec_us >= 0 && (sec_us < 60 * MICROS_PER_SEC || sec_us == 60 * MICROS_PER_SEC);
    if (!ok) {
      if (try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return FN_ERR(c,
                    "[DATETIME_FIELD_OUT_OF_BOUNDS] Invalid timestamp fields: year %d, month %d, day %d, hour %d, "
                    "minute %d, seconds %lld.%06lld. Use `try_make_timestamp` to tolerate invalid input and return "
                    "NULL instead.",
                    f[0], f[1], f[2], f[3], f[4], (long long)(sec_us / MICROS_PER_SEC),
                    (long long)(sec_us % MICROS_PER_SEC < 0 ? -(sec_us % MICROS_PER_SEC) : sec_us % MICROS_PER_SEC));
    }
    int64_t local = days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]) * MICROS_PER_DAY +
                    ((int64_t)f[3] * 3600 + (int64_t)f[4] * 60) * MICROS_PER_SEC + sec_us;
    const tz_zone *z = c->ec->tz;
    if (has_zone) TRY(zone_of(c, &v[6], r, &zc, &z));
    o[r] = tz_local_to_utc(z, local);
  }
  return LAGO_OK;
}

static int bind_make_ts(func_bind *b, lago_err *err) {
  static const char *const what[] = {"year", "month", "day", "hour", "minute", "second"};
  for (uint32_t k = 0; k < 5; k++) {
    if (!func_implicit_cast_ok(b->arg_types[k], type_make(LT_INT)))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: %s requires INT", b->def->name, what[k]);
    b->casts[k] = type_make(LT_INT);
  }
  lago_type st = b->arg_types[5];
  if (st.id != LT_NULL && !type_is_numeric(st) && st.id != LT_STRING)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: second requires DECIMAL(16,6)", b->def->name);
  b->casts[5] = type_decimal(16, 6);
  if (b->n_args > 6) {
    if (!func_implicit_cast_ok(b->arg_types[6], type_make(LT_STRING)))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: timezone requires STRING", b->def->name);
    b->casts[6] = type_make(LT_STRING);
    TRY(bind_const_zone(b, 6, err));
  }
  b->ret = type_make(LT_TIMESTAMP);
  return LAGO_OK;
}

/* ---- timestampdiff / timestampadd ------------------------------------------------------------- */

typedef enum { DU_NONE, DU_MICRO, DU_MILLI, DU_SECOND, DU_MINUTE, DU_HOUR, DU_DAY, DU_WEEK, DU_MONTH, DU_QUARTER, DU_YEAR } dt_unit;

static dt_unit parse_dt_unit(const lago_str *s) {
  static const struct {
    const char *name;
    dt_unit u;
  } units[] = {{"MICROSECOND", DU_MICRO}, {"MILLISECOND", DU_MILLI}, {"SECOND", DU_SECOND}, {"MINUTE", DU_MINUTE},
               {"HOUR", DU_HOUR},         {"DAY", DU_DAY},          {"DAYOFYEAR", DU_DAY}, {"WEEK", DU_WEEK},
               {"MONTH", DU_MONTH},       {"QUARTER", DU_QUARTER},  {"YEAR", DU_YEAR}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen(units[i].name) == s->len && !strncasecmp(units[i].name, str_data(s), s->len)) return units[i].u;
  return DU_NONE;
}

static const int64_t k_unit_us[] = {0, 1, 1000, MICROS_PER_SEC, 60 * MICROS_PER_SEC, 3600 * MICROS_PER_SEC};

/* java.time LocalDate.until in months: (packed2 - packed1) / 32 with packed = month * 32 + day. */
static int64_t months_until(int64_t d1, int64_t d2) {
  int64_t y1, y2;
  unsigned m1, m2, dd1, dd2;
  civil_from_days(d1, &y1, &m1, &dd1);
  civil_from_days(d2, &y2, &m2, &dd2);
  int64_t p1 = (y1 * 12 + m1 - 1) * 32 + dd1, p2 = (y2 * 12 + m2 - 1) * 32 + dd2;
  return (p2 - p1) / 32;
}

/*
** Spark DateTimeUtils.timestampDiff: ChronoUnit.between on the local date-times of the
** session zone. Time units: the difference truncated toward zero; date units: whole
** days/months, where the end date steps back (forward) a day when its time of day has not
** reached the start's.
*/
static int64_t ts_diff(dt_unit u, int64_t a, int64_t b) {
  if (u <= DU_HOUR) {
    __int128 d = (__int128)b - a;
    return (int64_t)(d / k_unit_us[u]);
  }
  int64_t da = floor_div64(a, MICROS_PER_DAY), db = floor_div64(b, MICROS_PER_DAY);
  int64_t ta = floor_mod64(a, MICROS_PER_DAY), tb = floor_mod64(b, MICROS_PER_DAY);
  if (db > da && tb < ta) db--;
  else if (db < da && tb > ta) db++;
  switch (u) {
    case DU_DAY: return db - da;
    case DU_WEEK: return (db - da) / 7;
    case DU_MONTH: return months_until(da, db);
    case DU_QUARTER: return months_until(da, db) / 3;
    default: return months_until(da, db) / 12;
  }
}

static int unit_arg(fn_call *c, const vec_view *uv, uint32_t r, dt_unit *out) {
  const lago_str *s = &((const lago_str *)uv->data)[VIEW_IDX(uv, r)];
  *out = parse_dt_unit(s);
  if (*out == DU_NONE)
    return FN_ERR(c, "[INVALID_PARAMETER_VALUE.DATETIME_UNIT] The value of parameter `unit` in `%s` is invalid: "
                     "expects one of the units without quotes YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFYEAR, HOUR, "
                     "MINUTE, SECOND, MILLISECOND, MICROSECOND, but got '%.*s'.",
                  c->e->u.call.def->name, (int)(s->len > 40 ? 40 : s->len), str_data(s));
  return LAGO_OK;
}

static int k_ts_diff(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view u, a, b;
  vec_view_init(&u, args[0]);
  vec_view_init(&a, args[1]);
  vec_view_init(&b, args[2]);
  int64_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    dt_unit un;
    TRY(unit_arg(c, &u, r, &un));
    int64_t x = tz_utc_to_local(c->ec->tz, ((const int64_t *)a.data)[VIEW_IDX(&a, r)]);
    int64_t y = tz_utc_to_local(c->ec->tz, ((const int64_t *)b.data)[VIEW_IDX(&b, r)]);
    o[r] = ts_diff(un, x, y);
  }
  return LAGO_OK;
}

/* Spark DateTimeUtils.timestampAdd: months/days on the local date-time (day of month clamped), then back
** through the zone; smaller units added to the instant. Overflow raises [DATETIME_OVERFLOW]. */
static int k_ts_add(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view u, q, t;
  vec_view_init(&u, args[0]);
  vec_view_init(&q, args[1]);
  vec_view_init(&t, args[2]);
  int64_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    dt_unit un;
    TRY(unit_arg(c, &u, r, &un));
    int64_t qty = ((const int64_t *)q.data)[VIEW_IDX(&q, r)], ts = ((const int64_t *)t.data)[VIEW_IDX(&t, r)], res;
    bool over;
    if (un <= DU_HOUR) {
      int64_t d;
      over = __builtin_mul_overflow(qty, k_unit_us[un], &d) || __builtin_add_overflow(ts, d, &res);
    } else {
      int64_t local = tz_utc_to_local(c->ec->tz, ts);
      int64_t days = floor_div64(local, MICROS_PER_DAY), tod = floor_mod64(local, MICROS_PER_DAY), y;
      unsigned m, d;
      civil_from_days(days, &y, &m, &d);
      over = false;
      if (un == DU_DAY || un == DU_WEEK) {
        over = qty > INT64_C(100000000) || qty < -INT64_C(100000000) ||
               __builtin_add_overflow(days, un == DU_WEEK ? qty * 7 : qty, &days);
      } else {
        int64_t months = un == DU_MONTH ? qty : un == DU_QUARTER ? qty * 3 : qty * 12;
        if (qty > INT64_C(10000000) || qty < -INT64_C(10000000)) over = true;
        else {
          int64_t total = y * 12 + (m - 1) + months, ny = floor_div64(total, 12);
          unsigned nm = (unsigned)floor_mod64(total, 12) + 1, ml = month_len(ny, nm);
          days = days_from_civil(ny, nm, d > ml ? ml : d);
        }
      }
      int64_t nl;
      over = over || __builtin_mul_overflow(days, MICROS_PER_DAY, &nl) || __builtin_add_overflow(nl, tod, &nl);
      if (!over) res = tz_local_to_utc(c->ec->tz, nl);
    }
    if (over)
    {
      const lago_str *us = &((const lago_str *)u.data)[VIEW_IDX(&u, r)];
      return FN_ERR(c, "[DATETIME_OVERFLOW] Datetime operation overflow: add %lld %.*s to TIMESTAMP.", (long long)qty,
                    (int)us->len, str_data(us));
    }
    o[r] = res;
  }
  return LAGO_OK;
}

const func_def func_defs_zone[] = {
    {"timestampdiff", 3, 3, 0, func_bind_sig, k_ts_diff, SIG(LT_BIGINT, LT_STRING, LT_TIMESTAMP, LT_TIMESTAMP), NULL},
    {"timestampadd", 3, 3, 0, func_bind_sig, k_ts_add, SIG(LT_TIMESTAMP, LT_STRING, LT_BIGINT, LT_TIMESTAMP), NULL},
    {"from_utc_timestamp", 2, 2, 0, bind_utc_shift, k_utc_shift, {0}, "f"},
    {"to_utc_timestamp", 2, 2, 0, bind_utc_shift, k_utc_shift, {0}, "t"},
    {"months_between", 2, 3, 0, func_bind_sig, k_months_between, SIG(LT_DOUBLE, LT_TIMESTAMP, LT_TIMESTAMP, LT_BOOLEAN),
     NULL},
    {"make_timestamp", 6, 7, 0, bind_make_ts, k_make_ts, {0}, "m"},
    {"make_timestamp_ltz", 6, 7, 0, bind_make_ts, k_make_ts, {0}, "m"},
    {"try_make_timestamp", 6, 7, 0, bind_make_ts, k_make_ts, {0}, "t"},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
