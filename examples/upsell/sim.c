/*
** examples/upsell/sim.c: upsell-sim, the source simulator of the "upsell"
** (loyalty points) demo. Built by the Makefile as build/<mode>/upsell-sim,
** linked with liblago for the Parquet writer (format/parquet/parquet.h) and
** the catalog's volume paths (table/catalog.h); not part of liblago.
**
** It plays the operational database plus the export script of
** shared/docs/WORKFLOWS.md §1: one full-load snapshot of each table, then N
** batches of change data capture (CDC), as Parquet files in a volume:
**
**   <volume>/raw/<schema>/full_load/<table>/LOAD00000001.parquet ... (--files, contiguous key ranges)
**   <volume>/raw/<schema>/cdc/<table>/batch-NNNN-PPP.parquet        (batch NNNN, part PPP of --cdc-files)
**   <volume>/raw/<schema>/_manifest.json                            (what was written: counts per batch)
**
** with <volume> = /Volumes/<catalog>/<schema>/<volume> resolved through the
** warehouse's catalog (created if missing), or a plain directory (--out).
**
** Tables (all columns nullable; CDC files add `op` STRING 'I'/'U'/'D' and
** `modified_at` TIMESTAMP after the base columns):
**   customers(customer_id BIGINT pk, name STRING, email STRING, points BIGINT,
**             created_at TIMESTAMP, updated_at TIMESTAMP)
**   transactions(transaction_id BIGINT pk, customer_id BIGINT, product STRING,
**             points INT, amount DECIMAL(12,2), channel STRING, created_at TIMESTAMP)
**   products(product_id BIGINT pk, name STRING, category STRING, price DECIMAL(10,2),
**             points_per_unit INT, active BOOLEAN, updated_at TIMESTAMP)
** Sizes: customers 100,000 x SF rows, transactions 1,000,000 x SF, products 20
** (the names the transactions' `product` column uses).
**
** CDC batches mirror shared/bench/gen.mjs ("CDC batch" in its README): per
** batch b, B = max(20, 10% of the table's initial rows): 0.5 B updates of
** random existing keys, 0.1 B more updates re-hitting 0.05 B of those keys,
** 0.3 B inserts of new keys, 0.02 B updates of keys inserted in the same
** batch, 0.1 B deletes of random keys, 0.005 B deletes of keys inserted in
** the same batch; modified_at unique inside a batch and shuffled across the
** batch's files and rows; in batches >= 2, 1% of the rows (--late-pct) are
** "late" (one day older, inside the previous batch's window). Random picks can hit keys
** deleted earlier (a U then re-inserts, a D is a no-op); an I never hits a
** key present in the table. Values are not gen.mjs's (those come from
** DuckDB's hash); every value here is a function of (seed, table, key,
** version) through splitmix64, so output is byte-identical for the same
** options, and batch b's rows depend on b only (writing batches 1..3 now and
** 4..5 later gives the same files as writing 1..5 at once).
**
** --expected DIR replays the data in memory, independently of lago, and
** writes the state of every table after the full load (v0000) and after
** each batch (v0001...) under both semantics of shared/bench/README.md
** "Semantics":
**   DIR/seed/<table>/vNNNN.csv       latest change per key per batch, applied
**                                    with the three-clause MERGE
**   DIR/sequenced/<table>/vNNNN.csv  SCD type 1 with modified_at as the
**                                    sequence: changes not newer than the
**                                    key's remembered sequence are ignored
**   DIR/manifest.json                the same counts as _manifest.json plus
**                                    rows per version and ignored changes
** CSV files are lago's canonical text (vec/value_text.h, as `lago parquet cat`
** and `lago table cat` print it): a header line of quoted column names, then
** one line per row sorted by the primary key.
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/parquet/parquet.h"
#include "io/fs.h"
#include "table/catalog.h"
#include "table/handlers.h"
#include "util/alloc.h"
#include "util/datetime.h"
#include "util/json.h"
#include "vec/value_text.h"
#include "vec/vector.h"

#define DAY_US 86400000000LL
#define HOUR_US 3600000000LL
#define VER_BATCH 1000000000LL /* CDC version of row r of batch b: b * VER_BATCH + r */
#define P_PRIME 2147483647LL   /* slot permutation for modified_at (prime > any batch size) */

enum { T_CUSTOMERS, T_TRANSACTIONS, T_PRODUCTS, N_TABLES };

static const char *const k_table[N_TABLES] = {"customers", "transactions", "products"};
static const char *const k_pk[N_TABLES] = {"customer_id", "transaction_id", "product_id"};

static const char *const k_first[] = {
    "James", "Mary",    "John",     "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
    "David", "Barbara", "Richard",  "Susan",    "Joseph", "Jessica",  "Thomas",  "Sarah", "Charles", "Karen",
    "Ana",   "Luis",    "Sofia",    "Mateo",    "Lucia",  "Hugo",     "Emma",    "Noah",  "Olivia",  "Liam",
    "Chen",  "Wei",     "Yuki",     "Hiro",     "Priya",  "Arjun",    "Fatima",  "Omar",  "Ingrid",  "Lars"};
static const char *const k_last[] = {
    "Smith",     "Johnson", "Williams", "Brown",    "Jones",   "Garcia",  "Miller", "Davis",   "Rodriguez", "Martinez",
    "Hernandez", "Lopez",   "Gonzalez", "Wilson",   "Anderson", "Thomas", "Taylor", "Moore",   "Jackson",   "Martin",
    "Lee",       "Perez",   "Thompson", "White",    "Harris",  "Sanchez", "Clark",  "Ramirez", "Lewis",     "Robinson",
    "Walker",    "Young",   "Allen",    "King",     "Wright",  "Scott",   "Torres", "Nguyen",  "Hill",      "Flores"};
static const char *const k_domains[] = {"example.com", "mail.test", "corp.example", "inbox.test", "shop.example"};
static const char *const k_products[] = {"coffee", "espresso", "latte",     "tea",         "muffin",     "bagel",  "sandwich",
                                         "salad",  "juice",    "smoothie",  "cookie",      "croissant",  "water",  "soda",
                                         "wrap",   "soup",     "gift_card", "merch_mug",   "merch_shirt", "beans_1kg"};
