/*
** cli/cmd_cdc.c: `lago cdc`: change data capture into Delta tables
** (cdc/cdc.h; design in src/cdc/README.md).
**
**   lago cdc run FILE [--table NAME]... [--full-refresh] [--once] [--threads N]
**                [--max-files N] [--json] [--quiet]
**   lago cdc validate FILE
**   lago cdc state TABLE [--json]
**
** run: for each table of the ingestor file (or those named by --table): the
** full load when the table does not exist, then every new CDC file as
** exactly-once batches (availableNow). One line per batch on stdout, what the
** run decides (full load, recovery, resets) on stderr as "lago cdc: ...";
** --json prints one JSON document at the end instead. Ctrl-C stops after the
** batch in flight. Exit 0 only if every table succeeded.
*/
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cdc/cdc.h"
#include "cli/cli.h"
#include "io/fs.h"
#include "table/catalog.h"
#include "table/handlers.h"
#include "util/buf.h"
#include "util/json.h"

static volatile sig_atomic_t g_sigints;

static void on_sigint(int sig) {
  (void)sig;
  g_sigints++;
  if (g_sigints == 1) {
    cdc_request_stop();
    static const char msg[] = "\nlago cdc: stopping after the batch in flight (Ctrl-C again to abort)\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
  } else {
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  }
}

typedef struct rctx {
  bool json, quiet;
  json_writer *w;   /* --json: the current table's "batches" array is open */
  arena *ar;
} rctx;

static void on_event(void *ud, const cdc_table_def *t, cdc_event_kind kind, const char *msg) {
  rctx *c = ud;
  if (c->quiet && kind == CDC_INFO) return;
  fprintf(stderr, "lago cdc: %s: %s%s\n", cdc_table_display(t, c->ar), kind == CDC_WARN ? "warning: " : "", msg);
}

static void on_full_load(void *ud, const cdc_table_def *t, int64_t rows, int64_t version, double seconds) {
  rctx *c = ud;
  if (c->json || c->quiet) return;
  printf("%s: full load, %lld rows -> version %lld (%.2f s)\n", cdc_table_display(t, c->ar), (long long)rows,
         (long long)version, seconds);
  fflush(stdout);
}

static void on_batch(void *ud, const cdc_table_def *t, int64_t batch_id, uint32_t files, const cdc_batch_result *r) {
  rctx *c = ud;
  if (c->json) {
    json_writer *w = c->w;
    json_w_begin_obj(w);
    json_w_key(w, "batch");
    json_w_i64(w, batch_id);
    json_w_key(w, "version");
    json_w_i64(w, r->version);
    json_w_key(w, "files");
    json_w_u64(w, files);
    json_w_key(w, "changes");
    json_w_u64(w, r->changes);
    json_w_key(w, "latest");
    json_w_u64(w, r->latest);
    json_w_key(w, "ignored");
    json_w_u64(w, r->ignored);
    json_w_key(w, "quarantined");
    json_w_u64(w, r->quarantined);
    json_w_key(w, "inserted");
    json_w_i64(w, r->inserted);
    json_w_key(w, "updated");
    json_w_i64(w, r->updated);
    json_w_key(w, "deleted");
    json_w_i64(w, r->deleted);
    json_w_key(w, "stateEntries");
    json_w_u64(w, r->state_entries);
    json_w_key(w, "attempts");
    json_w_i64(w, r->attempts);
    json_w_key(w, "seconds");
    json_w_double(w, r->seconds);
    json_w_end_obj(w);
    return;
  }
  if (c->quiet) return;
  printf("%s: batch %lld: %u files, %llu changes -> %llu latest", cdc_table_display(t, c->ar), (long long)batch_id, files,
         (unsigned long long)r->changes, (unsigned long long)r->latest);
  if (t->spec.semantics == CDC_SEQUENCED) printf(", %llu ignored (not newer)", (unsigned long long)r->ignored);
  if (r->quarantined) printf(", %llu quarantined", (unsigned long long)r->quarantined);
  printf("; %lld inserted, %lld updated, %lld deleted -> version %lld (%.2f s", (long long)r->inserted,
         (long long)r->updated, (long long)r->deleted, (long long)r->version, r->seconds);
  if (r->attempts > 1) printf(", %d attempts", r->attempts);
  printf(")\n");
  fflush(stdout);
}

static int usage_err(const char *msg, const char *arg) { return cli_usage("cdc", "%s%s", msg, arg ? arg : ""); }

static const char *abs_warehouse(arena *ar, const char *w) {
  char buf_[PATH_MAX];
  if (w[0] == '/') return w;
  if (realpath(w, buf_)) return arena_strdup(ar, buf_);
  if (getcwd(buf_, sizeof buf_)) return arena_printf(ar, "%s/%s", buf_, w);
  return w;
}

static bool table_selected(const cdc_table_def *t, char **names, int n, arena *ar) {
  if (!n) return true;
  const char *full = cdc_table_display(t, ar);
  for (int i = 0; i < n; i++) {
    const char *s = names[i];
    if (!strcmp(s, full) || (t->table && !strcmp(s, t->table))) return true;
    if (t->table) {
      char two[512];
      snprintf(two, sizeof two, "%s.%s", t->schema, t->table);
      if (!strcmp(s, two)) return true;
    }
  }
  return false;
}

