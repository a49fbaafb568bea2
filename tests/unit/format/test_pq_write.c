/*
** tests/unit/format/test_pq_write.c: the Parquet writer end to end
** (writer.c): file layout and footer (decoded here by a small Thrift reader
** written for the test), row groups, page index, file statistics, errors,
** atomic visibility, and fault injection: an allocation-failure sweep and
** an I/O-failure sweep over writing a small nested file, each of which must
** fail cleanly (LAGO_NOMEM / LAGO_IO), leak nothing and leave no file.
*/
#include <dirent.h>
#include <pthread.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/parquet/parquet.h"
#include "format/parquet/pq_write_int.h"
#include "test.h"
#include "util/alloc.h"
#include "util/bits.h"

/* ---- a tiny Thrift compact decoder for checking what was written ---------------- */

typedef struct tnode {
  uint8_t type;          /* compact type; 1 = bool (value in i) */
  int16_t id;            /* field id (struct members) */
  int64_t i;             /* integers, bools */
  const uint8_t *p;      /* binary */
  uint32_t n;            /* binary length, or number of kids */
  struct tnode *kids;    /* struct fields / list elements */
} tnode;

static const uint8_t *uv(const uint8_t *p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int s = 0; p < end && s < 64; s += 7) {
    uint8_t b = *p++;
    *v |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) return p;
  }
  return NULL;
}

static const uint8_t *tval(arena *ar, const uint8_t *p, const uint8_t *end, uint8_t type, tnode *o);

static const uint8_t *tstruct(arena *ar, const uint8_t *p, const uint8_t *end, tnode *o) {
  tnode tmp[64];
  uint32_t n = 0;
  int16_t last = 0;
  for (;;) {
    if (!p || p >= end) return NULL;
    uint8_t h = *p++;
    if (h == 0) break;
    uint8_t type = h & 15;
    int16_t id;
    if (h >> 4) {
      id = (int16_t)(last + (h >> 4));
    } else {
      uint64_t z;
      if (!(p = uv(p, end, &z))) return NULL;
      id = (int16_t)((z >> 1) ^ -(z & 1));
    }
    last = id;
    if (n == 64) return NULL;
    tnode *k = &tmp[n++];
    memset(k, 0, sizeof *k);
    k->id = id;
    p = tval(ar, p, end, type, k);
  }
  o->type = 12;
  o->n = n;
  o->kids = arena_memdup(ar, tmp, n * sizeof *tmp);
  return p;
}

static const uint8_t *tval(arena *ar, const uint8_t *p, const uint8_t *end, uint8_t type, tnode *o) {
  if (!p) return NULL;
  o->type = type;
  uint64_t v;
  switch (type) {
    case 1: o->i = 1; o->type = 1; return p;
    case 2: o->i = 0; o->type = 1; return p;
    case 3: if (p >= end) return NULL; o->i = (int8_t)*p; return p + 1;
    case 4: case 5: case 6:
      if (!(p = uv(p, end, &v))) return NULL;
      o->i = (int64_t)((v >> 1) ^ -(v & 1));
      return p;
    case 8:
      if (!(p = uv(p, end, &v)) || v > (uint64_t)(end - p)) return NULL;
      o->p = p;
      o->n = (uint32_t)v;
      return p + v;
    case 9: {
      if (p >= end) return NULL;
      uint8_t h = *p++;
      uint64_t n = h >> 4;
      uint8_t et = h & 15;
      if (n == 15 && !(p = uv(p, end, &n))) return NULL;
      if (n > 1000000) return NULL;
      o->n = (uint32_t)n;
      o->kids = arena_calloc(ar, n ? n : 1, sizeof(tnode));
      for (uint64_t i = 0; i < n && p; i++) {
        if (et == 1 || et == 2) {
          if (p >= end) return NULL;
          o->kids[i].type = 1;
          o->kids[i].i = *p++ == 1;
        } else {
          p = tval(ar, p, end, et, &o->kids[i]);
        }
      }
      return p;
    }
    case 12: return tstruct(ar, p, end, o);
    default: return NULL;
  }
}

static const tnode *tf(const tnode *s, int16_t id) {
  for (uint32_t i = 0; s && i < s->n; i++)
    if (s->kids[i].id == id) return &s->kids[i];
  return NULL;
}
static int64_t ti(const tnode *s, int16_t id) {
  const tnode *k = tf(s, id);
  if (!k) test_fail_(__FILE__, __LINE__, "thrift field %d missing", id);
  return k->i;
}

typedef struct file_img {
  buf bytes;
  tnode footer;
} file_img;

/* Reads a written file and decodes its footer; checks the magic and footer length. */
static void load_file(arena *ar, const char *path, file_img *img) {
  buf_init(&img->bytes);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(fs_read_all(fs_local(), path, &img->bytes, &e), &e);
  const uint8_t *d = (const uint8_t *)img->bytes.data;
  size_t n = img->bytes.len;
  ASSERT(n >= 12);
  ASSERT_EQ_MEM(d, "PAR1", 4);
  ASSERT_EQ_MEM(d + n - 4, "PAR1", 4);
  uint32_t flen = load_le32(d + n - 8);
  ASSERT(flen <= n - 12);
  const uint8_t *end = tstruct(ar, d + n - 8 - flen, d + n - 8, &img->footer);
  ASSERT(end == d + n - 8); /* the footer is exactly footer_len bytes */
}

/* ---- helpers ---------------------------------------------------------------------- */

static const char *tmp_path(arena *ar, const char *name) { return path_join(ar, test_tmpdir(), name); }

static bool exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* Entries in the test directory (hidden temp files included). */
static int dir_entries(void) {
  DIR *d = opendir(test_tmpdir());
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  if (d) closedir(d);
  return n;
}

