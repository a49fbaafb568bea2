/*
** tests/tools/parquet_conformance.c: checks lago's Parquet reader against
** the shared conformance corpus (shared/conformance/parquet/README.md).
** Run by tests/scripts/parquet_conformance.sh.
**
**   parquet_conformance [--shared DIR] [--only SUBSTR] [--mutants N] [--huge] [-v]
**
**  - files/ and nested/files/: every file is read and rendered in the
**    canonical text (vec/value_text.h); the text must equal
**    expected/STEM.rows.csv byte for byte, or match STEM.summary.tsv (row
**    count, text size and FNV-1a hashes) where there is no rows file; the
**    column names and types must match STEM.schema.tsv (lago types mapped
**    to DuckDB's names, below).
**  - bad/files/: every file must fail with LAGO_CORRUPT or LAGO_UNSUPPORTED
**    and a message naming the file, unless outcome.tsv allows data (then
**    the data must equal DuckDB's where a rows file exists).
**  - mutants (--mutants N, N per file): truncations (every footer length up
**    to a cap, plus cuts across the file) and deterministic byte flips in
**    footers, page headers and anywhere; each must give LAGO_OK with a
**    well-formed result or an error code, never a crash (ASan/UBSan watch).
**  - large_string_map.brotli.parquet (2 rows of a 1 GiB string) is read
**    only with --huge, batch by batch, checking its summary.
** Prints one FAIL line per mismatch and ends with
** "parquet-conformance: N passed, M failed".
*/
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/parquet/pq_read_int.h"
#include "io/fs.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "vec/value_text.h"

static int g_pass, g_fail, g_verbose;
static const char *g_shared;

static void fail_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail_(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  g_fail++;
}
#define FAIL fail_

/* ---- helpers ------------------------------------------------------------- */

static int read_file(const char *path, buf *out) {
  lago_err e;
  lago_err_clear(&e);
  buf_clear(out);
  return fs_read_all(fs_local(), path, out, &e);
}

static bool exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}
#define FNV0 UINT64_C(0xcbf29ce484222325)

/* DuckDB's name for a lago type (the corpus's schema.tsv). */
static int duck_type(lago_type t, bool json, buf *b) {
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: return buf_puts(b, "BOOLEAN");
    case LT_TINYINT: return buf_puts(b, "TINYINT");
    case LT_SMALLINT: return buf_puts(b, "SMALLINT");
    case LT_INT: return buf_puts(b, "INTEGER");
    case LT_BIGINT: return buf_puts(b, "BIGINT");
    case LT_UTINYINT: return buf_puts(b, "UTINYINT");
    case LT_USMALLINT: return buf_puts(b, "USMALLINT");
    case LT_UINT: return buf_puts(b, "UINTEGER");
    case LT_UBIGINT: return buf_puts(b, "UBIGINT");
    case LT_FLOAT: return buf_puts(b, "FLOAT");
    case LT_DOUBLE: return buf_puts(b, "DOUBLE");
    case LT_DECIMAL: return buf_printf(b, "DECIMAL(%u,%u)", t.precision, t.scale);
    case LT_STRING: return buf_puts(b, json ? "JSON" : "VARCHAR");
    case LT_BINARY: return buf_puts(b, "BLOB");
    case LT_DATE: return buf_puts(b, "DATE");
    case LT_TIME: return buf_puts(b, "TIME");
    case LT_TIME_UTC: return buf_puts(b, "TIME WITH TIME ZONE");
    case LT_TIMESTAMP: return buf_puts(b, "TIMESTAMP WITH TIME ZONE");
    case LT_TIMESTAMP_NTZ: return buf_puts(b, "TIMESTAMP");
    case LT_TIMESTAMP_NS: return buf_puts(b, "TIMESTAMP_NS");
    case LT_INTERVAL: return buf_puts(b, "INTERVAL");
    case LT_UUID: return buf_puts(b, "UUID");
    case LT_ARRAY:
      TRY(duck_type(type_element(t), false, b));
      return buf_puts(b, "[]");
    case LT_MAP:
      TRY(buf_puts(b, "MAP("));
      TRY(duck_type(type_map_key(t), false, b));
      TRY(buf_puts(b, ", "));
      TRY(duck_type(type_map_value(t), false, b));
      return buf_putc(b, ')');
    case LT_STRUCT:
      TRY(buf_puts(b, "STRUCT("));
      for (uint32_t i = 0; i < type_n_fields(t); i++) {
        if (i) TRY(buf_puts(b, ", "));
        TRY(buf_printf(b, "%s ", type_field_at(t, i)->name));
        TRY(duck_type(type_field_at(t, i)->type, false, b));
      }
      return buf_putc(b, ')');
    default: return buf_puts(b, "?");
  }
}