static const char *const k_product_cat[] = {"drinks", "drinks", "drinks", "drinks", "bakery", "bakery", "food",
                                            "food",   "drinks", "drinks", "bakery", "bakery", "drinks", "drinks",
                                            "food",   "food",   "gifts",  "merch",  "merch",  "grocery"};
static const char *const k_categories[] = {"drinks", "bakery", "food", "gifts", "merch", "grocery", "seasonal"};
static const char *const k_channels[] = {"web", "mobile", "store", "partner", "call_center"};
#define NELEM(a) (sizeof(a) / sizeof *(a))

/* ---- options and plan ------------------------------------------------------------------------- */

typedef struct sim {
  uint64_t seed;
  double sf;
  int batches, files, cdc_files, from_batch;
  int late_pct;                /* % of rows of batches >= 2 that are late (default 1, as gen.mjs) */
  bool skip_full_load, clean;
  const char *schema;          /* source schema name in the raw path */
  const char *root;            /* <volume or --out>/raw/<schema> */
  const char *expected;        /* --expected DIR or NULL */
  int64_t n0[N_TABLES];        /* initial rows */
  int64_t t_base[N_TABLES];    /* created_at / updated_at base of the full load */
  int64_t t_new;               /* start of batch 1's window: 2025-01-01 */
  lago_type cols[N_TABLES][10];
  const char *names[N_TABLES][10];
  uint32_t n_base[N_TABLES];   /* base columns (CDC files add op, modified_at) */
  lago_type schema_full[N_TABLES], schema_cdc[N_TABLES];
  arena *ar;                   /* program lifetime */
  buf manifest;                /* JSON of what was written (_manifest.json) */
  lago_err err;
} sim;

typedef struct plan {
  int64_t B, a, dU, dk, nI, nIU, nD, nID, s1, s2, s3, s4, s5, R, max_prev;
} plan;

static int64_t jround(double x) { return (int64_t)floor(x + 0.5); } /* JavaScript Math.round */

static plan batch_plan(int64_t n0, int b) {
  plan p;
  p.B = jround(0.1 * (double)n0);
  if (p.B < 20) p.B = 20;
  p.a = jround(0.5 * (double)p.B);
  p.dU = jround(0.1 * (double)p.B);
  p.dk = jround(0.05 * (double)p.B);
  if (p.dk < 1) p.dk = 1;
  p.nI = jround(0.3 * (double)p.B);
  p.nIU = jround(0.02 * (double)p.B);
  p.nD = jround(0.1 * (double)p.B);
  p.nID = jround(0.005 * (double)p.B);
  if (p.nID < 1) p.nID = 1;
  p.s1 = p.a;
  p.s2 = p.s1 + p.dU;
  p.s3 = p.s2 + p.nI;
  p.s4 = p.s3 + p.nIU;
  p.s5 = p.s4 + p.nD;
  p.R = p.s5 + p.nID;
  p.max_prev = n0 + (int64_t)(b - 1) * p.nI;
  return p;
}

/* ---- values ---------------------------------------------------------------------------------- */

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* The one source of randomness: a hash of (seed, table, a, b, salt). */
static uint64_t H(const sim *s, int t, int64_t a, int64_t b, int salt) {
  uint64_t h = mix64(s->seed ^ ((uint64_t)(t + 1) << 56));
  h = mix64(h ^ (uint64_t)a);
  h = mix64(h ^ (uint64_t)b);
  return mix64(h ^ (uint64_t)salt);
}

/* A row of a table: the full-load row (ver 0) or a CDC row (ver = b * VER_BATCH + r). */
typedef struct change {
  int64_t key;
  int64_t ver;
  int64_t mod_us;   /* modified_at; 0 for full-load rows */
  char op;          /* 'I', 'U', 'D'; 0 for full-load rows */
  uint16_t file;    /* CDC part */
  uint64_t order;   /* position inside the part */
} change;

/* created_at of a key that batch number (key - n0 - 1) / nI + 1 inserts: its window start minus < 1 h. */
static int64_t new_created(const sim *s, int t, int64_t id, int salt) {
  plan p = batch_plan(s->n0[t], 1);
  int64_t b_ins = (id - s->n0[t] - 1) / p.nI;
  return s->t_new + b_ins * DAY_US - (int64_t)(H(s, t, id, 0, salt) % (uint64_t)HOUR_US);
}

static int set_str(vec *v, uint32_t row, const char *p) { return vec_set_str(v, row, p, (uint32_t)strlen(p)); }

static void lower_into(char *dst, const char *src) {
  while (*src) *dst++ = (char)(*src >= 'A' && *src <= 'Z' ? *src - 'A' + 'a' : *src), src++;
  *dst = 0;
}

