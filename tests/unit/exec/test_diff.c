/*
** tests/unit/exec/test_diff.c: randomized differential tests. Random tables
** (integers with NULLs, strings of several lengths, decimals) are joined,
** grouped, sorted, windowed and deduplicated by the executor with 1 thread,
** 2 threads and a tiny memory limit, and compared row for row with
** brute-force reference results computed naively here.
*/
#include "exec_test.h"

static arena *A;
static lago_err E;
static uint64_t R;

static uint64_t rnd(void) {
  R ^= R << 13;
  R ^= R >> 7;
  R ^= R << 17;
  return R;
}

typedef struct row {
  int64_t id;
  int32_t k;
  bool k_null;
  int64_t x;
  bool x_null;
  char s[32];
  bool s_null;
  int64_t d; /* DECIMAL(10,2) unscaled */
  bool d_null;
} row;

static const char *const POOL[] = {"a", "bb", "ccc", "same-prefix-long-1", "same-prefix-long-2", "zz", "",
                                   "mid", "same-prefix-long-10", "Émile", "x y", "tail"};

static void gen(row *rs, uint32_t n, uint32_t kmax) {
  for (uint32_t i = 0; i < n; i++) {
    row *r = &rs[i];
    r->id = i;
    r->k_null = rnd() % 10 == 0;
    r->k = (int32_t)(rnd() % kmax);
    r->x_null = rnd() % 10 == 0;
    r->x = (int64_t)(rnd() % 2001) - 1000;
    r->s_null = rnd() % 20 == 0;
    snprintf(r->s, sizeof r->s, "%s", POOL[rnd() % (sizeof POOL / sizeof POOL[0])]);
    r->d_null = rnd() % 8 == 0;
    r->d = (int64_t)(rnd() % 200001) - 100000;
  }
}

static memsource *to_source(const row *rs, uint32_t n) {
  lago_type ts[5] = {type_make(LT_BIGINT), type_make(LT_INT), type_make(LT_BIGINT), type_make(LT_STRING),
                     type_decimal(10, 2)};
  memsource *m = memsource_new(5, ts, NULL, "r");
  for (uint32_t done = 0; done < n; done += 2048) {
    uint32_t take = n - done < 2048 ? n - done : 2048;
    arena *tmp = arena_new("gen", 1 << 16);
    batch *b = batch_new(tmp, 5, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      const row *r = &rs[done + i];
      VEC_DATA(&b->cols[0], int64_t)[i] = r->id;
      if (r->k_null) vec_set_null(&b->cols[1], i);
      else VEC_DATA(&b->cols[1], int32_t)[i] = r->k;
      if (r->x_null) vec_set_null(&b->cols[2], i);
      else VEC_DATA(&b->cols[2], int64_t)[i] = r->x;
      if (r->s_null) vec_set_null(&b->cols[3], i);
      else vec_set_str(&b->cols[3], i, r->s, (uint32_t)strlen(r->s));
      if (r->d_null) vec_set_null(&b->cols[4], i);
      else VEC_DATA(&b->cols[4], int64_t)[i] = r->d;
    }
    batch_set_rows(b, take);
    if (memsource_append(m, b)) test_fail_(__FILE__, __LINE__, "append");
    arena_free(tmp);
  }
  memsource_set_shape(m, 256, 1);
  return m;
}

/* ---- reference text ------------------------------------------------------------------ */

static void put_i(buf *b, bool null, int64_t v) {
  if (null) buf_puts(b, "NULL");
  else buf_printf(b, "%lld", (long long)v);
}
static void put_s(buf *b, bool null, const char *s) { buf_puts(b, null ? "NULL" : s); }
static void put_d(buf *b, bool null, int64_t v) {
  if (null) {
    buf_puts(b, "NULL");
    return;
  }
  char tmp[40];
  snprintf(tmp, sizeof tmp, "%s%lld.%02lld", v < 0 ? "-" : "", (long long)(v < 0 ? -v : v) / 100,
           (long long)(v < 0 ? -v : v) % 100);
  buf_puts(b, tmp);
}
static void put_row(buf *b, const row *r) {
  put_i(b, false, r->id);
  buf_putc(b, ',');
  put_i(b, r->k_null, r->k);
  buf_putc(b, ',');
  put_i(b, r->x_null, r->x);
  buf_putc(b, ',');
  put_s(b, r->s_null, r->s);
  buf_putc(b, ',');
  put_d(b, r->d_null, r->d);
}
static void put_nulls(buf *b) { buf_puts(b, "NULL,NULL,NULL,NULL,NULL"); }