/* ---- reading a whole file ------------------------------------------------ */

typedef struct result {
  buf text;            /* canonical CSV text */
  int64_t rows;
  uint32_t n_cols;
  int64_t *nulls;      /* per column */
  uint64_t *col_fnv;   /* per column: FNV of field texts each + '\n' */
} result;

static void result_free(result *r) {
  buf_deinit(&r->text);
  free(r->nulls);
  free(r->col_fnv);
  memset(r, 0, sizeof *r);
}

/*
** Reads pf completely; with want_text the canonical text is kept, else
** only counts and hashes are computed (with no_render, only counts: for
** the file whose strings are 1 GiB each). Returns the reader's status.
*/
static bool g_no_render;
static int read_all(pq_file *pf, uint32_t batch_rows, bool want_text, bool keep_dict, result *res, lago_err *e) {
  memset(res, 0, sizeof *res);
  buf_init(&res->text);
  lago_type st = pq_file_schema(pf);
  uint32_t nc = type_n_fields(st);
  res->n_cols = nc;
  res->nulls = calloc(nc ? nc : 1, sizeof(int64_t));
  res->col_fnv = calloc(nc ? nc : 1, sizeof(uint64_t));
  for (uint32_t c = 0; c < nc; c++) res->col_fnv[c] = FNV0;
  for (uint32_t c = 0; c < nc; c++) {
    if (c) buf_putc(&res->text, ',');
    const char *name = type_field_at(st, c)->name;
    value_text_quote(&res->text, name, strlen(name));
  }
  buf_putc(&res->text, '\n');
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.batch_rows = batch_rows;
  o.keep_dictionary = keep_dict;
  pq_reader *r;
  int rc = pq_reader_open(pf, &o, &r, e);
  if (rc) return rc;
  buf field;
  buf_init(&field);
  for (;;) {
    batch *b;
    uint32_t rg;
    rc = pq_reader_next(r, &b, &rg, e);
    if (rc || b->n_rows == 0) break;
    for (uint32_t i = 0; i < b->n_rows; i++) {
      for (uint32_t c = 0; c < nc; c++) {
        const vec *v = &b->cols[c];
        if (!vec_is_valid(v, i)) res->nulls[c]++;
        if (g_no_render) continue;
        buf_clear(&field);
        if ((rc = value_text_append(&field, v, i))) goto done;
        res->col_fnv[c] = fnv(fnv(res->col_fnv[c], field.data, field.len), "\n", 1);
        if (want_text) {
          if (c) buf_putc(&res->text, ',');
          buf_append(&res->text, field.data, field.len);
        }
      }
      if (want_text) buf_putc(&res->text, '\n');
      res->rows++;
    }
  }
done:
  buf_deinit(&field);
  pq_reader_close(r);
  return rc;
}

/* Prints where two texts first differ. */
static void show_diff(const char *stem, const buf *got, const buf *want) {
  size_t i = 0, line = 1, ls = 0;
  while (i < got->len && i < want->len && got->data[i] == want->data[i]) {
    if (got->data[i] == '\n') line++, ls = i + 1;
    i++;
  }
  const char *g = got->data ? got->data + ls : "", *w = want->data ? want->data + ls : "";
  int gl = 0, wl = 0;
  while (ls + (size_t)gl < got->len && g[gl] != '\n' && gl < 300) gl++;
  while (ls + (size_t)wl < want->len && w[wl] != '\n' && wl < 300) wl++;
  FAIL("%s: rows differ at line %zu (byte %zu; %zu vs %zu bytes)\n  got:  %.*s\n  want: %.*s", stem, line, i,
       got->len, want->len, gl, g, wl, w);
}