/* A small nested table: id BIGINT NOT NULL, name STRING, tags ARRAY<STRING>, m MAP<STRING, INT>,
   s STRUCT<a: DOUBLE, b: DECIMAL(25,3)>. Rows i = 0..n-1, nulls sprinkled. */
static lago_type nested_schema(arena *ar) {
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  int rc = type_parse(ar, "STRUCT<id: BIGINT NOT NULL, name: STRING, tags: ARRAY<STRING>, m: MAP<STRING, INT>, "
                          "s: STRUCT<a: DOUBLE, b: DECIMAL(25,3)>>", &t, &e);
  if (rc) return type_make(LT_INVALID);
  return t;
}

/* Fills a batch (in ar) of n rows starting at row `first`; NULL on OOM. */
static batch *nested_batch(arena *ar, lago_type schema, uint32_t first, uint32_t n) {
  lago_type types[5];
  for (uint32_t i = 0; i < 5; i++) types[i] = type_field_at(schema, i)->type;
  batch *b = batch_new(ar, 5, types, n);
  if (!b) return NULL;
  for (uint32_t r = 0; r < n; r++) {
    uint32_t i = first + r;
    char tmp[64];
    VEC_DATA(&b->cols[0], int64_t)[r] = (int64_t)i * 3 - 7;
    int k = snprintf(tmp, sizeof tmp, "name number %u, long enough to be out of line", i % 17);
    if (i % 5 == 2) {
      if (vec_set_null(&b->cols[1], r)) return NULL;
    } else if (vec_set_str(&b->cols[1], r, tmp, (uint32_t)k)) {
      return NULL;
    }
    uint32_t nt = i % 4, off;
    if (i % 7 == 3) {
      if (vec_set_null(&b->cols[2], r)) return NULL;
    } else {
      if (vec_list_reserve(&b->cols[2], nt, &off)) return NULL;
      for (uint32_t t = 0; t < nt; t++) {
        k = snprintf(tmp, sizeof tmp, "t%u", (i + t) % 9);
        if (vec_set_str(b->cols[2].child, off + t, tmp, (uint32_t)k)) return NULL;
      }
      VEC_DATA(&b->cols[2], lago_list)[r] = (lago_list){off, nt};
    }
    uint32_t nm = i % 3;
    if (vec_list_reserve(&b->cols[3], nm, &off)) return NULL;
    for (uint32_t t = 0; t < nm; t++) {
      k = snprintf(tmp, sizeof tmp, "k%u", t);
      if (vec_set_str(b->cols[3].child->fields[0], off + t, tmp, (uint32_t)k)) return NULL;
      VEC_DATA(b->cols[3].child->fields[1], int32_t)[off + t] = (int32_t)(i * t);
    }
    VEC_DATA(&b->cols[3], lago_list)[r] = (lago_list){off, nm};
    vec *s = &b->cols[4];
    if (i % 6 == 5) {
      if (vec_set_null(s, r)) return NULL;
    }
    VEC_DATA(s->fields[0], double)[r] = i % 4 == 1 ? NAN : (double)i / 4;
    lago_i128 dv = (lago_i128)i * 1000000007 - 5000;
    memcpy(VEC_DATA(s->fields[1], lago_i128) + r, &dv, sizeof dv);
  }
  batch_set_rows(b, n);
  return b;
}

/* Writes rows 0..n-1 of the nested table in batches of `per` rows. */
static int write_nested(lago_fs *fs, const char *path, const pq_write_opts *o, uint32_t n, uint32_t per,
                        arena *stats_ar, pq_file_stats *st, lago_err *e) {
  arena *ar = arena_new("w", 4096);
  if (!ar) return LAGO_NOMEM;
  int rc = LAGO_OK;
  lago_type schema = nested_schema(ar);
  pq_writer *w = NULL;
  if (schema.id == LT_INVALID) {
    rc = LAGO_NOMEM;
    goto done;
  }
  rc = pq_writer_open(fs, path, schema, o, &w, e);
  if (rc) goto done;
  arena *bar = arena_new("b", 4096);
  if (!bar) {
    rc = LAGO_NOMEM;
    pq_writer_abort(w);
    goto done;
  }
  for (uint32_t first = 0; first < n && !rc; first += per) {
    arena_reset(bar);
    batch *b = nested_batch(bar, schema, first, n - first < per ? n - first : per);
    rc = b ? pq_writer_write(w, b, e) : LAGO_NOMEM;
  }
  arena_free(bar);
  if (rc) pq_writer_abort(w);
  else rc = pq_writer_close(w, stats_ar, st, e);
done:
  arena_free(ar);
  return rc;
}

/* ---- tests ---------------------------------------------------------------------- */