static int line_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorts the lines of a text (for unordered comparisons). */
static const char *sorted_lines(const char *text) {
  size_t n = 0, cap = 256;
  char **ls = malloc(cap * sizeof(char *));
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    if (n == cap) ls = realloc(ls, (cap *= 2) * sizeof(char *));
    ls[n++] = strndup(p, (size_t)(e - p));
    p = e + 1;
  }
  qsort(ls, n, sizeof(char *), line_cmp);
  buf b;
  buf_init(&b);
  for (size_t i = 0; i < n; i++) {
    buf_puts(&b, ls[i]);
    buf_putc(&b, '\n');
    free(ls[i]);
  }
  free(ls);
  const char *res = arena_strdup(A, buf_cstr(&b));
  buf_deinit(&b);
  return res;
}

static const exec_config CFGS[3] = {
    {0, 1, 0, NULL, NULL}, {0, 2, 0, NULL, NULL}, {64 * 1024, 2, 0, NULL, NULL}};

static void check_all(const plan *p, const char *want, bool ordered) {
  for (int c = 0; c < 3; c++) {
    exec_config cfg = CFGS[c];
    cfg.tmp_dir = test_tmpdir();
    const char *got = trun(A, p, &cfg, !ordered);
    if (strcmp(got, want)) {
      /* show the first differing line */
      const char *g = got, *w = want;
      while (*g && *g == *w) g++, w++;
      while (g > got && g[-1] != '\n') g--, w--;
      test_fail_(__FILE__, __LINE__, "config %d differs at:\n  got:  %.120s\n  want: %.120s", c, g, w);
    }
  }
}

static expr *col(uint32_t i, const plan *p) { return expr_column(A, i, p->types[i], NULL); }

/* ---- joins ---------------------------------------------------------------------------- */

static void diff_join(const row *l, uint32_t nl, const row *r, uint32_t nr, plan *pl, plan *pr, join_type jt) {
  buf b;
  buf_init(&b);
  bool *rhit = calloc(nr ? nr : 1, 1);
  for (uint32_t i = 0; i < nl; i++) {
    bool hit = false;
    for (uint32_t j = 0; j < nr; j++) {
      if (l[i].k_null || r[j].k_null || l[i].k != r[j].k) continue;
      /* residual: l.x < r.x (NULL x never passes) */
      if (l[i].x_null || r[j].x_null || !(l[i].x < r[j].x)) continue;
      hit = true;
      rhit[j] = 1;
      if (jt == JOIN_INNER || jt == JOIN_LEFT || jt == JOIN_RIGHT || jt == JOIN_FULL) {
        put_row(&b, &l[i]);
        buf_putc(&b, ',');
        put_row(&b, &r[j]);
        buf_putc(&b, '\n');
      }
    }
    if (((jt == JOIN_LEFT || jt == JOIN_FULL) && !hit) || (jt == JOIN_ANTI && !hit) || (jt == JOIN_SEMI && hit)) {
      put_row(&b, &l[i]);
      if (jt == JOIN_LEFT || jt == JOIN_FULL) {
        buf_putc(&b, ',');
        put_nulls(&b);
      }
      buf_putc(&b, '\n');
    }
  }
  if (jt == JOIN_RIGHT || jt == JOIN_FULL)
    for (uint32_t j = 0; j < nr; j++) {
      if (rhit[j]) continue;
      put_nulls(&b);
      buf_putc(&b, ',');
      put_row(&b, &r[j]);
      buf_putc(&b, '\n');
    }
  free(rhit);
  const char *want = sorted_lines(buf_cstr(&b));
  buf_deinit(&b);
  expr *lk = col(1, pl), *rk = col(1, pr);
  expr *res = tcall2(A, "<", expr_column(A, 2, type_make(LT_BIGINT), NULL), expr_column(A, 7, type_make(LT_BIGINT), NULL));
  bool ne = false;
  plan *j;
  TFAIL_IF(plan_hash_join(A, jt, pl, pr, &lk, &rk, &ne, 1, res, false, &j, &E), E);
  check_all(j, want, false);
}