static void check_schema(pq_file *pf, const char *stem, const char *schema_path) {
  buf want, got;
  buf_init(&want);
  buf_init(&got);
  if (read_file(schema_path, &want)) {
    FAIL("%s: cannot read %s", stem, schema_path);
    goto out;
  }
  const pq_schema *s = pq_file_schema_int(pf);
  for (uint32_t c = 0; c < s->n_columns; c++) {
    const pq_column *col = &s->columns[c];
    bool json = col->flat && s->leaves[col->first_leaf].is_json;
    buf_printf(&got, "%s\t", col->name);
    duck_type(col->type, json, &got);
    buf_putc(&got, '\n');
  }
  if (got.len == want.len && memcmp(got.data ? got.data : "", want.data ? want.data : "", got.len) == 0) {
    g_pass++;
  } else {
    FAIL("%s: schema differs\n--- got\n%s--- want\n%s", stem, buf_cstr(&got), buf_cstr(&want));
  }
out:
  buf_deinit(&want);
  buf_deinit(&got);
}

/* Compares with a summary.tsv: rows, text bytes and hash, per-column counts and hashes. */
static void check_summary(const char *stem, const result *res, const char *path, bool have_text) {
  buf s;
  buf_init(&s);
  if (read_file(path, &s)) {
    FAIL("%s: cannot read %s", stem, path);
    buf_deinit(&s);
    return;
  }
  int bad = 0;
  char *save = NULL;
  uint32_t col = 0;
  bool in_cols = false;
  for (char *line = strtok_r(s.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *f[8] = {0};
    int nf = 0;
    char *sv2 = NULL;
    for (char *t = strtok_r(line, "\t", &sv2); t && nf < 8; t = strtok_r(NULL, "\t", &sv2)) f[nf++] = t;
    if (nf >= 2 && !strcmp(f[0], "rows")) {
      if (strtoll(f[1], NULL, 10) != res->rows) bad++, FAIL("%s: %lld rows, summary says %s", stem, (long long)res->rows, f[1]);
    } else if (nf >= 2 && !strcmp(f[0], "rows_csv_bytes") && have_text && strcmp(f[1], "-")) {
      if ((size_t)strtoull(f[1], NULL, 10) != res->text.len) bad++, FAIL("%s: text of %zu bytes, summary says %s", stem, res->text.len, f[1]);
    } else if (nf >= 2 && !strcmp(f[0], "rows_csv_fnv1a64") && have_text && strcmp(f[1], "-")) {
      char h[32];
      snprintf(h, sizeof h, "%016llx", (unsigned long long)fnv(FNV0, res->text.data, res->text.len));
      if (strcmp(h, f[1])) bad++, FAIL("%s: text hash %s, summary says %s", stem, h, f[1]);
    } else if (nf >= 1 && !strcmp(f[0], "column")) {
      in_cols = true;
    } else if (in_cols && nf >= 7) {
      if (col >= res->n_cols) {
        bad++, FAIL("%s: summary has more columns than the file", stem);
        break;
      }
      long long nn = strtoll(f[2], NULL, 10), nu = strtoll(f[3], NULL, 10);
      if (nu != res->nulls[col] || nn != res->rows - res->nulls[col])
        bad++, FAIL("%s: column %s: %lld nulls, summary says %lld", stem, f[0], (long long)res->nulls[col], nu);
      if (strcmp(f[6], "-")) {
        char h[32];
        snprintf(h, sizeof h, "%016llx", (unsigned long long)res->col_fnv[col]);
        if (strcmp(h, f[6])) bad++, FAIL("%s: column %s: values hash %s, summary says %s", stem, f[0], h, f[6]);
      }
      col++;
    }
  }
  if (!bad) g_pass++;
  buf_deinit(&s);
}

/* ---- good files ------------------------------------------------------------ */

static void check_good(const char *dir, const char *expdir, const char *name, bool huge) {
  char stem[512], path[4096], p_rows[4096], p_schema[4096], p_sum[4096], p_out[4096];
  snprintf(stem, sizeof stem, "%s", name);
  char *dot = strstr(stem, ".parquet");
  if (dot && dot[8] == 0) *dot = 0;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(p_rows, sizeof p_rows, "%s/%s.rows.csv", expdir, stem);
  snprintf(p_schema, sizeof p_schema, "%s/%s.schema.tsv", expdir, stem);
  snprintf(p_sum, sizeof p_sum, "%s/%s.summary.tsv", expdir, stem);
  snprintf(p_out, sizeof p_out, "%s/%s.outcome.tsv", expdir, stem);
  bool big = !exists(p_rows) && exists(p_sum);
  if (big && !huge && strstr(name, "large_string_map")) {
    if (g_verbose) printf("skip %s (--huge reads it)\n", name);
    return;
  }
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf;
  int rc = pq_open(fs_local(), path, &pf, &e);
  if (rc) {
    FAIL("%s: open: %s: %s", stem, lago_rc_name(rc), e.msg);
    return;
  }
  if (exists(p_schema)) check_schema(pf, stem, p_schema);
  result res;
  g_no_render = big && strstr(name, "large_string_map");
  rc = read_all(pf, big ? 1 : 0, !big, false, &res, &e);
  g_no_render = false;
  if (rc) {
    FAIL("%s: read: %s: %s", stem, lago_rc_name(rc), e.msg);
  } else if (exists(p_rows)) {
    buf want;
    buf_init(&want);
    read_file(p_rows, &want);
    if (want.len == res.text.len && memcmp(want.data ? want.data : "", res.text.data, want.len) == 0) g_pass++;
    else show_diff(stem, &res.text, &want);
    buf_deinit(&want);
    if (exists(p_sum)) check_summary(stem, &res, p_sum, true);
  } else if (exists(p_sum)) {
    check_summary(stem, &res, p_sum, !big);
  } else if (exists(p_out)) {
    /* Readable where DuckDB was not (the outcome file says "read"). For
    ** map_no_value, upstream's map_no_value.md says the value-less map
    ** holds the same keys as the list column: rows end "...},X,X". */
    int bad = 0;
    if (!strcmp(stem, "map_no_value")) {
      const char *line = strchr(res.text.data, '\n');
      int rows = 0;
      while (line && line[1]) {
        line++;
        const char *nl = strchr(line, '\n'), *mid = strstr(line, "},");
        if (!nl || !mid || mid > nl) break;
        const char *rest = mid + 2;
        size_t n = (size_t)(nl - rest);
        if (n % 2 == 0 || rest[n / 2] != ',' || memcmp(rest, rest + n / 2 + 1, n / 2)) bad++;
        rows++;
        line = nl;
      }
      if (rows != 3) bad++;
      if (bad) FAIL("%s: the map without values does not match the list column:\n%s", stem, res.text.data);
    }
    if (!bad) g_pass++;
    if (g_verbose) printf("%s: read %lld rows (no expected rows)\n", stem, (long long)res.rows);
  } else {
    FAIL("%s: no expected output", stem);
  }
  /* Dictionary vectors must render the same text. */
  if (rc == LAGO_OK && !big) {
    result r2;
    lago_err_clear(&e);
    int rc2 = read_all(pf, 7, true, true, &r2, &e);
    if (rc2) FAIL("%s: read with keep_dictionary, batch 7: %s: %s", stem, lago_rc_name(rc2), e.msg);
    else if (r2.text.len != res.text.len || memcmp(r2.text.data, res.text.data, res.text.len)) show_diff(stem, &r2.text, &res.text);
    else g_pass++;
    result_free(&r2);
  }
  result_free(&res);
  pq_close(pf);
}

/* ---- bad files ------------------------------------------------------------- */

static void check_bad(const char *dir, const char *expdir, const char *name) {
  char stem[512], path[4096], p_out[4096], p_rows[4096];
  snprintf(stem, sizeof stem, "%s", name);
  char *dot = strstr(stem, ".parquet");
  if (dot && dot[8] == 0) *dot = 0;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(p_out, sizeof p_out, "%s/%s.outcome.tsv", expdir, stem);
  snprintf(p_rows, sizeof p_rows, "%s/%s.rows.csv", expdir, stem);
  buf out;
  buf_init(&out);
  read_file(p_out, &out);
  bool data_ok = out.data && (strstr(out.data, "expected_behaviour\terror or data") ||
                              strstr(out.data, "expected_behaviour\terror if CRCs are checked, else data"));
  buf_deinit(&out);
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf;
  int rc = pq_open(fs_local(), path, &pf, &e);
  result res;
  memset(&res, 0, sizeof res);
  if (rc == LAGO_OK) {
    rc = read_all(pf, 0, true, false, &res, &e);
    pq_close(pf);
  }
  if (g_verbose) printf("%s: %s: %s\n", stem, lago_rc_name(rc), rc ? e.msg : "data");
  if (rc == LAGO_OK) {
    if (!data_ok) {
      FAIL("%s: bad file read without an error (%lld rows)", stem, (long long)res.rows);
    } else if (exists(p_rows)) {
      buf want;
      buf_init(&want);
      read_file(p_rows, &want);
      if (want.len == res.text.len && memcmp(want.data, res.text.data, want.len) == 0) g_pass++;
      else show_diff(stem, &res.text, &want);
      buf_deinit(&want);
    } else {
      g_pass++;
    }
  } else if (rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED) {
    FAIL("%s: error code %s (want LAGO_CORRUPT or LAGO_UNSUPPORTED): %s", stem, lago_rc_name(rc), e.msg);
  } else if (!strstr(e.msg, name)) {
    FAIL("%s: error message does not name the file: %s", stem, e.msg);
  } else {
    g_pass++;
  }
  result_free(&res);
}

/* ---- mutants --------------------------------------------------------------- */

static uint64_t g_rng = UINT64_C(0x9e3779b97f4a7c15);
static uint64_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

static long g_mutants, g_mutant_ok, g_mutant_err;

/* Opens and reads a mutant; any status is fine except a crash or an unexpected code. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_mutant(const char *stem, const uint8_t *data, size_t n, const char *how) {
  double t0 = now_s();
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf;
  g_mutants++;
  int rc = pq_open_buffer(data, n, stem, &pf, &e);
  if (rc == LAGO_OK) {
    result res;
    rc = read_all(pf, 64, false, (g_mutants & 1) != 0, &res, &e);
    result_free(&res);
    pq_close(pf);
  }
  if (rc == LAGO_OK) g_mutant_ok++;
  else g_mutant_err++;
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED)
    FAIL("%s: mutant (%s): unexpected %s: %s", stem, how, lago_rc_name(rc), e.msg);
  double dt = now_s() - t0;
  if (dt > 0.5 && g_verbose) printf("slow mutant: %s (%s): %.2fs, %s\n", stem, how, dt, rc ? e.msg : "data");
}

static void mutate_file(const char *path, const char *stem, int per_file) {
  buf b;
  buf_init(&b);
  if (read_file(path, &b) || b.len < 12) {
    buf_deinit(&b);
    return;
  }
  size_t n = b.len;
  const uint8_t *orig = (const uint8_t *)b.data;
  uint8_t *m = malloc(n + 8);
  long fails_before = g_fail;
  uint32_t flen = load_le32(orig + n - 8);
  if (flen > n - 12) flen = 0;
  size_t fstart = n - 8 - flen;
  char how[96];
  /* 1. Footer cut short at many lengths (footer_len rewritten to match). */
  uint32_t step = flen / 400 + 1;
  for (uint32_t k = 0; k < flen; k += step) {
    memcpy(m, orig, fstart + k);
    store_le32(m + fstart + k, k);
    memcpy(m + fstart + k + 4, "PAR1", 4);
    snprintf(how, sizeof how, "footer cut at %u", k);
    run_mutant(stem, m, fstart + k + 8, how);
  }
  /* 2. The file cut at lengths across it (a few keep a valid tail). */
  for (int i = 0; i < per_file / 4 + 1; i++) {
    size_t cut = (size_t)(rnd() % n);
    memcpy(m, orig, cut);
    snprintf(how, sizeof how, "truncated to %zu", cut);
    run_mutant(stem, m, cut, how);
    if (cut > fstart + 8) continue;
    /* keep the footer, drop bytes before it: offsets now point elsewhere */
    size_t keep = n - cut;
    memcpy(m, orig, 4);
    memcpy(m + 4, orig + cut + 4 > orig + n ? orig + n : orig + cut + 4, keep > 4 ? keep - 4 : 0);
    snprintf(how, sizeof how, "middle cut %zu", cut);
    if (keep >= 12) run_mutant(stem, m, keep, how);
  }
  /* 3. Byte flips: footer, page header areas (chunk starts), anywhere. */
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf = NULL;
  size_t starts[64];
  int n_starts = 0;
  if (pq_open_buffer(orig, n, stem, &pf, &e) == LAGO_OK) {
    const pq_file_meta *fm = pq_file_metadata(pf);
    for (uint32_t r = 0; r < fm->n_row_groups && n_starts < 64; r++)
      for (uint32_t c = 0; c < fm->row_groups[r].n_columns && n_starts < 64; c++) {
        const pq_column_meta *cm = &fm->row_groups[r].columns[c].meta_data;
        int64_t s = cm->data_page_offset;
        if (cm->dictionary_page_offset > 0 && cm->dictionary_page_offset < s) s = cm->dictionary_page_offset;
        if (s >= 0 && (uint64_t)s < n) starts[n_starts++] = (size_t)s;
      }
    pq_close(pf);
  }
  for (int i = 0; i < per_file; i++) {
    memcpy(m, orig, n);
    int flips = 1 + (int)(rnd() % 3);
    size_t at = 0;
    for (int f = 0; f < flips; f++) {
      int where = (int)(rnd() % 3);
      if (where == 0 && flen) at = fstart + (size_t)(rnd() % flen);
      else if (where == 1 && n_starts) at = starts[rnd() % (uint64_t)n_starts] + (size_t)(rnd() % 24);
      else at = (size_t)(rnd() % n);
      if (at >= n) at = n - 1;
      uint8_t x = (uint8_t)(rnd() & 0xff);
      m[at] ^= x ? x : 1;
    }
    snprintf(how, sizeof how, "flip #%d near byte %zu", i, at);
    run_mutant(stem, m, n, how);
  }
  if (g_fail == fails_before) g_pass++;
  free(m);
  buf_deinit(&b);
}