TEST(pqw_writer_layout) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *p = tmp_path(ar, "layout.parquet");
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.row_group_rows = 10;
  const char *keys[2] = {"a", "b"}, *vals[2] = {"1", NULL};
  o.n_key_value = 2;
  o.kv_keys = keys;
  o.kv_values = vals;
  pq_file_stats st;
  ASSERT_OK(write_nested(fs_local(), p, &o, 25, 7, ar, &st, &e), &e);
  ASSERT_EQ_INT(st.num_rows, 25);
  file_img img;
  load_file(ar, p, &img);
  ASSERT_EQ_UINT(st.file_size, img.bytes.len);
  const tnode *fm = &img.footer;
  ASSERT_EQ_INT(ti(fm, 1), 1);  /* version */
  ASSERT_EQ_INT(ti(fm, 3), 25); /* num_rows */
  const tnode *schema = tf(fm, 2), *rgs = tf(fm, 4);
  /* root + id + name + tags/list/element + m/key_value/key/value + s/a/b */
  ASSERT_EQ_UINT(schema->n, 13);
  ASSERT_EQ_UINT(rgs->n, 3); /* 10 + 10 + 5 */
  int64_t pos = 4, rows = 0;
  for (uint32_t g = 0; g < 3; g++) {
    const tnode *rg = &rgs->kids[g];
    ASSERT_EQ_INT(ti(rg, 3), g < 2 ? 10 : 5);
    ASSERT_EQ_INT(ti(rg, 7), g); /* ordinal */
    ASSERT_EQ_INT(ti(rg, 5), pos); /* file_offset = its first byte */
    rows += ti(rg, 3);
    const tnode *cols = tf(rg, 1);
    ASSERT_EQ_UINT(cols->n, 7); /* leaves: id, name, tags, m.key, m.value, s.a, s.b */
    int64_t comp = 0;
    for (uint32_t c = 0; c < cols->n; c++) {
      const tnode *md = tf(&cols->kids[c], 3);
      int64_t dict = tf(md, 11) ? ti(md, 11) : -1, data = ti(md, 9), size = ti(md, 7);
      ASSERT_EQ_INT(dict >= 0 ? dict : data, pos); /* chunks are contiguous, in schema order */
      ASSERT(dict < 0 || dict < data);
      ASSERT_EQ_INT(ti(md, 4), PQ_CODEC_SNAPPY);
      pos += size;
      comp += size;
      /* the page headers walk exactly through the chunk */
      int64_t q = dict >= 0 ? dict : data;
      while (q < pos) {
        tnode ph;
        const uint8_t *d = (const uint8_t *)img.bytes.data;
        const uint8_t *after = tstruct(ar, d + q, d + img.bytes.len, &ph);
        ASSERT_NE_NULL(after);
        q = (after - d) + ti(&ph, 3);
      }
      ASSERT_EQ_INT(q, pos);
    }
    ASSERT_EQ_INT(ti(rg, 6), comp);
  }
  ASSERT_EQ_INT(rows, 25);
  /* key-value metadata, created_by, one column order per leaf */
  const tnode *kv = tf(fm, 5);
  ASSERT_EQ_UINT(kv->n, 2);
  ASSERT_EQ_UINT(tf(&kv->kids[0], 1)->n, 1);
  ASSERT(tf(&kv->kids[1], 2) == NULL); /* absent value */
  const tnode *cb = tf(fm, 6);
  ASSERT(cb && cb->n >= 12 && !memcmp(cb->p, "lago version", 12));
  ASSERT_EQ_UINT(tf(fm, 7)->n, 7);
  /* footer follows the last chunk directly (no page index asked for) */
  ASSERT_EQ_INT(pos, (int64_t)img.bytes.len - 8 - (int64_t)load_le32(img.bytes.data + img.bytes.len - 8));
  buf_deinit(&img.bytes);
  arena_free(ar);
}

TEST(pqw_writer_page_index) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *p = tmp_path(ar, "pi.parquet");
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.page_index = true;
  o.page_bytes = 64;
  o.row_group_rows = 40;
  ASSERT_OK(write_nested(fs_local(), p, &o, 100, 33, NULL, NULL, &e), &e);
  file_img img;
  load_file(ar, p, &img);
  const uint8_t *d = (const uint8_t *)img.bytes.data;
  const tnode *rgs = tf(&img.footer, 4);
  ASSERT_EQ_UINT(rgs->n, 3);
  int64_t data_end = 0, ci_seen = 0;
  for (uint32_t g = 0; g < rgs->n; g++) {
    const tnode *cols = tf(&rgs->kids[g], 1);
    for (uint32_t c = 0; c < cols->n; c++) {
      const tnode *md = tf(&cols->kids[c], 3);
      int64_t end = ti(md, 9) + ti(md, 7) - (tf(md, 11) ? ti(md, 9) - ti(md, 11) : 0);
      if (end > data_end) data_end = end;
    }
  }
  for (uint32_t g = 0; g < rgs->n; g++) {
    const tnode *rg = &rgs->kids[g];
    const tnode *cols = tf(rg, 1);
    for (uint32_t c = 0; c < cols->n; c++) {
      const tnode *cc = &cols->kids[c];
      int64_t oio = ti(cc, 4), oil = ti(cc, 5);
      ASSERT(oio >= data_end); /* the index follows every data page */
      tnode oi;
      ASSERT(tstruct(ar, d + oio, d + img.bytes.len, &oi) == d + oio + oil);
      const tnode *locs = tf(&oi, 1);
      ASSERT(locs->n >= 1);
      int64_t prev_row = -1;
      for (uint32_t k = 0; k < locs->n; k++) {
        const tnode *l = &locs->kids[k];
        int64_t off = ti(l, 1), fr = ti(l, 3);
        ASSERT(fr > prev_row && fr < ti(rg, 3));
        if (k == 0) ASSERT_EQ_INT(fr, 0);
        prev_row = fr;
        tnode ph; /* a data page header starts there, and is as long as the location says */
        const uint8_t *after = tstruct(ar, d + off, d + img.bytes.len, &ph);
        int64_t pt = ti(&ph, 1);
        ASSERT(pt == PQP_DATA_PAGE);
        ASSERT_EQ_INT((after - (d + off)) + ti(&ph, 3), ti(l, 2));
      }
      const tnode *cio = tf(cc, 6);
      if (cio) {
        ci_seen++;
        tnode ci;
        ASSERT(tstruct(ar, d + cio->i, d + img.bytes.len, &ci) == d + cio->i + ti(cc, 7));
        ASSERT_EQ_UINT(tf(&ci, 1)->n, locs->n); /* null_pages */
        ASSERT_EQ_UINT(tf(&ci, 2)->n, locs->n);
        ASSERT_EQ_UINT(tf(&ci, 3)->n, locs->n);
        ASSERT_EQ_UINT(tf(&ci, 5)->n, locs->n);
        /* the id column rises: ascending boundary order, min <= max on every page */
        if (c == 0) {
          ASSERT_EQ_INT(ti(&ci, 4), PQB_ASCENDING);
          for (uint32_t k = 0; k < locs->n; k++) {
            int64_t mn = (int64_t)load_le64(tf(&ci, 2)->kids[k].p), mx = (int64_t)load_le64(tf(&ci, 3)->kids[k].p);
            ASSERT(mn <= mx);
          }
        }
      } else {
        ASSERT_EQ_UINT(c, 5); /* only s.a, which holds NaN, has no ColumnIndex */
      }
    }
  }
  ASSERT_EQ_INT(ci_seen, 3 * 6);
  buf_deinit(&img.bytes);
  arena_free(ar);
}