TEST(diff_joins) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  for (int round = 0; round < 3; round++) {
    R = 0x9E3779B97F4A7C15ULL + (uint64_t)round * 7919;
    uint32_t nl = 2500, nr = 900;
    row *l = malloc(nl * sizeof *l), *r = malloc(nr * sizeof *r);
    gen(l, nl, 40);
    gen(r, nr, 60);
    memsource *ml = to_source(l, nl), *mr = to_source(r, nr);
    plan *pl = tscan(A, ml), *pr = tscan(A, mr);
    /* round 2: unique dense right keys (the perfect, dictionary-output join) with a few NULLs */
    if (round == 2)
      for (uint32_t j = 0; j < nr; j++) {
        r[j].k = (int32_t)j;
        r[j].k_null = j % 37 == 5;
      }
    memsource_free(mr);
    mr = to_source(r, nr);
    pr = tscan(A, mr);
    join_type jts[6] = {JOIN_INNER, JOIN_LEFT, JOIN_SEMI, JOIN_ANTI, JOIN_RIGHT, JOIN_FULL};
    for (int t = 0; t < 6; t++) diff_join(l, nl, r, nr, pl, pr, jts[t]);
    memsource_free(ml);
    memsource_free(mr);
    free(l);
    free(r);
  }
}

/* ---- group by ------------------------------------------------------------------------------ */

TEST(diff_group_by) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  for (int round = 0; round < 3; round++) {
    R = 0xD1B54A32D192ED03ULL + (uint64_t)round;
    uint32_t n = 6000;
    row *rs = malloc(n * sizeof *rs);
    gen(rs, n, 300);
    memsource *m = to_source(rs, n);
    plan *s = tscan(A, m);
    /* GROUP BY k, s: count(*), count(x), sum(x), min(d), max(s) */
    buf b;
    buf_init(&b);
    bool *done = calloc(n, 1);
    for (uint32_t i = 0; i < n; i++) {
      if (done[i]) continue;
      int64_t cnt = 0, cx = 0, sx = 0, mind = 0;
      bool has_d = false;
      for (uint32_t j = i; j < n; j++) {
        if (done[j]) continue;
        bool same = rs[j].k_null == rs[i].k_null && (rs[i].k_null || rs[j].k == rs[i].k) &&
                    rs[j].s_null == rs[i].s_null && (rs[i].s_null || !strcmp(rs[j].s, rs[i].s));
        if (!same) continue;
        done[j] = 1;
        cnt++;
        if (!rs[j].x_null) {
          cx++;
          sx += rs[j].x;
        }
        if (!rs[j].d_null && (!has_d || rs[j].d < mind)) {
          mind = rs[j].d;
          has_d = true;
        }
      }
      put_i(&b, rs[i].k_null, rs[i].k);
      buf_putc(&b, ',');
      put_s(&b, rs[i].s_null, rs[i].s);
      buf_printf(&b, ",%lld,%lld,", (long long)cnt, (long long)cx);
      put_i(&b, cx == 0, sx);
      buf_putc(&b, ',');
      put_d(&b, !has_d, mind);
      buf_putc(&b, ',');
      put_s(&b, rs[i].s_null, rs[i].s);
      buf_putc(&b, '\n');
    }
    free(done);
    const char *want = sorted_lines(buf_cstr(&b));
    buf_deinit(&b);
    expr *keys[2] = {col(1, s), col(3, s)};
    agg_call *aggs[5];
    expr *x = col(2, s), *d = col(4, s), *st = col(3, s);
    TFAIL_IF(agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &E), E);
    TFAIL_IF(agg_call_make(A, "count", &x, 1, false, false, NULL, &aggs[1], &E), E);
    TFAIL_IF(agg_call_make(A, "sum", &x, 1, false, false, NULL, &aggs[2], &E), E);
    TFAIL_IF(agg_call_make(A, "min", &d, 1, false, false, NULL, &aggs[3], &E), E);
    TFAIL_IF(agg_call_make(A, "max", &st, 1, false, false, NULL, &aggs[4], &E), E);
    plan *g;
    TFAIL_IF(plan_hash_agg(A, s, keys, 2, aggs, 5, NULL, &g, &E), E);
    check_all(g, want, false);
    /* DISTINCT k, s */
    buf_init(&b);
    for (const char *p = want; *p;) {
      const char *e = strchr(p, '\n');
      const char *c1 = strchr(p, ','), *c2 = strchr(c1 + 1, ',');
      buf_append(&b, p, (size_t)(c2 - p));
      buf_putc(&b, '\n');
      p = e + 1;
    }
    const char *want_d = sorted_lines(buf_cstr(&b));
    buf_deinit(&b);
    plan *pk, *dd;
    TFAIL_IF(plan_project(A, s, keys, 2, NULL, &pk, &E), E);
    TFAIL_IF(plan_distinct(A, pk, &dd, &E), E);
    check_all(dd, want_d, false);
    memsource_free(m);
    free(rs);
  }
}