/* Fills row `row` of the batch's first n_base columns (and op/modified_at when cdc) from c. */
static int fill_row(const sim *s, int t, batch *bt, uint32_t row, const change *c, bool cdc) {
  vec *v = bt->cols;
  int64_t id = c->key, ver = c->ver;
  char tmp[160];
  switch (t) {
    case T_CUSTOMERS: {
      const char *fn = k_first[H(s, t, id, 0, 1) % NELEM(k_first)];
      const char *ln = k_last[H(s, t, id, 0, 2) % NELEM(k_last)];
      VEC_DATA(&v[0], int64_t)[row] = id;
      snprintf(tmp, sizeof tmp, "%s %s", fn, ln);
      TRY(set_str(&v[1], row, tmp));
      if (H(s, t, id, ver, 7) % 50 == 0) {
        TRY(vec_set_null(&v[2], row));
      } else {
        char lf[32], ll[32];
        lower_into(lf, fn);
        lower_into(ll, ln);
        snprintf(tmp, sizeof tmp, "%s.%s%lld@%s", lf, ll, (long long)id,
                 k_domains[H(s, t, id, ver, 3) % NELEM(k_domains)]);
        TRY(set_str(&v[2], row, tmp));
      }
      VEC_DATA(&v[3], int64_t)[row] = (int64_t)(H(s, t, id, ver, 4) % 100000);
      int64_t created = id <= s->n0[t] ? s->t_base[t] + (int64_t)(H(s, t, id, 0, 5) % (uint64_t)(5 * 365 * DAY_US))
                                       : new_created(s, t, id, 5);
      VEC_DATA(&v[4], int64_t)[row] = created;
      VEC_DATA(&v[5], int64_t)[row] =
          ver == 0 ? created + (int64_t)(H(s, t, id, 0, 6) % (uint64_t)(365 * DAY_US)) : c->mod_us;
      break;
    }
    case T_TRANSACTIONS: {
      /* customer_id: skewed towards low ids; only customers that exist once this batch is applied */
      int64_t b = ver / VER_BATCH;
      int64_t nc = s->n0[T_CUSTOMERS] + b * batch_plan(s->n0[T_CUSTOMERS], 1).nI;
      double u = (double)(H(s, t, id, 0, 11) % 1000000000ULL) / 1e9;
      VEC_DATA(&v[0], int64_t)[row] = id;
      VEC_DATA(&v[1], int64_t)[row] = 1 + (int64_t)floor((double)nc * u * u);
      TRY(set_str(&v[2], row, k_products[H(s, t, id, 0, 12) % NELEM(k_products)]));
      VEC_DATA(&v[3], int32_t)[row] = (int32_t)(H(s, t, id, ver, 13) % 1000);
      VEC_DATA(&v[4], int64_t)[row] = (int64_t)(H(s, t, id, ver, 14) % 200000) + 50; /* cents */
      if (H(s, t, id, ver, 17) % 100 == 0)
        TRY(vec_set_null(&v[5], row));
      else
        TRY(set_str(&v[5], row, k_channels[H(s, t, id, ver, 15) % NELEM(k_channels)]));
      VEC_DATA(&v[6], int64_t)[row] = id <= s->n0[t]
                                          ? s->t_base[t] + (int64_t)(H(s, t, id, 0, 16) % (uint64_t)(366 * DAY_US))
                                          : new_created(s, t, id, 16);
      break;
    }
    case T_PRODUCTS: {
      VEC_DATA(&v[0], int64_t)[row] = id;
      if (id >= 1 && id <= (int64_t)NELEM(k_products)) {
        TRY(set_str(&v[1], row, k_products[id - 1]));
        TRY(set_str(&v[2], row, k_product_cat[id - 1]));
      } else {
        snprintf(tmp, sizeof tmp, "new_product_%lld", (long long)id);
        TRY(set_str(&v[1], row, tmp));
        TRY(set_str(&v[2], row, k_categories[H(s, t, id, 0, 31) % NELEM(k_categories)]));
      }
      VEC_DATA(&v[3], int64_t)[row] = 50 + (int64_t)(H(s, t, id, ver, 32) % 2000); /* cents */
      VEC_DATA(&v[4], int32_t)[row] = 1 + (int32_t)(H(s, t, id, ver, 33) % 20);
      VEC_DATA(&v[5], uint8_t)[row] = H(s, t, id, ver, 34) % 10 != 0;
      VEC_DATA(&v[6], int64_t)[row] =
          ver == 0 ? s->t_base[t] + (int64_t)(H(s, t, id, 0, 35) % (uint64_t)(365 * DAY_US)) : c->mod_us;
      break;
    }
  }
  if (cdc) {
    uint32_t nb = s->n_base[t];
    char op[2] = {c->op, 0};
    TRY(set_str(&v[nb], row, op));
    VEC_DATA(&v[nb + 1], int64_t)[row] = c->mod_us;
  }
  return LAGO_OK;
}

/* The R changes of batch b of table t, in generation order (row r = index). Heap; caller frees. */
static change *batch_changes(const sim *s, int t, int b, int64_t *n_out) {
  plan p = batch_plan(s->n0[t], b);
  change *cs = mem_calloc((size_t)p.R, sizeof *cs);
  if (!cs) return NULL;
  int64_t step = DAY_US / p.R;
  for (int64_t r = 0; r < p.R; r++) {
    change *c = &cs[r];
    if (r < p.s1)
      c->key = 1 + (int64_t)(H(s, t, b, r, 21) % (uint64_t)p.max_prev);
    else if (r < p.s2)
      c->key = 1 + (int64_t)(H(s, t, b, (r - p.s1) % p.dk, 21) % (uint64_t)p.max_prev); /* same keys as A's first dk */
    else if (r < p.s3)
      c->key = p.max_prev + 1 + (r - p.s2);
    else if (r < p.s4)
      c->key = p.max_prev + 1 + ((r - p.s3) % p.nI);
    else if (r < p.s5)
      c->key = 1 + (int64_t)(H(s, t, b, r, 22) % (uint64_t)p.max_prev);
    else
      c->key = p.max_prev + p.nI - ((r - p.s5) % p.nI);
    c->op = r < p.s2 ? 'U' : r < p.s3 ? 'I' : r < p.s4 ? 'U' : 'D';
    int64_t late = b > 1 && (int)(H(s, t, b, r, 24) % 100) < s->late_pct ? DAY_US : 0;
    c->mod_us = s->t_new + (int64_t)(b - 1) * DAY_US + ((r * P_PRIME) % p.R) * step +
                (int64_t)(H(s, t, b, r, 23) % (uint64_t)step) - late;
    c->ver = (int64_t)b * VER_BATCH + r;
    c->file = (uint16_t)(H(s, t, b, r, 25) % (uint64_t)s->cdc_files);
    c->order = H(s, t, b, r, 26);
  }
  *n_out = p.R;
  return cs;
}

/* ---- a local file system without fsync ----------------------------------------------------------
** Generated data can be regenerated after a crash, so the simulator writes through fs_local's
** vtable with create/write/commit replaced: a temp file renamed (or linked, for put-if-absent)
** into place, never synced. That keeps SF 1 at about a second instead of waiting for 60 fsyncs
** of files and directories. Everything else (mkdirs, stat, remove) is fs_local's. */
typedef struct fast_wfile {
  lago_wfile base;  /* base.path: the final path (heap) */
  int fd;
  char *tmp;        /* heap */
} fast_wfile;

static lago_fs_vtab g_fast_vt;
static lago_fs g_fast_fs;