TEST(pqw_writer_file_stats) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *p = tmp_path(ar, "stats.parquet");
  pq_file_stats st;
  ASSERT_OK(write_nested(fs_local(), p, NULL, 30, 8, ar, &st, &e), &e);
  ASSERT_EQ_UINT(st.n_leaves, 7);
  const pq_leaf_stats *id = &st.leaves[0], *name = &st.leaves[1], *tag = &st.leaves[2], *sa = &st.leaves[5],
                      *sb = &st.leaves[6];
  ASSERT_EQ_STR(id->path[0], "id");
  ASSERT_EQ_INT(id->null_count, 0);
  ASSERT_EQ_INT(id->value_count, 30);
  ASSERT(id->has_min_max);
  ASSERT_EQ_INT(VEC_DATA(id->min_max, int64_t)[0], -7);
  ASSERT_EQ_INT(VEC_DATA(id->min_max, int64_t)[1], 29 * 3 - 7);
  ASSERT_EQ_INT(name->null_count, 6); /* i % 5 == 2 */
  ASSERT(name->has_min_max);
  ASSERT_EQ_UINT(tag->path_len, 3);
  ASSERT_EQ_STR(tag->path[2], "element");
  ASSERT(!tag->has_min_max); /* inside a list */
  ASSERT_EQ_STR(sa->path[1], "a");
  ASSERT(!sa->has_min_max); /* NaN */
  ASSERT(sb->has_min_max);
  ASSERT_EQ_INT(sb->null_count, 5); /* struct nulls: i % 6 == 5 */
  lago_i128 mn, mx;
  memcpy(&mn, sb->min_max->data, sizeof mn);
  memcpy(&mx, (lago_i128 *)sb->min_max->data + 1, sizeof mx);
  ASSERT(mn == -5000 && mx == (lago_i128)28 * 1000000007 - 5000);
  ASSERT(st.file_size > 100);
  arena_free(ar);
}

TEST(pqw_writer_zero_rows_and_abort) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *p = tmp_path(ar, "empty.parquet");
  pq_writer *w;
  ASSERT_OK(pq_writer_open(fs_local(), p, nested_schema(ar), NULL, &w, &e), &e);
  pq_file_stats st;
  ASSERT_OK(pq_writer_close(w, ar, &st, &e), &e);
  ASSERT_EQ_INT(st.num_rows, 0);
  ASSERT(!st.leaves[0].has_min_max);
  file_img img;
  load_file(ar, p, &img);
  ASSERT_EQ_INT(ti(&img.footer, 3), 0);
  ASSERT_EQ_UINT(tf(&img.footer, 4)->n, 0);
  buf_deinit(&img.bytes);
  /* abort: nothing at the path, no temporary left */
  int before = dir_entries();
  const char *q = tmp_path(ar, "aborted.parquet");
  ASSERT_OK(pq_writer_open(fs_local(), q, nested_schema(ar), NULL, &w, &e), &e);
  batch *b = nested_batch(ar, nested_schema(ar), 0, 10);
  ASSERT_OK(pq_writer_write(w, b, &e), &e);
  pq_writer_abort(w);
  pq_writer_abort(NULL);
  ASSERT(!exists(q));
  ASSERT_EQ_INT(dir_entries(), before);
  arena_free(ar);
}