static int cdc_run_cmd(cli_ctx *cx, int argc, char **argv) {
  const char *file = NULL;
  char **names = calloc((size_t)argc + 1, sizeof *names);
  int n_names = 0;
  cdc_run_opts o;
  memset(&o, 0, sizeof o);
  rctx c;
  memset(&c, 0, sizeof c);
  int rc = CLI_OK;
  if (!names) return cli_error("out of memory");
  for (int i = 2; i < argc && rc == CLI_OK; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = !strcmp(a, "--table") || !strcmp(a, "--threads") || !strcmp(a, "--max-files");
    if (takes && !v) {
      rc = usage_err(a, " needs a value");
      break;
    }
    if (takes) i++;
    if (!strcmp(a, "--table")) names[n_names++] = (char *)v;
    else if (!strcmp(a, "--threads")) {
      o.threads = atoi(v);
      if (o.threads < 1 || o.threads > 256) rc = usage_err("--threads must be 1..256, got ", v);
    } else if (!strcmp(a, "--max-files")) {
      o.max_files = atoll(v);
      if (o.max_files < 1) rc = usage_err("--max-files must be >= 1, got ", v);
    } else if (!strcmp(a, "--full-refresh")) o.full_refresh = true;
    else if (!strcmp(a, "--once")) o.once = true;
    else if (!strcmp(a, "--json")) c.json = true;
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) c.quiet = true;
    else if (a[0] == '-' && a[1]) rc = usage_err("unknown option ", a);
    else if (!file) file = a;
    else rc = usage_err("unexpected argument ", a);
  }
  if (rc == CLI_OK && !file) rc = usage_err("missing the ingestor FILE", NULL);
  if (rc != CLI_OK) {
    free(names);
    return rc;
  }
  c.ar = arena_new("cli", 16384);
  lago_err err;
  lago_err_clear(&err);
  cdc_config cfg;
  if (!c.ar) {
    free(names);
    return cli_error("out of memory");
  }
  if (cdc_config_load(file, c.ar, &cfg, &err)) {
    free(names);
    arena_free(c.ar);
    return cli_error("%s", err.msg);
  }
  for (int i = 0; i < n_names; i++) {
    bool found = false;
    for (uint32_t k = 0; k < cfg.n_tables && !found; k++) found = table_selected(&cfg.tables[k], &names[i], 1, c.ar);
    if (!found) {
      rc = cli_error("%s defines no table %s", file, names[i]);
      free(names);
      arena_free(c.ar);
      return rc;
    }
  }
  o.warehouse = abs_warehouse(c.ar, cx->warehouse);
  cdc_run_hooks hooks = {on_event, on_full_load, on_batch, &c};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  buf out;
  buf_init(&out);
  json_writer w;
  json_w_init(&w, &out);
  c.w = &w;
  if (c.json) {
    json_w_begin_obj(&w);
    json_w_key(&w, "tables");
    json_w_begin_arr(&w);
  }
  int failed = 0;
  for (uint32_t k = 0; k < cfg.n_tables; k++) {
    const cdc_table_def *t = &cfg.tables[k];
    if (!table_selected(t, names, n_names, c.ar)) continue;
    cdc_run_result res;
    lago_err_clear(&err);
    if (c.json) {
      json_w_begin_obj(&w);
      json_w_key(&w, "table");
      json_w_str(&w, cdc_table_display(t, c.ar));
      json_w_key(&w, "batches");
      json_w_begin_arr(&w);
    }
    int r2 = cdc_run_table(t, &o, &hooks, &res, &err);
    if (c.json) {
      json_w_end_arr(&w);
      json_w_key(&w, "status");
      json_w_str(&w, r2 ? "failed" : "done");
      if (r2) {
        json_w_key(&w, "error");
        json_w_str(&w, err.msg);
      }
      json_w_key(&w, "fullLoad");
      json_w_bool(&w, res.full_loaded);
      json_w_key(&w, "fullLoadRows");
      json_w_i64(&w, res.full_load_rows);
      json_w_key(&w, "files");
      json_w_u64(&w, res.files);
      json_w_key(&w, "changes");
      json_w_u64(&w, res.changes);
      json_w_key(&w, "ignored");
      json_w_u64(&w, res.ignored);
      json_w_key(&w, "quarantined");
      json_w_u64(&w, res.quarantined);
      json_w_key(&w, "inserted");
      json_w_i64(&w, res.inserted);
      json_w_key(&w, "updated");
      json_w_i64(&w, res.updated);
      json_w_key(&w, "deleted");
      json_w_i64(&w, res.deleted);
      json_w_key(&w, "version");
      json_w_i64(&w, res.version);
      json_w_key(&w, "seconds");
      json_w_double(&w, res.seconds);
      json_w_end_obj(&w);
    }
    if (r2) {
      failed++;
      if (!c.json) fprintf(stderr, "lago: %s: %s\n", cdc_table_display(t, c.ar), err.msg);
    } else if (!c.json && !c.quiet) {
      printf("%s: %s%llu batches, %llu files, %llu changes (%llu ignored, %llu quarantined); %lld inserted, %lld "
             "updated, %lld deleted; version %lld (%.2f s)\n",
             cdc_table_display(t, c.ar), res.batches ? "" : "up to date: ", (unsigned long long)res.batches,
             (unsigned long long)res.files, (unsigned long long)res.changes, (unsigned long long)res.ignored,
             (unsigned long long)res.quarantined, (long long)res.inserted, (long long)res.updated,
             (long long)res.deleted, (long long)res.version, res.seconds);
    }
    if (g_sigints) break;
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (c.json) {
    json_w_end_arr(&w);
    json_w_key(&w, "status");
    json_w_str(&w, failed ? "failed" : g_sigints ? "stopped" : "done");
    json_w_end_obj(&w);
    json_w_finish(&w);
    printf("%s\n", buf_cstr(&out));
  }
  buf_deinit(&out);
  free(names);
  arena_free(c.ar);
  return failed ? CLI_ERROR : CLI_OK;
}