static int fast_os_err(lago_err *err, int e, const char *op, const char *path) {
  int rc = e == EEXIST ? LAGO_EXISTS : e == ENOSPC || e == EDQUOT ? LAGO_FULL : e == ENOENT ? LAGO_NOTFOUND : LAGO_IO;
  return LAGO_ERR(err, rc, "%s %s: %s", op, path, strerror(e));
}

static void fast_free(fast_wfile *w) {
  mem_free((char *)w->base.path);
  mem_free(w->tmp);
  mem_free(w);
}

static int fast_create(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err) {
  (void)fs;
  *out = NULL;
  const char *slash = strrchr(path, '/');
  if (slash && slash != path) {
    char *dir = mem_strndup(path, (size_t)(slash - path));
    if (!dir) return LAGO_NOMEM_ERR(err);
    int rc = fs_mkdirs(fs_local(), dir, err);
    mem_free(dir);
    TRY(rc);
  }
  fast_wfile *w = mem_calloc(1, sizeof *w);
  size_t n = strlen(path) + 32;
  char *tmp = mem_alloc(n);
  char *fin = mem_strdup(path);
  if (!w || !tmp || !fin) {
    mem_free(w);
    mem_free(tmp);
    mem_free(fin);
    return LAGO_NOMEM_ERR(err);
  }
  snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
  w->base.fs = &g_fast_fs;
  w->base.path = fin;
  w->tmp = tmp;
  w->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    int rc = fast_os_err(err, errno, "create", tmp);
    fast_free(w);
    return rc;
  }
  *out = &w->base;
  return LAGO_OK;
}

static int fast_write(lago_wfile *base, const void *data, size_t n, lago_err *err) {
  fast_wfile *w = (fast_wfile *)base;
  const char *p = data;
  while (n) {
    ssize_t k = write(w->fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return fast_os_err(err, errno, "write", w->tmp);
    p += k;
    n -= (size_t)k;
    base->written += (uint64_t)k;
  }
  return LAGO_OK;
}

static void fast_abort(lago_wfile *base) {
  if (!base) return;
  fast_wfile *w = (fast_wfile *)base;
  close(w->fd);
  unlink(w->tmp);
  fast_free(w);
}

static int fast_commit(lago_wfile *base, bool replace, lago_err *err) {
  fast_wfile *w = (fast_wfile *)base;
  int rc = LAGO_OK;
  if (close(w->fd) != 0) rc = fast_os_err(err, errno, "close", w->tmp);
  w->fd = -1;
  if (rc == LAGO_OK && replace && rename(w->tmp, base->path) != 0) rc = fast_os_err(err, errno, "rename", base->path);
  if (rc == LAGO_OK && !replace && link(w->tmp, base->path) != 0) rc = fast_os_err(err, errno, "create", base->path);
  if (rc || !replace) unlink(w->tmp);
  fast_free(w);
  return rc;
}

static lago_fs *fast_fs(void) {
  if (!g_fast_fs.vt) {
    g_fast_vt = *fs_local()->vt;
    g_fast_vt.name = "local-nosync";
    g_fast_vt.create = fast_create;
    g_fast_vt.wfile_write = fast_write;
    g_fast_vt.wfile_commit = fast_commit;
    g_fast_vt.wfile_abort = fast_abort;
    g_fast_fs.vt = &g_fast_vt;
  }
  return &g_fast_fs;
}

/* ---- writing Parquet ------------------------------------------------------------------------- */

/* Writes rows cs[0..n) of table t to path (full-load or CDC columns). */
static int write_parquet(sim *s, int t, const char *path, const change *cs, int64_t n, bool cdc) {
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.created_by = "upsell-sim (lago examples/upsell)";
  pq_writer *w;
  TRY(pq_writer_open(fast_fs(), path, cdc ? s->schema_cdc[t] : s->schema_full[t], &o, &w, &s->err));
  arena *ar = arena_new("batch", 1 << 16);
  if (!ar) {
    pq_writer_abort(w);
    return LAGO_NOMEM_ERR(&s->err);
  }
  uint32_t ncols = s->n_base[t] + (cdc ? 2 : 0);
  int rc = LAGO_OK;
  for (int64_t at = 0; at < n && rc == LAGO_OK; at += LAGO_VECTOR_SIZE) {
    arena_reset(ar);
    uint32_t k = (uint32_t)(n - at < LAGO_VECTOR_SIZE ? n - at : LAGO_VECTOR_SIZE);
    batch *bt = batch_new(ar, ncols, s->cols[t], LAGO_VECTOR_SIZE);
    if (!bt) rc = LAGO_NOMEM_ERR(&s->err);
    for (uint32_t i = 0; i < k && rc == LAGO_OK; i++) rc = fill_row(s, t, bt, i, &cs[at + i], cdc);
    if (rc == LAGO_OK) {
      batch_set_rows(bt, k);
      rc = pq_writer_write(w, bt, &s->err);
    }
  }
  arena_free(ar);
  if (rc) {
    pq_writer_abort(w);
    return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(&s->err) : rc;
  }
  return pq_writer_close(w, NULL, NULL, &s->err);
}

static int cmp_file_order(const void *a, const void *b) {
  const change *x = a, *y = b;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- expected states ----------------------------------------------------------------------------- */

typedef struct slot {
  int64_t ver;      /* the version the row holds */
  int64_t mod_us;
  bool present;
} slot;

typedef struct replay {
  slot *seed;       /* seed semantics: the table */
  slot *seq;        /* sequenced semantics: the table */
  int64_t *seq_at;  /* sequenced: remembered modified_at per key; INT64_MIN = never applied */
  int64_t n_keys;   /* keys 1..n_keys-1 */
} replay;

/* Latest first per key: key asc, modified_at desc, op asc (the README's ROW_NUMBER order). */
static int cmp_latest(const void *a, const void *b) {
  const change *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->mod_us != y->mod_us) return x->mod_us > y->mod_us ? -1 : 1;
  return x->op < y->op ? -1 : x->op > y->op;
}

/* Writes the rows present in tab, sorted by key, as canonical CSV at path. */
static int write_state_csv(sim *s, int t, const slot *tab, int64_t n_keys, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) return LAGO_ERR(&s->err, LAGO_IO, "%s: %s", path, strerror(errno));
  arena *ar = arena_new("batch", 1 << 16);
  buf line;
  buf_init(&line);
  int rc = ar ? LAGO_OK : LAGO_NOMEM_ERR(&s->err);
  for (uint32_t c = 0; c < s->n_base[t] && rc == LAGO_OK; c++) {
    if (c) rc = buf_putc(&line, ',');
    if (rc == LAGO_OK) rc = value_text_quote(&line, s->names[t][c], strlen(s->names[t][c]));
  }
  if (rc == LAGO_OK) rc = buf_putc(&line, '\n');
  change chunk[LAGO_VECTOR_SIZE];
  int64_t key = 1;
  while (rc == LAGO_OK) {
    uint32_t k = 0;
    for (; key < n_keys && k < LAGO_VECTOR_SIZE; key++)
      if (tab[key].present) chunk[k++] = (change){.key = key, .ver = tab[key].ver, .mod_us = tab[key].mod_us};
    if (k == 0) break;
    arena_reset(ar);
    batch *bt = batch_new(ar, s->n_base[t], s->cols[t], LAGO_VECTOR_SIZE);
    if (!bt) rc = LAGO_NOMEM_ERR(&s->err);
    for (uint32_t i = 0; i < k && rc == LAGO_OK; i++) rc = fill_row(s, t, bt, i, &chunk[i], false);
    if (rc == LAGO_OK) batch_set_rows(bt, k);
    for (uint32_t i = 0; i < k && rc == LAGO_OK; i++) {
      for (uint32_t c = 0; c < s->n_base[t] && rc == LAGO_OK; c++) {
        if (c) rc = buf_putc(&line, ',');
        if (rc == LAGO_OK) rc = value_text_append(&line, &bt->cols[c], i);
      }
      if (rc == LAGO_OK) rc = buf_putc(&line, '\n');
    }
    if (rc == LAGO_OK && line.len > (1u << 20)) {
      if (fwrite(line.data, 1, line.len, f) != line.len) rc = LAGO_ERR(&s->err, LAGO_IO, "%s: write failed", path);
      buf_clear(&line);
    }
  }
  if (rc == LAGO_OK && line.len && fwrite(line.data, 1, line.len, f) != line.len)
    rc = LAGO_ERR(&s->err, LAGO_IO, "%s: write failed", path);
  if (fclose(f) != 0 && rc == LAGO_OK) rc = LAGO_ERR(&s->err, LAGO_IO, "%s: %s", path, strerror(errno));
  if (rc == LAGO_NOMEM) LAGO_NOMEM_ERR(&s->err);
  buf_deinit(&line);
  arena_free(ar);
  return rc;
}