/* ---- main ------------------------------------------------------------------ */

typedef void (*file_fn)(const char *dir, const char *expdir, const char *name);

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_dir(const char *dir, char ***out) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0, cap = 16;
  char **v = malloc(sizeof(char *) * (size_t)cap);
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    if (n == cap) v = realloc(v, sizeof(char *) * (size_t)(cap *= 2));
    v[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(v, (size_t)n, sizeof *v, cmp_str);
  *out = v;
  return n;
}

int main(int argc, char **argv) {
  const char *only = NULL;
  int mutants = 0;
  bool huge = false;
  g_shared = getenv("LAGO_SHARED");
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--shared") && i + 1 < argc) g_shared = argv[++i];
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!strcmp(argv[i], "--mutants") && i + 1 < argc) mutants = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--huge")) huge = true;
    else if (!strcmp(argv[i], "-v")) g_verbose = 1;
    else {
      fprintf(stderr, "usage: parquet_conformance [--shared DIR] [--only SUBSTR] [--mutants N] [--huge] [-v]\n");
      return 2;
    }
  }
  if (!g_shared || !*g_shared) g_shared = "../shared";
  static const struct {
    const char *files, *expected;
    int kind; /* 0 good, 1 bad */
  } groups[] = {{"conformance/parquet/files", "conformance/parquet/expected", 0},
                {"conformance/parquet/nested/files", "conformance/parquet/nested/expected", 0},
                {"conformance/parquet/bad/files", "conformance/parquet/bad/expected", 1}};
  int n_files = 0;
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
    char dir[1024], exp[1024];
    snprintf(dir, sizeof dir, "%s/%s", g_shared, groups[g].files);
    snprintf(exp, sizeof exp, "%s/%s", g_shared, groups[g].expected);
    char **names;
    int n = list_dir(dir, &names);
    if (n < 0) {
      FAIL("cannot list %s", dir);
      continue;
    }
    for (int i = 0; i < n; i++) {
      if (!only || strstr(names[i], only)) {
        n_files++;
        if (groups[g].kind == 0) check_good(dir, exp, names[i], huge);
        else check_bad(dir, exp, names[i]);
        if (mutants > 0 && !strstr(names[i], "large_string_map")) {
          char path[2048];
          snprintf(path, sizeof path, "%s/%s", dir, names[i]);
          /* Fewer mutants for the files with very many pages (slow to read under ASan). */
          int k = mutants;
          if (strstr(names[i], "overflow_i16_page_cnt") || strstr(names[i], "tiny_pages")) k = mutants / 8 + 1;
          mutate_file(path, names[i], k);
        }
      }
      free(names[i]);
    }
    free(names);
  }
  if (mutants > 0)
    printf("mutants: %ld read (%ld gave data, %ld an error)\n", g_mutants, g_mutant_ok, g_mutant_err);
  if (n_files == 0) FAIL("no corpus files found under %s", g_shared);
  printf("parquet-conformance: %d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