TEST(pqw_writer_errors) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  lago_type schema = nested_schema(ar);
  const char *p = tmp_path(ar, "err.parquet");
  pq_writer *w;
  /* codec and level */
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.codec = PQ_CODEC_LZO;
  ASSERT_RC(pq_writer_open(fs_local(), p, schema, &o, &w, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "LZO");
  /* unsupported type */
  lago_err_clear(&e);
  const char *n1[1] = {"v"};
  lago_type nt = type_make(LT_NULL), st;
  ASSERT_OK(type_struct(ar, 1, n1, &nt, NULL, &st), NULL);
  ASSERT_RC(pq_writer_open(fs_local(), p, st, NULL, &w, &e), LAGO_UNSUPPORTED);
  ASSERT(!exists(p));
  /* a batch of the wrong shape */
  lago_err_clear(&e);
  ASSERT_OK(pq_writer_open(fs_local(), p, schema, NULL, &w, &e), &e);
  lago_type wrong[5] = {type_make(LT_INT), type_make(LT_STRING), type_field_at(schema, 2)->type,
                        type_field_at(schema, 3)->type, type_field_at(schema, 4)->type};
  batch *b = batch_new(ar, 5, wrong, 4);
  batch_set_rows(b, 4);
  ASSERT_RC(pq_writer_write(w, b, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "column 0 'id' is INT in the batch but BIGINT in the schema");
  lago_err_clear(&e);
  b->n_cols = 4;
  ASSERT_RC(pq_writer_write(w, b, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "4 columns");
  /* a NULL in the non-nullable id: an error, then the writer refuses more */
  lago_err_clear(&e);
  batch *good = nested_batch(ar, schema, 0, 5);
  ASSERT_OK(vec_set_null(&good->cols[0], 3), NULL);
  ASSERT_RC(pq_writer_write(w, good, &e), LAGO_RUNTIME);
  ASSERT_CONTAINS(e.msg, "NULL in non-nullable field 'id'");
  lago_err_clear(&e);
  vec_set_valid(&good->cols[0], 3);
  ASSERT_RC(pq_writer_write(w, good, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "earlier error");
  lago_err_clear(&e);
  ASSERT_RC(pq_writer_close(w, NULL, NULL, &e), LAGO_RUNTIME);
  ASSERT(!exists(p));
  /* the path is taken: close fails with LAGO_EXISTS and the old file is untouched */
  lago_err_clear(&e);
  ASSERT_OK(fs_write(fs_local(), p, "old", 3, false, &e), &e);
  int before = dir_entries();
  ASSERT_OK(pq_writer_open(fs_local(), p, schema, NULL, &w, &e), &e);
  ASSERT_OK(pq_writer_write(w, good, &e), &e);
  ASSERT_RC(pq_writer_close(w, NULL, NULL, &e), LAGO_EXISTS);
  buf old;
  buf_init(&old);
  lago_err_clear(&e);
  ASSERT_OK(fs_read_all(fs_local(), p, &old, &e), &e);
  ASSERT_EQ_STR(buf_cstr(&old), "old");
  buf_deinit(&old);
  ASSERT_EQ_INT(dir_entries(), before);
  /* an out-of-range INTERVAL names the column */
  lago_err_clear(&e);
  const char *n2[1] = {"iv"};
  lago_type it = type_make(LT_INTERVAL);
  ASSERT_OK(type_struct(ar, 1, n2, &it, NULL, &st), NULL);
  const char *p2 = tmp_path(ar, "iv.parquet");
  ASSERT_OK(pq_writer_open(fs_local(), p2, st, NULL, &w, &e), &e);
  batch *ib = batch_new(ar, 1, &it, 1);
  VEC_DATA(&ib->cols[0], lago_interval)[0] = (lago_interval){0, -3, 0};
  batch_set_rows(ib, 1);
  ASSERT_RC(pq_writer_write(w, ib, &e), LAGO_RUNTIME);
  ASSERT_CONTAINS(e.msg, "'iv'");
  pq_writer_abort(w);
  ASSERT(!exists(p2));
  arena_free(ar);
}

TEST(pqw_writer_row_group_bytes) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *p = tmp_path(ar, "rgb.parquet");
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.row_group_bytes = 2000; /* a few batches of 50 rows each */
  o.codec = PQ_CODEC_ZSTD;
  o.data_page_v2 = true;
  ASSERT_OK(write_nested(fs_local(), p, &o, 400, 50, NULL, NULL, &e), &e);
  file_img img;
  load_file(ar, p, &img);
  const tnode *rgs = tf(&img.footer, 4);
  ASSERT(rgs->n >= 3 && rgs->n <= 8);
  int64_t rows = 0;
  for (uint32_t g = 0; g < rgs->n; g++) rows += ti(&rgs->kids[g], 3);
  ASSERT_EQ_INT(rows, 400);
  ASSERT_EQ_INT(ti(&img.footer, 1), 2); /* v2 pages: format version 2 */
  buf_deinit(&img.bytes);
  arena_free(ar);
}

/* ---- fault injection ----------------------------------------------------------------- */

typedef struct sweep_ctx {
  const char *path;
  pq_write_opts o;
  uint32_t encoders;  /* 0: pq_writer_write; else row groups through this many encoders (threads if o.threads > 1) */
} sweep_ctx;

static int write_nested_rg(const char *path, const pq_write_opts *o, uint32_t n, uint32_t per, uint32_t n_enc,
                           bool threaded, arena *stats_ar, pq_file_stats *st, lago_err *e);

/* One run of an allocation-failure sweep ended with rc: a failure must be LAGO_NOMEM and leave nothing. */
static int sweep_outcome(const sweep_ctx *c, int rc, const lago_err *e) {
  if (rc != LAGO_OK) {
    if (exists(c->path)) test_fail_(__FILE__, __LINE__, "file visible after %s", lago_rc_name(rc));
    if (dir_entries() != 0) test_fail_(__FILE__, __LINE__, "temporary file left after %s", lago_rc_name(rc));
    if (rc != LAGO_NOMEM) test_fail_(__FILE__, __LINE__, "got %s (%s), want LAGO_NOMEM", lago_rc_name(rc), e->msg);
  } else {
    unlink(c->path);
  }
  return rc;
}

static int oom_run(void *ud) {
  sweep_ctx *c = ud;
  lago_err e;
  lago_err_clear(&e);
  arena *sar = arena_new("s", 1024);
  if (!sar) return LAGO_NOMEM;
  pq_file_stats st;
  int rc = c->encoders ? write_nested_rg(c->path, &c->o, 45, 15, c->encoders, c->o.threads > 1, sar, &st, &e)
                       : write_nested(fs_local(), c->path, &c->o, 40, 15, sar, &st, &e);
  arena_free(sar);
  return sweep_outcome(c, rc, &e);
}

TEST(pqw_writer_oom_sweep) {
  arena *ar = arena_new("t", 1024);
  static const pq_codec codecs[] = {PQ_CODEC_SNAPPY, PQ_CODEC_ZSTD, PQ_CODEC_GZIP, PQ_CODEC_BROTLI};
  for (size_t k = 0; k < sizeof codecs / sizeof *codecs; k++) {
    sweep_ctx c;
    memset(&c, 0, sizeof c);
    c.path = tmp_path(ar, "oom.parquet");
    pq_write_opts_init(&c.o);
    c.o.codec = codecs[k];
    c.o.row_group_rows = 16;
    c.o.page_bytes = 128;
    c.o.page_index = k % 2 == 0;
    c.o.data_page_v2 = k % 2 == 1;
    c.o.delta_encodings = k == 3;
    int runs = test_oom_sweep(oom_run, &c, 5000);
    ASSERT(runs > 50); /* the sweep really went through the writer */
  }
  arena_free(ar);
}

TEST(pqw_writer_io_sweep) {
  arena *ar = arena_new("t", 1024);
  const char *p = tmp_path(ar, "io.parquet");
  for (int sticky = 0; sticky < 2; sticky++) {
    long n_ops = 0;
    for (long fail_at = 1;; fail_at++) {
      long live = mem_live();
      lago_fs *fs = fs_faulty_new(fs_local(), fail_at, sticky);
      ASSERT_NE_NULL(fs);
      lago_err e;
      lago_err_clear(&e);
      pq_write_opts o;
      pq_write_opts_init(&o);
      o.row_group_rows = 10;
      o.page_index = true;
      int rc = write_nested(fs, p, &o, 35, 9, NULL, NULL, &e);
      long ops = fs_faulty_ops(fs);
      fs_free(fs);
      ASSERT_EQ_INT(mem_live(), live);
      if (ops < fail_at) { /* nothing failed: the file was written */
        ASSERT_OK(rc, &e);
        ASSERT(exists(p));
        unlink(p);
        n_ops = ops;
        break;
      }
      ASSERT_RC(rc, LAGO_IO);
      ASSERT_CONTAINS(e.msg, "injected I/O failure");
      ASSERT(!exists(p));
      ASSERT_EQ_INT(dir_entries(), 0);
      ASSERT(fail_at < 1000);
    }
    ASSERT(n_ops >= 8); /* create, several chunk writes, index, footer, commit */
  }
  arena_free(ar);
}

/* A file system whose disk fills up after `room` bytes: writes then fail with LAGO_FULL, as
   fs_local reports ENOSPC/EDQUOT. Only what the writer uses is implemented. */
typedef struct full_fs {
  lago_fs base;
  uint64_t room;
} full_fs;

typedef struct full_wfile {
  lago_wfile base;
  lago_wfile *inner;
} full_wfile;

static int full_create(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err) {
  lago_wfile *in;
  TRY(fs_create(fs_local(), path, &in, err));
  full_wfile *fw = mem_calloc(1, sizeof *fw);
  if (!fw) {
    fs_wfile_abort(in);
    return LAGO_NOMEM_ERR(err);
  }
  fw->base = *in;
  fw->base.fs = fs;
  fw->inner = in;
  *out = &fw->base;
  return LAGO_OK;
}

static int full_write(lago_wfile *w, const void *data, size_t n, lago_err *err) {
  full_wfile *fw = (full_wfile *)w;
  full_fs *f = (full_fs *)w->fs;
  if (w->written + n > f->room)
    return LAGO_ERR(err, LAGO_FULL, "write %s: No space left on device", w->path);
  TRY(fs_wfile_write(fw->inner, data, n, err));
  w->written += n;
  return LAGO_OK;
}

static int full_commit(lago_wfile *w, bool replace, lago_err *err) {
  full_wfile *fw = (full_wfile *)w;
  int rc = fs_wfile_commit(fw->inner, replace, err);
  mem_free(fw);
  return rc;
}

static void full_abort(lago_wfile *w) {
  full_wfile *fw = (full_wfile *)w;
  fs_wfile_abort(fw->inner);
  mem_free(fw);
}

static const lago_fs_vtab k_full_vtab = {"full", NULL, NULL, NULL, NULL, NULL, full_create,
                                         full_write, full_commit, full_abort, NULL, NULL, NULL, NULL};

TEST(pqw_writer_disk_full) {
  arena *ar = arena_new("t", 1024);
  const char *p = tmp_path(ar, "full.parquet");
  static const uint64_t rooms[] = {0, 3, 100, 2000, 5000};
  for (size_t k = 0; k < sizeof rooms / sizeof *rooms; k++) {
    full_fs f = {{&k_full_vtab}, rooms[k]};
    lago_err e;
    lago_err_clear(&e);
    pq_write_opts o;
    pq_write_opts_init(&o);
    o.row_group_rows = 10;
    long live = mem_live();
    int rc = write_nested(&f.base, p, &o, 60, 25, NULL, NULL, &e);
    ASSERT_RC(rc, LAGO_FULL);
    ASSERT_CONTAINS(e.msg, "No space left");
    ASSERT_EQ_INT(mem_live(), live);
    ASSERT(!exists(p));
    ASSERT_EQ_INT(dir_entries(), 0);
  }
  arena_free(ar);
}

/* ---- threads ------------------------------------------------------------------------ */

/* Option set k (0..3) for the same-bytes tests: one row group (k = 0) or row groups of 300 rows, tiny
   pages, dictionary fallback (tiny dict_max_bytes), page index, v2 pages and delta encodings, ZSTD. */
static void same_bytes_opts(pq_write_opts *o, int k) {
  pq_write_opts_init(o);
  o->row_group_rows = k == 0 ? 0 : 300;
  o->page_bytes = k == 1 ? 256 : 0;
  o->dict_max_bytes = k >= 2 ? 64 : 0;
  o->page_index = k % 2 == 0;
  o->data_page_v2 = k == 3;
  o->delta_encodings = k == 3;
  o->codec = k == 2 ? PQ_CODEC_ZSTD : PQ_CODEC_SNAPPY;
}

/* The files at p1 and p2 hold the same bytes (more than 1000); p2 is removed. */
static void assert_same_file(const char *p1, const char *p2) {
  buf b1, b2;
  buf_init(&b1);
  buf_init(&b2);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(fs_read_all(fs_local(), p1, &b1, &e), &e);
  ASSERT_OK(fs_read_all(fs_local(), p2, &b2, &e), &e);
  ASSERT(b1.len > 1000);
  ASSERT_EQ_INT(b1.len, b2.len);
  ASSERT(memcmp(b1.data, b2.data, b1.len) == 0);
  buf_deinit(&b1);
  buf_deinit(&b2);
  unlink(p2);
}

/* The same bytes whichever way row groups are encoded (every option set of same_bytes_opts):
   threads = 2 or 3 as threads = 1, and (with row groups of 300 rows) 1 to 3 row-group encoders
   filled on other threads and appended in order, with the same file statistics. */
TEST(pqw_writer_threads_same_bytes) {
  arena *ar = arena_new("t", 1024);
  for (int k = 0; k < 4; k++) {
    pq_write_opts o;
    same_bytes_opts(&o, k);
    const char *p1 = tmp_path(ar, "t1.parquet"), *p2 = tmp_path(ar, "t2.parquet");
    lago_err e;
    lago_err_clear(&e);
    o.threads = 1;
    pq_file_stats s1, s2;
    ASSERT_OK(write_nested(fs_local(), p1, &o, 1020, 170, ar, &s1, &e), &e);
    for (uint32_t t = 2; t <= 3; t++) {
      o.threads = t;
      ASSERT_OK(write_nested(fs_local(), p2, &o, 1020, 170, NULL, NULL, &e), &e);
      assert_same_file(p1, p2);
    }
    o.threads = 1;
    for (uint32_t n_enc = 1; n_enc <= 3 && k > 0; n_enc++) {
      ASSERT_OK(write_nested_rg(p2, &o, 1020, 170, n_enc, n_enc > 1, ar, &s2, &e), &e);
      assert_same_file(p1, p2);
      ASSERT_EQ_INT(s2.num_rows, 1020);
      ASSERT_EQ_INT(s2.n_leaves, s1.n_leaves);
      for (uint32_t l = 0; l < s1.n_leaves; l++) {
        ASSERT_EQ_INT(s2.leaves[l].null_count, s1.leaves[l].null_count);
        ASSERT_EQ_INT(s2.leaves[l].value_count, s1.leaves[l].value_count);
        ASSERT_EQ_INT(s2.leaves[l].has_min_max, s1.leaves[l].has_min_max);
      }
    }
    unlink(p1);
  }
  arena_free(ar);
}

/* Allocation failures with worker threads: only LAGO_NOMEM, nothing visible, no leak (the sweep checks). */
TEST(pqw_writer_threads_oom_sweep) {
  arena *ar = arena_new("t", 1024);
  sweep_ctx c;
  memset(&c, 0, sizeof c);
  c.path = tmp_path(ar, "oomt.parquet");
  pq_write_opts_init(&c.o);
  c.o.row_group_rows = 16;
  c.o.page_bytes = 128;
  c.o.page_index = true;
  c.o.threads = 2;
  int runs = test_oom_sweep(oom_run, &c, 5000);
  ASSERT(runs > 50);
  arena_free(ar);
}

/* ---- row-group encoders ------------------------------------------------------------ */

/* Row groups of `per_rg` rows of the nested table, row group k fed to encs[k] by its own thread
   in the batches write_nested would use (rows first.., `per` at a time), then appended in order. */
typedef struct rg_feed {
  pq_rg_encoder *enc;
  lago_type schema;
  uint32_t lo, hi, per;     /* rows [lo, hi) of the table, batches of per rows from row 0 */
  int rc;
  lago_err e;
} rg_feed;

static void *rg_feed_main(void *p) {
  rg_feed *f = p;
  lago_err_clear(&f->e);
  arena *bar = arena_new("b", 4096);
  f->rc = bar ? LAGO_OK : LAGO_NOMEM;
  for (uint32_t first = f->lo / f->per * f->per; first < f->hi && !f->rc; first += f->per) {
    arena_reset(bar);
    batch *b = nested_batch(bar, f->schema, first, f->per);
    if (!b) {
      f->rc = LAGO_NOMEM;
      break;
    }
    uint32_t start = first < f->lo ? f->lo - first : 0, next;
    f->rc = pq_rg_encoder_write(f->enc, b, start, &next, &f->e);
    if (!f->rc && next != (first + f->per < f->hi ? f->per : f->hi - first))
      f->rc = LAGO_ERR(&f->e, LAGO_INTERNAL, "took rows %u..%u of batch at %u", start, next, first);
  }
  if (!f->rc) f->rc = pq_rg_encoder_finish(f->enc, &f->e);
  arena_free(bar);
  return NULL;
}

/* Writes n rows (n a multiple of per) as row groups of o->row_group_rows rows through encoders, each on
   its own thread when `threaded`, reusing `n_enc` encoders round-robin. */
static int write_nested_rg(const char *path, const pq_write_opts *o, uint32_t n, uint32_t per, uint32_t n_enc,
                           bool threaded, arena *stats_ar, pq_file_stats *st, lago_err *e) {
  arena *ar = arena_new("w", 4096);
  if (!ar) return LAGO_NOMEM;
  lago_type schema = nested_schema(ar);
  pq_writer *w = NULL;
  pq_rg_encoder *encs[4] = {NULL, NULL, NULL, NULL};
  int rc = schema.id == LT_INVALID ? LAGO_NOMEM : pq_writer_open(fs_local(), path, schema, o, &w, e);
  for (uint32_t i = 0; i < n_enc && !rc; i++) rc = pq_writer_rg_new(w, &encs[i], e);
  uint32_t rg = (uint32_t)o->row_group_rows;
  for (uint32_t lo = 0; lo < n && !rc; lo += rg * n_enc) {
    rg_feed f[4];
    pthread_t th[4];
    uint32_t k = 0;
    for (; k < n_enc && lo + k * rg < n; k++) {
      f[k] = (rg_feed){encs[k], schema, lo + k * rg, lo + (k + 1) * rg < n ? lo + (k + 1) * rg : n, per, 0, {0}};
      if (!threaded) rg_feed_main(&f[k]);
      else if (pthread_create(&th[k], NULL, rg_feed_main, &f[k])) test_fail_(__FILE__, __LINE__, "pthread_create");
    }
    for (uint32_t i = 0; i < k; i++) {
      if (threaded) pthread_join(th[i], NULL);
      if (f[i].rc && !rc) {
        rc = f[i].rc;
        lago_err_copy(e, &f[i].e);
      }
    }
    for (uint32_t i = 0; i < k && !rc; i++) {
      rc = pq_writer_append_rg(w, encs[i], e);
      if (!rc && pq_rg_encoder_rows(encs[i]) != 0) test_fail_(__FILE__, __LINE__, "encoder not reset by append");
    }
  }
  for (uint32_t i = 0; i < n_enc; i++) pq_rg_encoder_free(encs[i]);
  if (w) {
    if (rc) pq_writer_abort(w);
    else rc = pq_writer_close(w, stats_ar, st, e);
  }
  arena_free(ar);
  return rc;
}

/* A full encoder refuses rows; finish then more rows still gives every row; a failed encoder cannot
   be appended, and that failure stops the writer: close discards the file. */
TEST(pqw_encoder_misuse_and_failure) {
  arena *ar = arena_new("t", 4096);
  lago_type schema = nested_schema(ar);
  const char *p = tmp_path(ar, "m.parquet");
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.row_group_rows = 50;
  lago_err e;
  lago_err_clear(&e);
  pq_writer *w;
  ASSERT_OK(pq_writer_open(fs_local(), p, schema, &o, &w, &e), &e);
  pq_rg_encoder *enc;
  ASSERT_OK(pq_writer_rg_new(w, &enc, &e), &e);
  batch *b = nested_batch(ar, schema, 0, 80);
  ASSERT_NE_NULL(b);
  uint32_t next;
  ASSERT_OK(pq_rg_encoder_write(enc, b, 0, &next, &e), &e);
  ASSERT_EQ_INT(next, 50);
  ASSERT(pq_rg_encoder_full(enc));
  lago_err_clear(&e);
  ASSERT_RC(pq_rg_encoder_write(enc, b, next, &next, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "full");
  lago_err_clear(&e);
  ASSERT_OK(pq_writer_append_rg(w, enc, &e), &e);
  ASSERT(!pq_rg_encoder_full(enc));
  ASSERT_OK(pq_rg_encoder_write(enc, b, 50, &next, &e), &e); /* rows 50..59 */
  ASSERT_EQ_INT(next, 80);
  ASSERT_OK(pq_rg_encoder_finish(enc, &e), &e);
  batch *b2 = nested_batch(ar, schema, 80, 20);
  ASSERT_OK(pq_rg_encoder_write(enc, b2, 0, &next, &e), &e); /* more rows after finish */
  ASSERT_OK(pq_writer_append_rg(w, enc, &e), &e);
  ASSERT_OK(pq_writer_append_rg(w, enc, &e), &e); /* empty: nothing */
  ASSERT_OK(pq_writer_close(w, NULL, NULL, &e), &e);
  pq_file *pf;
  ASSERT_OK(pq_open(fs_local(), p, &pf, &e), &e);
  ASSERT_EQ_INT(pq_file_num_rows(pf), 100);
  ASSERT_EQ_INT(pq_file_num_row_groups(pf), 2);
  ASSERT_EQ_INT(pq_row_group_num_rows(pf, 1), 50);
  pq_close(pf);
  unlink(p);
  pq_rg_encoder_free(enc);
  /* a failed encoder: the writer refuses it and then everything */
  ASSERT_OK(pq_writer_open(fs_local(), p, schema, &o, &w, &e), &e);
  ASSERT_OK(pq_writer_rg_new(w, &enc, &e), &e);
  batch bad = *b;
  bad.n_cols = 2;
  lago_err_clear(&e);
  ASSERT_RC(pq_rg_encoder_write(enc, &bad, 0, &next, &e), LAGO_MISUSE);
  lago_err_clear(&e);
  ASSERT_RC(pq_rg_encoder_write(enc, b, 0, &next, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "failed earlier");
  lago_err_clear(&e);
  ASSERT_RC(pq_writer_append_rg(w, enc, &e), LAGO_MISUSE);
  lago_err_clear(&e);
  ASSERT_RC(pq_writer_write(w, b, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "earlier error");
  pq_rg_encoder *enc2;
  lago_err_clear(&e);
  ASSERT_RC(pq_writer_rg_new(w, &enc2, &e), LAGO_MISUSE);
  ASSERT(enc2 == NULL);
  lago_err_clear(&e);
  ASSERT_RC(pq_writer_close(w, NULL, NULL, &e), LAGO_MISUSE);
  ASSERT(!exists(p));
  ASSERT_EQ_INT(dir_entries(), 0);
  pq_rg_encoder_free(enc);
  arena_free(ar);
}

/* Allocation failures anywhere on the encoder path (new, write, finish, append, close), encoders fed
   on the calling thread and on two threads: only LAGO_NOMEM, nothing visible, no leak. */
TEST(pqw_encoder_oom_sweep) {
  arena *ar = arena_new("t", 1024);
  for (uint32_t threaded = 0; threaded < 2; threaded++) {
    sweep_ctx c;
    memset(&c, 0, sizeof c);
    c.path = tmp_path(ar, "oomrg.parquet");
    pq_write_opts_init(&c.o);
    c.o.row_group_rows = 15;
    c.o.page_bytes = 128;
    c.o.page_index = true;
    c.o.threads = threaded ? 2 : 1; /* feed the encoders on threads */
    c.encoders = 2;
    int runs = test_oom_sweep(oom_run, &c, 5000);
    ASSERT(runs > 50);
  }
  arena_free(ar);
}