static int cdc_validate_cmd(int argc, char **argv) {
  if (argc != 3) return usage_err("validate takes one FILE", NULL);
  arena *ar = arena_new("cli", 16384);
  if (!ar) return cli_error("out of memory");
  lago_err err;
  lago_err_clear(&err);
  cdc_config cfg;
  if (cdc_config_load(argv[2], ar, &cfg, &err)) {
    arena_free(ar);
    return cli_error("%s", err.msg);
  }
  for (uint32_t i = 0; i < cfg.n_tables; i++) {
    const cdc_table_def *t = &cfg.tables[i];
    printf("%s: keys (", cdc_table_display(t, ar));
    for (uint32_t k = 0; k < t->spec.n_keys; k++) printf("%s%s", k ? ", " : "", t->spec.keys[k]);
    printf(") sequence %s, op %s, %s semantics, %s files from %s%s%s\n", t->spec.sequence, t->spec.op_column,
           cdc_semantics_name(t->spec.semantics),
           t->format == CDC_FMT_CSV ? "csv" : t->format == CDC_FMT_JSON ? "json" : "parquet", t->cdc,
           t->full_load ? ", full load from " : "", t->full_load ? t->full_load : "");
  }
  arena_free(ar);
  return CLI_OK;
}

static int cdc_state_cmd(cli_ctx *cx, int argc, char **argv) {
  const char *table = NULL;
  bool json = false;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = true;
    else if (argv[i][0] == '-' && argv[i][1]) return usage_err("unknown option ", argv[i]);
    else if (!table) table = argv[i];
    else return usage_err("unexpected argument ", argv[i]);
  }
  if (!table) return usage_err("state needs a TABLE", NULL);
  arena *ar = arena_new("cli", 16384);
  if (!ar) return cli_error("out of memory");
  lago_err err;
  lago_err_clear(&err);
  tbl_handlers h = tbl_handlers_default(fs_local());
  catalog *cat = NULL;
  const char *root;
  cdc_state_info info;
  int rc = catalog_open(&h, cx->warehouse, &cat, &err);
  if (rc == LAGO_OK) rc = catalog_resolve(cat, table, ar, &root, &err);
  if (rc == LAGO_OK) rc = cdc_state_describe(NULL, root, ar, &info, &err);
  catalog_free(cat);
  if (rc) {
    arena_free(ar);
    return cli_error("%s", err.msg);
  }
  if (json) {
    printf("{\"table\":\"%s\",\"version\":%lld,\"present\":%s", table, (long long)info.version,
           info.present ? "true" : "false");
    if (info.present)
      printf(",\"keys\":\"%s\",\"sequence\":\"%s\",\"segments\":%u,\"entries\":%llu,\"tombstones\":%llu,\"bytes\":%llu",
             info.keys, info.sequence, info.segments, (unsigned long long)info.entries,
             (unsigned long long)info.tombstones, (unsigned long long)info.bytes);
    printf("}\n");
  } else if (!info.present) {
    printf("%s (version %lld) has no CDC state\n", table, (long long)info.version);
  } else {
    printf("%s (version %lld): keys (%s) sequenced by %s; %u segments, %llu entries (%llu tombstones), %llu bytes\n", table,
           (long long)info.version, info.keys, info.sequence, info.segments, (unsigned long long)info.entries,
           (unsigned long long)info.tombstones, (unsigned long long)info.bytes);
  }
  arena_free(ar);
  return CLI_OK;
}

int cmd_cdc(cli_ctx *cx, int argc, char **argv) {
  if (argc < 2) return usage_err("missing subcommand (run, validate, state)", NULL);
  const char *sub = argv[1];
  if (!strcmp(sub, "run")) return cdc_run_cmd(cx, argc, argv);
  if (!strcmp(sub, "validate")) return cdc_validate_cmd(argc, argv);
  if (!strcmp(sub, "state")) return cdc_state_cmd(cx, argc, argv);
  return usage_err("unknown subcommand ", sub);
}
