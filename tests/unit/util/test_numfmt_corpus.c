/*
** tests/unit/util/test_numfmt_corpus.c: the float renderer reproduces every
** FLOAT/DOUBLE value of the Parquet conformance corpus's expected files.
**
** For each expected/STEM.schema.tsv with FLOAT, DOUBLE or DOUBLE[] columns,
** the matching rows.csv is tokenised (quotes and brackets honoured), each
** value of such a column is read back (strtof for FLOAT, strtod for DOUBLE)
** and rendered again with fmt_float/fmt_double: the text must be identical.
*/
#include <dirent.h>
#include <math.h>

#include "test.h"
#include "util/buf.h"
#include "util/numfmt.h"

typedef struct ctx {
  long checked, files;
} ctx;

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *d = malloc((size_t)n + 1);
  if (fread(d, 1, (size_t)n, f) != (size_t)n) n = 0;
  d[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return d;
}

/* Checks one scalar float text (kind 'f' or 'd'). */
static void check_value(const char *s, size_t n, char kind, const char *file, ctx *cx) {
  if (n == 2 && !memcmp(s, "\\N", 2)) return;
  char text[128], out[FMT_NUM_MAX];
  ASSERT(n < sizeof text);
  memcpy(text, s, n);
  text[n] = 0;
  if (kind == 'f') {
    float v = strtof(text, NULL);
    if (!strcmp(text, "-nan")) v = -NAN;
    fmt_float(v, out);
  } else {
    double v = strtod(text, NULL);
    if (!strcmp(text, "-nan")) v = -NAN;
    fmt_double(v, out);
  }
  if (strcmp(out, text) != 0) test_fail_(__FILE__, __LINE__, "%s: '%s' renders as '%s'", file, text, out);
  cx->checked++;
}

/* Splits a DOUBLE[] value "[a,b,\N]" and checks each element. */
static void check_list(const char *s, size_t n, const char *file, ctx *cx) {
  if (n == 2 && !memcmp(s, "\\N", 2)) return;
  ASSERT(n >= 2 && s[0] == '[' && s[n - 1] == ']');
  size_t i = 1;
  while (i < n - 1) {
    size_t j = i;
    while (j < n - 1 && s[j] != ',') j++;
    check_value(s + i, j - i, 'd', file, cx);
    i = j + 1;
  }
}

static void check_file(const char *dir, const char *stem, ctx *cx) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.schema.tsv", dir, stem);
  size_t len;
  char *schema = slurp(path, &len);
  ASSERT_NE_NULL(schema);
  char kinds[256];
  int n_cols = 0;
  bool any = false;
  for (char *line = strtok(schema, "\n"); line; line = strtok(NULL, "\n")) {
    char *tab = strchr(line, '\t');
    ASSERT_NE_NULL(tab);
    char k = 0;
    if (!strcmp(tab + 1, "FLOAT")) k = 'f';
    else if (!strcmp(tab + 1, "DOUBLE")) k = 'd';
    else if (!strcmp(tab + 1, "DOUBLE[]")) k = 'l';
    kinds[n_cols++] = k;
    any |= k != 0;
    ASSERT(n_cols < 256);
  }
  free(schema);
  if (!any) return;
  snprintf(path, sizeof path, "%s/%s.rows.csv", dir, stem);
  char *rows = slurp(path, &len);
  if (!rows) return; /* summary-only file */
  cx->files++;
  /* Skip the header line (names are quoted and contain no newline). */
  size_t i = 0;
  while (i < len && rows[i] != '\n') i++;
  i++;
  int col = 0;
  while (i < len) {
    size_t start = i;
    int depth = 0;
    bool quoted = false;
    while (i < len) {
      char c = rows[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < len && rows[i + 1] == '"') i++;
          else quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '[' || c == '{') {
        depth++;
      } else if (c == ']' || c == '}') {
        depth--;
      } else if (depth == 0 && (c == ',' || c == '\n')) {
        break;
      }
      i++;
    }
    ASSERT(col < n_cols);
    if (kinds[col] == 'f' || kinds[col] == 'd') check_value(rows + start, i - start, kinds[col], path, cx);
    else if (kinds[col] == 'l') check_list(rows + start, i - start, path, cx);
    col = (i < len && rows[i] == '\n') ? 0 : col + 1;
    i++;
  }
  free(rows);
}

static void check_dir(const char *dir, ctx *cx) {
  DIR *d = opendir(dir);
  ASSERT_NE_NULL(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    const char *suf = ".schema.tsv";
    if (n > strlen(suf) && !strcmp(e->d_name + n - strlen(suf), suf)) {
      char stem[512];
      snprintf(stem, sizeof stem, "%.*s", (int)(n - strlen(suf)), e->d_name);
      check_file(dir, stem, cx);
    }
  }
  closedir(d);
}

TEST(numfmt_parquet_corpus_floats) {
  ctx cx = {0, 0};
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/conformance/parquet/expected", test_shared_dir());
  check_dir(dir, &cx);
  snprintf(dir, sizeof dir, "%s/conformance/parquet/nested/expected", test_shared_dir());
  check_dir(dir, &cx);
  printf("  %ld float values in %ld files reproduced\n", cx.checked, cx.files);
  ASSERT(cx.files >= 25);
  ASSERT(cx.checked > 10000);
}