static int64_t count_present(const slot *tab, int64_t n) {
  int64_t c = 0;
  for (int64_t k = 1; k < n; k++) c += tab[k].present;
  return c;
}

/* ---- the run ------------------------------------------------------------------------------------ */

static int mkdirs(sim *s, const char *path) { return fs_mkdirs(fs_local(), path, &s->err); }

static int run_table(sim *s, int t, json_writer *mw, json_writer *xw) {
  arena *ar = s->ar;
  int64_t n0 = s->n0[t];
  json_w_key(mw, k_table[t]);
  json_w_begin_obj(mw);
  json_w_key(mw, "pk");
  json_w_str(mw, k_pk[t]);
  json_w_key(mw, "initial_rows");
  json_w_i64(mw, n0);
  json_w_key(mw, "columns");
  json_w_begin_arr(mw);
  for (uint32_t c = 0; c < s->n_base[t] + 2; c++) {
    json_w_begin_arr(mw);
    json_w_str(mw, s->names[t][c]);
    json_w_str(mw, type_sql_name(ar, s->cols[t][c]));
    json_w_end_arr(mw);
  }
  json_w_end_arr(mw);

  /* full load: contiguous key ranges */
  const char *fdir = arena_printf(ar, "%s/full_load/%s", s->root, k_table[t]);
  if (!fdir) return LAGO_NOMEM_ERR(&s->err);
  json_w_key(mw, "full_load");
  json_w_begin_arr(mw);
  if (!s->skip_full_load) {
    TRY(mkdirs(s, fdir));
    change *cs = mem_calloc((size_t)n0, sizeof *cs);
    if (!cs) return LAGO_NOMEM_ERR(&s->err);
    for (int64_t k = 0; k < n0; k++) cs[k] = (change){.key = k + 1};
    int rc = LAGO_OK;
    for (int i = 0; i < s->files && rc == LAGO_OK; i++) {
      int64_t lo = (int64_t)i * n0 / s->files, hi = (int64_t)(i + 1) * n0 / s->files;
      const char *p = arena_printf(ar, "%s/LOAD%08d.parquet", fdir, i + 1);
      rc = p ? write_parquet(s, t, p, cs + lo, hi - lo, false) : LAGO_NOMEM_ERR(&s->err);
      if (rc == LAGO_OK) json_w_str(mw, p + strlen(s->root) + 1);
    }
    mem_free(cs);
    TRY(rc);
  }
  json_w_end_arr(mw);

  /* expected: the replay state, v0000 = the full load */
  replay rp = {0};
  plan last = batch_plan(n0, s->batches);
  rp.n_keys = last.max_prev + last.nI + 1;
  const char *xdir[2] = {NULL, NULL};
  if (s->expected) {
    rp.seed = mem_calloc((size_t)rp.n_keys, sizeof *rp.seed);
    rp.seq = mem_calloc((size_t)rp.n_keys, sizeof *rp.seq);
    rp.seq_at = mem_calloc((size_t)rp.n_keys, sizeof *rp.seq_at);
    if (!rp.seed || !rp.seq || !rp.seq_at) {
      mem_free(rp.seed);
      mem_free(rp.seq);
      mem_free(rp.seq_at);
      return LAGO_NOMEM_ERR(&s->err);
    }
    for (int64_t k = 0; k < rp.n_keys; k++) rp.seq_at[k] = INT64_MIN;
    for (int64_t k = 1; k <= n0; k++) rp.seed[k] = rp.seq[k] = (slot){0, 0, true};
    xdir[0] = arena_printf(ar, "%s/seed/%s", s->expected, k_table[t]);
    xdir[1] = arena_printf(ar, "%s/sequenced/%s", s->expected, k_table[t]);
  }
  int rc = LAGO_OK;
  if (s->expected) {
    for (int m = 0; m < 2 && rc == LAGO_OK; m++) {
      const char *p = xdir[m] ? arena_printf(ar, "%s/v0000.csv", xdir[m]) : NULL;
      rc = p ? mkdirs(s, xdir[m]) : LAGO_NOMEM_ERR(&s->err);
      if (rc == LAGO_OK) rc = write_state_csv(s, t, m ? rp.seq : rp.seed, rp.n_keys, p);
    }
    json_w_key(xw, k_table[t]);
    json_w_begin_obj(xw);
    json_w_key(xw, "versions");
    json_w_begin_arr(xw);
    json_w_begin_obj(xw);
    json_w_key(xw, "version");
    json_w_i64(xw, 0);
    json_w_key(xw, "seed_rows");
    json_w_i64(xw, n0);
    json_w_key(xw, "sequenced_rows");
    json_w_i64(xw, n0);
    json_w_end_obj(xw);
  }

  /* CDC batches */
  const char *cdir = arena_printf(ar, "%s/cdc/%s", s->root, k_table[t]);
  if (!cdir) rc = LAGO_NOMEM_ERR(&s->err);
  if (rc == LAGO_OK) rc = mkdirs(s, cdir);
  json_w_key(mw, "cdc");
  json_w_begin_arr(mw);
  for (int b = 1; b <= s->batches && rc == LAGO_OK; b++) {
    int64_t n;
    change *cs = batch_changes(s, t, b, &n);
    if (!cs) {
      rc = LAGO_NOMEM_ERR(&s->err);
      break;
    }
    plan p = batch_plan(n0, b);
    int64_t ops[3] = {0}, late = 0;
    for (int64_t r = 0; r < n; r++) {
      ops[cs[r].op == 'I' ? 0 : cs[r].op == 'U' ? 1 : 2]++;
      late += cs[r].mod_us < s->t_new + (int64_t)(b - 1) * DAY_US;
    }
    json_w_begin_obj(mw);
    json_w_key(mw, "batch");
    json_w_i64(mw, b);
    json_w_key(mw, "rows");
    json_w_i64(mw, n);
    json_w_key(mw, "ops");
    json_w_begin_obj(mw);
    json_w_key(mw, "I");
    json_w_i64(mw, ops[0]);
    json_w_key(mw, "U");
    json_w_i64(mw, ops[1]);
    json_w_key(mw, "D");
    json_w_i64(mw, ops[2]);
    json_w_end_obj(mw);
    json_w_key(mw, "late_rows");
    json_w_i64(mw, late);
    json_w_key(mw, "max_key_before");
    json_w_i64(mw, p.max_prev);
    json_w_key(mw, "written");
    json_w_bool(mw, b >= s->from_batch);
    json_w_key(mw, "files");
    json_w_begin_arr(mw);
    if (b >= s->from_batch) {
      change *byf = mem_alloc((size_t)n * sizeof *byf);
      if (!byf) rc = LAGO_NOMEM_ERR(&s->err);
      if (rc == LAGO_OK) {
        memcpy(byf, cs, (size_t)n * sizeof *byf);
        qsort(byf, (size_t)n, sizeof *byf, cmp_file_order);
        int64_t at = 0;
        for (int f = 0; f < s->cdc_files && rc == LAGO_OK; f++) {
          int64_t e = at;
          while (e < n && byf[e].file == f) e++;
          const char *path = arena_printf(ar, "%s/batch-%04d-%03d.parquet", cdir, b, f);
          rc = path ? write_parquet(s, t, path, byf + at, e - at, true) : LAGO_NOMEM_ERR(&s->err);
          if (rc == LAGO_OK) json_w_str(mw, path + strlen(s->root) + 1);
          at = e;
        }
      }
      mem_free(byf);
    }
    json_w_end_arr(mw);
    if (s->expected && rc == LAGO_OK) {
      /* latest change per key, then both semantics */
      qsort(cs, (size_t)n, sizeof *cs, cmp_latest);
      int64_t distinct = 0, ignored = 0;
      for (int64_t r = 0; r < n; r++) {
        if (r > 0 && cs[r].key == cs[r - 1].key) continue;
        distinct++;
        const change *c = &cs[r];
        slot *sd = &rp.seed[c->key];
        if (c->op == 'D') {
          if (sd->present) sd->present = false;
        } else if (sd->present) {
          if (c->op == 'U') *sd = (slot){c->ver, c->mod_us, true};
        } else {
          *sd = (slot){c->ver, c->mod_us, true};
        }
        if (c->mod_us <= rp.seq_at[c->key]) {
          ignored++;
          continue;
        }
        rp.seq_at[c->key] = c->mod_us;
        slot *sq = &rp.seq[c->key];
        if (c->op == 'D')
          sq->present = false;
        else
          *sq = (slot){c->ver, c->mod_us, true};
      }
      json_w_key(mw, "distinct_keys");
      json_w_i64(mw, distinct);
      for (int m = 0; m < 2 && rc == LAGO_OK; m++) {
        const char *path = arena_printf(ar, "%s/v%04d.csv", xdir[m], b);
        rc = path ? write_state_csv(s, t, m ? rp.seq : rp.seed, rp.n_keys, path) : LAGO_NOMEM_ERR(&s->err);
      }
      json_w_begin_obj(xw);
      json_w_key(xw, "version");
      json_w_i64(xw, b);
      json_w_key(xw, "seed_rows");
      json_w_i64(xw, count_present(rp.seed, rp.n_keys));
      json_w_key(xw, "sequenced_rows");
      json_w_i64(xw, count_present(rp.seq, rp.n_keys));
      json_w_key(xw, "latest_changes");
      json_w_i64(xw, distinct);
      json_w_key(xw, "sequenced_ignored_not_newer");
      json_w_i64(xw, ignored);
      json_w_end_obj(xw);
    }
    json_w_end_obj(mw);
    mem_free(cs);
  }
  json_w_end_arr(mw);
  json_w_end_obj(mw);
  if (s->expected) {
    json_w_end_arr(xw);
    json_w_end_obj(xw);
  }
  mem_free(rp.seed);
  mem_free(rp.seq);
  mem_free(rp.seq_at);
  return rc;
}