/* ---- sort and windows ------------------------------------------------------------------------ */

static int sort_ref(const void *a, const void *b) {
  const row *x = a, *y = b;
  /* k ASC NULLS FIRST, s DESC NULLS LAST, id ASC */
  if (x->k_null != y->k_null) return x->k_null ? -1 : 1;
  if (!x->k_null && x->k != y->k) return x->k < y->k ? -1 : 1;
  if (x->s_null != y->s_null) return x->s_null ? 1 : -1;
  if (!x->s_null) {
    int c = strcmp(x->s, y->s);
    if (c) return -c;
  }
  return x->id < y->id ? -1 : x->id > y->id;
}

TEST(diff_sort_window) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  R = 0x853C49E6748FEA9BULL;
  uint32_t n = 5000;
  row *rs = malloc(n * sizeof *rs);
  gen(rs, n, 25);
  memsource *m = to_source(rs, n);
  plan *s = tscan(A, m);
  qsort(rs, n, sizeof *rs, sort_ref);
  buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < n; i++) {
    put_row(&b, &rs[i]);
    buf_putc(&b, '\n');
  }
  sort_key keys[3] = {{col(1, s), false, true}, {col(3, s), true, false}, {col(0, s), false, true}};
  plan *p;
  TFAIL_IF(plan_sort(A, s, keys, 3, &p, &E), E);
  check_all(p, buf_cstr(&b), true);
  /* TopN 17 offset 5 */
  buf_clear(&b);
  for (uint32_t i = 5; i < 22; i++) {
    put_row(&b, &rs[i]);
    buf_putc(&b, '\n');
  }
  TFAIL_IF(plan_top_n(A, s, keys, 3, 17, 5, &p, &E), E);
  check_all(p, buf_cstr(&b), true);
  /* window over (k) ordered by (s DESC NULLS LAST, id): row_number and a 2-row moving sum of x */
  buf_clear(&b);
  uint32_t start = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (i && (rs[i].k_null != rs[i - 1].k_null || (!rs[i].k_null && rs[i].k != rs[i - 1].k))) start = i;
    put_row(&b, &rs[i]);
    int64_t sum = 0;
    bool any = false;
    for (uint32_t j = i >= start + 2 ? i - 2 : start; j <= i; j++)
      if (!rs[j].x_null) {
        sum += rs[j].x;
        any = true;
      }
    buf_printf(&b, ",%u,", i - start + 1);
    put_i(&b, !any, sum);
    buf_putc(&b, '\n');
  }
  const char *want = sorted_lines(buf_cstr(&b));
  win_call calls[2];
  TFAIL_IF(win_call_make(A, "row_number", NULL, 0, false, true, &calls[0], &E), E);
  expr *x = col(2, s);
  TFAIL_IF(win_call_make(A, "sum", &x, 1, false, true, &calls[1], &E), E);
  calls[1].frame = (win_frame){FRAME_ROWS, BOUND_PRECEDING, BOUND_CURRENT_ROW, expr_int(A, 2), NULL};
  expr *part = col(1, s);
  plan *w;
  TFAIL_IF(plan_window(A, s, &part, 1, keys + 1, 2, calls, 2, &w, &E), E);
  check_all(w, want, false);
  /* dedupe: first row per k in that order */
  buf_clear(&b);
  for (uint32_t i = 0; i < n; i++) {
    if (i && rs[i].k_null == rs[i - 1].k_null && (rs[i].k_null || rs[i].k == rs[i - 1].k)) continue;
    put_row(&b, &rs[i]);
    buf_putc(&b, '\n');
  }
  want = sorted_lines(buf_cstr(&b));
  plan *dd;
  TFAIL_IF(plan_dedupe(A, s, &part, 1, keys + 1, 2, 1, false, &dd, &E), E);
  check_all(dd, want, false);
  buf_deinit(&b);
  memsource_free(m);
  free(rs);
}