static int setup_types(sim *s) {
  static const char *const cust[] = {"customer_id", "name", "email", "points", "created_at", "updated_at"};
  static const char *const tx[] = {"transaction_id", "customer_id", "product", "points", "amount", "channel", "created_at"};
  static const char *const pr[] = {"product_id", "name", "category", "price", "points_per_unit", "active", "updated_at"};
  lago_type I64 = type_make(LT_BIGINT), I32 = type_make(LT_INT), STR = type_make(LT_STRING),
            TS = type_make(LT_TIMESTAMP), BOOL = type_make(LT_BOOLEAN);
  lago_type ct[] = {I64, STR, STR, I64, TS, TS};
  lago_type tt[] = {I64, I64, STR, I32, type_decimal(12, 2), STR, TS};
  lago_type pt[] = {I64, STR, STR, type_decimal(10, 2), I32, BOOL, TS};
  const char *const *names[N_TABLES] = {cust, tx, pr};
  const lago_type *types[N_TABLES] = {ct, tt, pt};
  uint32_t n[N_TABLES] = {6, 7, 7};
  for (int t = 0; t < N_TABLES; t++) {
    s->n_base[t] = n[t];
    for (uint32_t c = 0; c < n[t]; c++) {
      s->names[t][c] = names[t][c];
      s->cols[t][c] = types[t][c];
    }
    s->names[t][n[t]] = "op";
    s->cols[t][n[t]] = STR;
    s->names[t][n[t] + 1] = "modified_at";
    s->cols[t][n[t] + 1] = TS;
    if (type_struct(s->ar, n[t], s->names[t], s->cols[t], NULL, &s->schema_full[t]) ||
        type_struct(s->ar, n[t] + 2, s->names[t], s->cols[t], NULL, &s->schema_cdc[t]))
      return LAGO_NOMEM_ERR(&s->err);
  }
  return LAGO_OK;
}

/* Resolves /Volumes/<c>/<s>/<v> under the warehouse, creating the catalog, schema and volume if missing. */
static int resolve_volume(sim *s, const char *warehouse, const char *vol, const char **out) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  catalog *cat;
  TRY(catalog_open(&h, warehouse, &cat, &s->err));
  int rc = catalog_volume_path(cat, vol, s->ar, out, &s->err);
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(&s->err);
    char parts[3][CATALOG_NAME_MAX + 1] = {{0}};
    const char *p = vol + 9; /* after "/Volumes/" */
    for (int i = 0; i < 3; i++) {
      const char *e = strchr(p, '/');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      if (n > CATALOG_NAME_MAX) n = CATALOG_NAME_MAX;
      memcpy(parts[i], p, n);
      p = e ? e + 1 : p + n;
    }
    catalog_name cn;
    char full[3 * (CATALOG_NAME_MAX + 1)];
    snprintf(full, sizeof full, "%s.%s.%s", parts[0], parts[1], parts[2]);
    rc = catalog_parse_name(full, &cn, &s->err);
    if (rc == LAGO_OK) rc = catalog_create_catalog(cat, cn.catalog, true, &s->err);
    if (rc == LAGO_OK) rc = catalog_create_schema(cat, cn.catalog, cn.schema, true, &s->err);
    if (rc == LAGO_OK) rc = catalog_create_volume(cat, &cn, &s->err);
    if (rc == LAGO_OK) rc = catalog_volume_path(cat, vol, s->ar, out, &s->err);
  }
  catalog_free(cat);
  return rc;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: upsell-sim [--warehouse DIR] [--volume /Volumes/<catalog>/<schema>/<volume>] [--out DIR]\n"
          "                  [--schema NAME] [--scale SF] [--batches N] [--seed S] [--files F] [--cdc-files P]\n"
          "                  [--late-pct P] [--from-batch B] [--skip-full-load] [--clean] [--expected DIR]\n"
          "  Writes the full load and N CDC batches of the upsell tables (customers, transactions, products)\n"
          "  as Parquet under <volume>/raw/<schema>/ (full_load/<table>/LOAD0000000k.parquet,\n"
          "  cdc/<table>/batch-NNNN-PPP.parquet). Defaults: --warehouse $LAGO_WAREHOUSE or ./lakehouse,\n"
          "  --volume /Volumes/main/upsell/landing (created if missing), --schema upsell, --scale 0.1\n"
          "  (SF 1 = 100,000 customers, 1,000,000 transactions), --batches 5, --seed 42, --files 4,\n"
          "  --cdc-files 4, --late-pct 1 (rows of batches >= 2 that are a day late). --out DIR writes\n"
          "  under DIR instead of a volume. --from-batch B writes only\n"
          "  batches B..N (the files are the same as when written together). --clean removes\n"
          "  <volume>/raw/<schema> first. --expected DIR also writes the expected table states\n"
          "  (DIR/{seed,sequenced}/<table>/vNNNN.csv, DIR/manifest.json); see examples/upsell/README.md.\n");
}

static bool parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int main(int argc, char **argv) {
  sim S;
  memset(&S, 0, sizeof S);
  sim *s = &S;
  s->seed = 42;
  s->sf = 0.1;
  s->batches = 5;
  s->files = 4;
  s->cdc_files = 4;
  s->from_batch = 1;
  s->late_pct = 1;
  s->schema = "upsell";
  const char *env = getenv("LAGO_WAREHOUSE");
  const char *warehouse = env && *env ? env : "./lakehouse";
  const char *volume = "/Volumes/main/upsell/landing", *out_dir = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long n;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--skip-full-load")) {
      s->skip_full_load = true;
      continue;
    } else if (!strcmp(a, "--clean")) {
      s->clean = true;
      continue;
    }
    if (!v) {
      fprintf(stderr, "upsell-sim: %s needs a value\n", a);
      usage(stderr);
      return 2;
    }
    i++;
    if (!strcmp(a, "--warehouse")) {
      warehouse = v;
    } else if (!strcmp(a, "--volume")) {
      volume = v;
    } else if (!strcmp(a, "--out")) {
      out_dir = v;
    } else if (!strcmp(a, "--schema")) {
      s->schema = v;
      if (!*v || strchr(v, '/') || !strcmp(v, ".") || !strcmp(v, "..")) {
        fprintf(stderr, "upsell-sim: --schema must be a plain name, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--expected")) {
      s->expected = v;
    } else if (!strcmp(a, "--scale")) {
      char *end;
      s->sf = strtod(v, &end);
      if (*end || !(s->sf >= 0.001 && s->sf <= 100)) {
        fprintf(stderr, "upsell-sim: --scale takes 0.001..100, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--batches") && parse_int(v, 0, 9999, &n)) {
      s->batches = (int)n;
    } else if (!strcmp(a, "--seed") && parse_int(v, 0, 2147483647L, &n)) {
      s->seed = (uint64_t)n;
    } else if (!strcmp(a, "--files") && parse_int(v, 1, 1000, &n)) {
      s->files = (int)n;
    } else if (!strcmp(a, "--cdc-files") && parse_int(v, 1, 1000, &n)) {
      s->cdc_files = (int)n;
    } else if (!strcmp(a, "--late-pct") && parse_int(v, 0, 100, &n)) {
      s->late_pct = (int)n;
    } else if (!strcmp(a, "--from-batch") && parse_int(v, 1, 9999, &n)) {
      s->from_batch = (int)n;
    } else {
      fprintf(stderr, "upsell-sim: bad option or value: %s %s\n", a, v);
      usage(stderr);
      return 2;
    }
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  s->ar = arena_new("program", 1 << 16);
  if (!s->ar) return 1;
  lago_err_clear(&s->err);
  s->n0[T_CUSTOMERS] = jround(100000 * s->sf);
  s->n0[T_TRANSACTIONS] = jround(1000000 * s->sf);
  s->n0[T_PRODUCTS] = (int64_t)NELEM(k_products);
  s->t_base[T_CUSTOMERS] = days_from_civil(2019, 1, 1) * DAY_US;
  s->t_base[T_TRANSACTIONS] = days_from_civil(2024, 1, 1) * DAY_US;
  s->t_base[T_PRODUCTS] = days_from_civil(2023, 6, 1) * DAY_US;
  s->t_new = days_from_civil(2025, 1, 1) * DAY_US;
  int rc = setup_types(s);
  const char *base = out_dir;
  if (rc == LAGO_OK && !out_dir) rc = resolve_volume(s, warehouse, volume, &base);
  if (rc == LAGO_OK) {
    s->root = arena_printf(s->ar, "%s/raw/%s", base, s->schema);
    if (!s->root) rc = LAGO_NOMEM_ERR(&s->err);
  }
  if (rc == LAGO_OK && s->clean) rc = fs_remove_tree(fs_local(), s->root, &s->err);
  if (rc == LAGO_OK) rc = mkdirs(s, s->root);
  buf xman;
  buf_init(&xman);
  buf_init(&s->manifest);
  json_writer mw, xw;
  json_w_init(&mw, &s->manifest);
  json_w_init(&xw, &xman);
  json_w_begin_obj(&mw);
  json_w_key(&mw, "generator");
  json_w_str(&mw, "upsell-sim 1");
  json_w_key(&mw, "seed");
  json_w_u64(&mw, s->seed);
  json_w_key(&mw, "scale");
  json_w_double(&mw, s->sf);
  json_w_key(&mw, "batches");
  json_w_i64(&mw, s->batches);
  json_w_key(&mw, "files");
  json_w_i64(&mw, s->files);
  json_w_key(&mw, "cdc_files");
  json_w_i64(&mw, s->cdc_files);
  json_w_key(&mw, "late_pct");
  json_w_i64(&mw, s->late_pct);
  json_w_key(&mw, "schema");
  json_w_str(&mw, s->schema);
  json_w_key(&mw, "tables");
  json_w_begin_obj(&mw);
  json_w_begin_obj(&xw);
  for (int t = 0; t < N_TABLES && rc == LAGO_OK; t++) rc = run_table(s, t, &mw, &xw);
  json_w_end_obj(&mw); /* tables */
  json_w_end_obj(&mw);
  json_w_end_obj(&xw);
  if (rc == LAGO_OK && (json_w_finish(&mw) || (s->expected && json_w_finish(&xw)))) rc = LAGO_NOMEM_ERR(&s->err);
  /* _manifest.json beside the data; DIR/manifest.json is the same object plus "expected" (rows per version) */
  if (rc == LAGO_OK) {
    buf x;
    buf_init(&x);
    const char *p1 = arena_printf(s->ar, "%s/_manifest.json", s->root);
    bool oom = !p1 || buf_append(&x, s->manifest.data, s->manifest.len) || buf_putc(&x, '\n');
    rc = oom ? LAGO_NOMEM_ERR(&s->err) : fs_write(fs_local(), p1, x.data, x.len, true, &s->err);
    if (rc == LAGO_OK && s->expected) {
      buf_clear(&x);
      const char *p2 = arena_printf(s->ar, "%s/manifest.json", s->expected);
      oom = !p2 || buf_append(&x, s->manifest.data, s->manifest.len - 1) || buf_puts(&x, ",\"expected\":") ||
            buf_append(&x, xman.data, xman.len) || buf_puts(&x, "}\n");
      rc = oom ? LAGO_NOMEM_ERR(&s->err) : fs_write(fs_local(), p2, x.data, x.len, true, &s->err);
    }
    buf_deinit(&x);
  }
  buf_deinit(&xman);
  buf_deinit(&s->manifest);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc) {
    fprintf(stderr, "upsell-sim: %s%s\n", s->err.msg[0] ? s->err.msg : lago_rc_name(rc),
            rc == LAGO_EXISTS ? " (--clean replaces earlier output)" : "");
    arena_free(s->ar);
    return 1;
  }
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("upsell-sim: scale %g, seed %llu: customers %lld, transactions %lld, products %lld rows + %d CDC batches -> %s "
         "(%.2fs)\n",
         s->sf, (unsigned long long)s->seed, (long long)s->n0[T_CUSTOMERS], (long long)s->n0[T_TRANSACTIONS],
         (long long)s->n0[T_PRODUCTS], s->batches, s->root, secs);
  arena_free(s->ar);
  return 0;
}
