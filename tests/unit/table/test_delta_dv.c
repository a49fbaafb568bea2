/*
** tests/unit/table/test_delta_dv.c: deletion vectors (table/delta/dv.c),
** paths (paths.c), log file names (log.c) and protocol features
** (protocol.c).
*/
#include "table/delta/delta_int.h"
#include "table/delta/dv.h"
#include "test.h"
#include "util/alloc.h"

TEST(delta_z85_known_vector) {
  /* ZeroMQ RFC 32 test vector */
  const uint8_t raw[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
  char out[11];
  z85_encode(raw, 8, out);
  ASSERT_EQ_STR(out, "HelloWorld");
  uint8_t back[8];
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(z85_decode("HelloWorld", 10, back, &e), &e);
  ASSERT_EQ_MEM(back, raw, 8);
  ASSERT_RC(z85_decode("Hello", 4, back, &e), LAGO_CORRUPT);
  lago_err_clear(&e);
  ASSERT_RC(z85_decode("Hell\"", 5, back, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "bad character");
  /* the Rust z85 crate's padding: k leading '#' in the last group = 4-k bytes, right-aligned */
  lago_err_clear(&e);
  ASSERT_OK(z85_decode("##093", 5, back, &e), &e);
  ASSERT_EQ_INT(back[0], 3);
  ASSERT_EQ_INT(back[1], 0);
  /* a group above 2^32 elsewhere keeps its low 32 bits, as Delta's decoder does */
  ASSERT_OK(z85_decode("#####00000", 10, back, &e), &e);
}

TEST(delta_dv_decode_spark_file) {
  /* the bitmap of kr-table-with-dv-small's DV (rows 0 and 9), as Spark wrote it */
  const uint8_t bm[] = {0xd1, 0xd3, 0x39, 0x64, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3a, 0x30, 0, 0,
                        0x01, 0, 0, 0, 0, 0, 0x01, 0, 0x10, 0, 0, 0, 0, 0, 0x09, 0};
  arena *ar = arena_new("t", 1024);
  dv_rows r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(dv_bitmap_decode(bm, sizeof bm, ar, &r, "test", &e), &e);
  ASSERT_EQ_UINT(r.n, 2);
  ASSERT_EQ_UINT(r.rows[0], 0);
  ASSERT_EQ_UINT(r.rows[1], 9);
  buf b;
  buf_init(&b);
  ASSERT_OK(dv_bitmap_encode(r.rows, r.n, &b), NULL);
  ASSERT_EQ_UINT(b.len, sizeof bm);
  ASSERT_EQ_MEM(b.data, bm, sizeof bm);
  /* every truncation is an error, never a crash */
  for (size_t n = 0; n < sizeof bm; n++) {
    lago_err_clear(&e);
    ASSERT_RC(dv_bitmap_decode(bm, n, ar, &r, "test", &e), LAGO_CORRUPT);
  }
  buf_deinit(&b);
  arena_free(ar);
}

TEST(delta_dv_roundtrip_bitmap_and_buckets) {
  arena *ar = arena_new("t", 1024);
  size_t n = 0;
  uint64_t *rows = arena_alloc(ar, 20000 * sizeof *rows);
  for (uint64_t i = 0; i < 5000; i++) rows[n++] = i * 2;         /* bitmap container (card > 4096) */
  for (uint64_t i = 0; i < 10; i++) rows[n++] = 70000 + i * 7;   /* array container in key 1 */
  rows[n++] = ((uint64_t)1 << 32) + 5;                            /* second bucket */
  rows[n++] = ((uint64_t)3 << 32) + 65535;
  buf b;
  buf_init(&b);
  ASSERT_OK(dv_bitmap_encode(rows, n, &b), NULL);
  dv_rows r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(dv_bitmap_decode((const uint8_t *)b.data, b.len, ar, &r, "rt", &e), &e);
  ASSERT_EQ_UINT(r.n, n);
  for (size_t i = 0; i < n; i++) ASSERT_EQ_UINT(r.rows[i], rows[i]);
  /* union / minus */
  dv_rows a = {rows, 3}, c = {rows + 1, 3}, u, m;
  ASSERT_OK(dv_rows_union(ar, &a, &c, &u), NULL);
  ASSERT_EQ_UINT(u.n, 4);
  ASSERT_OK(dv_rows_minus(ar, &a, &c, &m), NULL);
  ASSERT_EQ_UINT(m.n, 1);
  ASSERT_EQ_UINT(m.rows[0], 0);
  buf_deinit(&b);
  arena_free(ar);
}

TEST(delta_dv_run_containers) {
  /* cookie 12347 with one run container: rows 10..14 */
  const uint8_t bm[] = {0xd1, 0xd3, 0x39, 0x64, 1, 0, 0, 0, 0, 0, 0, 0, /* magic, 1 bucket */
                        0, 0, 0, 0,                                     /* key 0 */
                        0x3b, 0x30, 0, 0,                               /* 12347, n-1 = 0 */
                        0x01,                                           /* run bitset */
                        0, 0, 4, 0,                                     /* key 0, card-1 = 4 */
                        1, 0, 10, 0, 4, 0};                             /* 1 run: start 10, len-1 4 */
  arena *ar = arena_new("t", 1024);
  dv_rows r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(dv_bitmap_decode(bm, sizeof bm, ar, &r, "run", &e), &e);
  ASSERT_EQ_UINT(r.n, 5);
  ASSERT_EQ_UINT(r.rows[0], 10);
  ASSERT_EQ_UINT(r.rows[4], 14);
  arena_free(ar);
}

TEST(delta_dv_load_corpus_files) {
  char root[1024];
  snprintf(root, sizeof root, "%s/conformance/delta/tables/kr-table-with-dv-small/delta", test_shared_dir());
  arena *ar = arena_new("t", 1024);
  delta_dv dv = {'u', "vBn[lx{q8@P<9BNH/isA", 1, 36, 2};
  dv_rows r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(dv_load(fs_local(), root, &dv, ar, &r, &e), &e);
  ASSERT_EQ_UINT(r.n, 2);
  ASSERT_EQ_UINT(r.rows[1], 9);
  /* a wrong cardinality or size is caught */
  dv.cardinality = 3;
  lago_err_clear(&e);
  ASSERT_RC(dv_load(fs_local(), root, &dv, ar, &r, &e), LAGO_CORRUPT);
  dv.cardinality = 2;
  dv.size_in_bytes = 40;
  lago_err_clear(&e);
  ASSERT_RC(dv_load(fs_local(), root, &dv, ar, &r, &e), LAGO_CORRUPT);
  /* inline (kr-cdf-table-with-dv) */
  delta_dv in = {'i', "^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5", -1, 36, 2};
  lago_err_clear(&e);
  ASSERT_OK(dv_load(fs_local(), root, &in, ar, &r, &e), &e);
  ASSERT_EQ_UINT(r.n, 2);
  arena_free(ar);
}

TEST(delta_dv_write_and_read_back) {
  tbl_handlers h = {fs_local(), NULL, NULL, NULL, NULL};
  arena *ar = arena_new("t", 1024);
  uint64_t rows[] = {1, 2, 3, 100000, ((uint64_t)2 << 32) | 7};
  delta_dv dv;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(dv_write_file(&h, test_tmpdir(), rows, 5, ar, &dv, &e), &e);
  ASSERT_EQ_INT(dv.storage_type, 'u');
  ASSERT_EQ_INT(dv.offset, 1);
  ASSERT_EQ_INT(strlen(dv.path_or_inline), 20);
  dv_rows r;
  ASSERT_OK(dv_load(fs_local(), test_tmpdir(), &dv, ar, &r, &e), &e);
  ASSERT_EQ_UINT(r.n, 5);
  ASSERT_EQ_UINT(r.rows[4], rows[4]);
  /* a flipped bit is caught by the CRC */
  const char *path;
  ASSERT_OK(dv_file_path(ar, test_tmpdir(), &dv, &path, &e), &e);
  FILE *f = fopen(path, "r+b");
  ASSERT_NE_NULL(f);
  fseek(f, 10, SEEK_SET);
  int c = fgetc(f);
  fseek(f, 10, SEEK_SET);
  fputc(c ^ 1, f);
  fclose(f);
  lago_err_clear(&e);
  ASSERT_RC(dv_load(fs_local(), test_tmpdir(), &dv, ar, &r, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "CRC");
  arena_free(ar);
}

TEST(delta_paths_escape_and_check) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  const char *d;
  ASSERT_OK(delta_uri_decode(ar, "x=A%252FA/part-1.parquet", 24, &d, &e), &e);
  ASSERT_EQ_STR(d, "x=A%2FA/part-1.parquet");
  ASSERT_OK(delta_uri_decode(ar, "_2=bar+%252521", 14, &d, &e), &e);
  ASSERT_EQ_STR(d, "_2=bar+%2521");
  ASSERT_RC(delta_uri_decode(ar, "a%2", 3, &d, &e), LAGO_CORRUPT);
  buf b;
  buf_init(&b);
  ASSERT_OK(delta_hive_escape(&b, "A/A:=%", 6), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "A%2FA%3A%3D%25");
  buf_clear(&b);
  ASSERT_OK(delta_uri_encode(&b, "x=A%2FA/B B/\xf0\x9f\x98\x88.parquet"), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "x=A%252FA/B%20B/\xf0\x9f\x98\x88.parquet");
  buf_deinit(&b);
  lago_err_clear(&e);
  ASSERT_OK(delta_path_check_relative("a=1/b.parquet", "t", &e), &e);
  ASSERT_RC(delta_path_check_relative("../x", "t", &e), LAGO_CORRUPT);
  lago_err_clear(&e);
  ASSERT_RC(delta_path_check_relative("a/../../x", "t", &e), LAGO_CORRUPT);
  lago_err_clear(&e);
  ASSERT_RC(delta_path_check_relative("/etc/passwd", "t", &e), LAGO_CORRUPT);
  lago_err_clear(&e);
  ASSERT_RC(delta_path_check_relative("a//b", "t", &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(delta_path_relativize("/w/t", "file:///w/t/a/b.parquet"), "a/b.parquet");
  ASSERT_EQ_STR(delta_path_relativize("/w/t", "/w/tx/b.parquet"), "/w/tx/b.parquet");
  arena_free(ar);
}

TEST(delta_log_names) {
  log_file f;
  ASSERT(delta_log_parse_name("00000000000000000010.json", &f) && f.kind == LF_COMMIT && f.version == 10);
  ASSERT(delta_log_parse_name("00000000000000000010.checkpoint.parquet", &f) && f.kind == LF_CHECKPOINT);
  ASSERT(delta_log_parse_name("00000000000000000010.checkpoint.0000000002.0000000003.parquet", &f) &&
         f.kind == LF_CHECKPOINT_PART && f.part == 2 && f.n_parts == 3);
  ASSERT(!delta_log_parse_name("00000000000000000010.checkpoint.0000000004.0000000003.parquet", &f));
  ASSERT(delta_log_parse_name("00000000000000000002.checkpoint.6374b053-df23-479b-b2cf-c9c550132b49.json", &f) &&
         f.kind == LF_CHECKPOINT_UUID && f.is_json);
  ASSERT(delta_log_parse_name("00000000000000000000.00000000000000000005.compacted.json", &f) &&
         f.kind == LF_COMPACTION && f.end_version == 5);
  ASSERT(!delta_log_parse_name("00000000000000000005.00000000000000000001.compacted.json", &f));
  ASSERT(!delta_log_parse_name(".00000000000000000010.json.crc", &f));
  ASSERT(!delta_log_parse_name("0000000000000000001.json", &f));
  ASSERT(!delta_log_parse_name("_last_checkpoint", &f));
}

TEST(delta_protocol_features) {
  lago_err e;
  lago_err_clear(&e);
  const char *rf[] = {"columnMapping", "blahabl"};
  delta_protocol p = {3, 7, 2, rf, 2, rf};
  ASSERT_RC(delta_protocol_check_read(&p, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "\"blahabl\"");
  delta_protocol p99 = {99, 7, -1, NULL, -1, NULL};
  lago_err_clear(&e);
  ASSERT_RC(delta_protocol_check_read(&p99, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "99");
  delta_protocol legacy = {1, 4, -1, NULL, -1, NULL};
  ASSERT(delta_protocol_has(&legacy, "changeDataFeed"));
  ASSERT(!delta_protocol_has(&legacy, "columnMapping"));
  /* lowest protocols for what a table uses */
  arena *ar = arena_new("t", 1024);
  lago_type t;
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, b: STRING>", &t, &e), &e);
  delta_map none = {0, NULL};
  delta_protocol out;
  ASSERT_OK(delta_protocol_for(ar, NULL, t, &none, &out, &e), &e);
  ASSERT_EQ_INT(out.min_reader, 1);
  ASSERT_EQ_INT(out.min_writer, 2);
  delta_kv cdf_kv = {"delta.enableChangeDataFeed", "true"};
  delta_map cdf = {1, &cdf_kv};
  ASSERT_OK(delta_protocol_for(ar, NULL, t, &cdf, &out, &e), &e);
  ASSERT_EQ_INT(out.min_reader, 1);
  ASSERT_EQ_INT(out.min_writer, 4);
  delta_kv cm_kv = {"delta.columnMapping.mode", "name"};
  delta_map cm = {1, &cm_kv};
  ASSERT_OK(delta_protocol_for(ar, NULL, t, &cm, &out, &e), &e);
  ASSERT_EQ_INT(out.min_reader, 2);
  ASSERT_EQ_INT(out.min_writer, 5);
  delta_kv dv_kv = {"delta.enableDeletionVectors", "true"};
  delta_map dvm = {1, &dv_kv};
  ASSERT_OK(delta_protocol_for(ar, NULL, t, &dvm, &out, &e), &e);
  ASSERT_EQ_INT(out.min_reader, 3);
  ASSERT_EQ_INT(out.min_writer, 7);
  ASSERT(delta_protocol_has(&out, "deletionVectors"));
  ASSERT_EQ_INT(out.n_reader_features, 1);
  ASSERT_OK(delta_protocol_check_write(&out, &e), &e);
  /* upgrading a legacy 2/5 column-mapped table with DVs keeps columnMapping as a listed feature */
  delta_protocol base = {2, 5, -1, NULL, -1, NULL};
  ASSERT_OK(delta_protocol_for(ar, &base, t, &dvm, &out, &e), &e);
  ASSERT_EQ_INT(out.min_reader, 3);
  ASSERT(delta_protocol_has(&out, "columnMapping"));
  ASSERT(delta_protocol_has(&out, "appendOnly"));
  ASSERT_OK(delta_protocol_check_write(&out, &e), &e);
  lago_type ntz;
  ASSERT_OK(type_parse(ar, "STRUCT<a: TIMESTAMP_NTZ>", &ntz, &e), &e);
  ASSERT_OK(delta_protocol_for(ar, NULL, ntz, &none, &out, &e), &e);
  ASSERT(delta_protocol_has(&out, "timestampNtz"));
  ASSERT_EQ_INT(out.min_reader, 3);
  arena_free(ar);
}

TEST(delta_cdf_range_errors) {
  char root[1024];
  snprintf(root, sizeof root, "%s/conformance/delta/tables/kr-cdf-table-simple/delta", test_shared_dir());
  tbl_handlers h = tbl_handlers_default(fs_local());
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_cdf *c = NULL;
  ASSERT_RC(delta_cdf_open(t, 1, 0, &c, &e), LAGO_MISUSE); /* end before start */
  ASSERT_CONTAINS(e.msg, "after end version");
  lago_err_clear(&e);
  ASSERT_RC(delta_cdf_open(t, 3, 4, &c, &e), LAGO_NOTFOUND); /* past the last version (2) */
  lago_err_clear(&e);
  ASSERT_RC(delta_cdf_open(t, 3, -1, &c, &e), LAGO_NOTFOUND);
  lago_err_clear(&e);
  ASSERT_OK(delta_cdf_open(t, 0, 2, &c, &e), &e);
  ASSERT_EQ_INT(type_n_fields(delta_cdf_schema(c)), 4);
  delta_cdf_close(c);
  /* CDF not enabled at version 0 of a column-mapped CDF table */
  snprintf(root, sizeof root, "%s/conformance/delta/tables/kr-cdf-column-mapping-name-mode/delta", test_shared_dir());
  delta_table *t2;
  ASSERT_OK(delta_table_open(&h, root, &t2, &e), &e);
  ASSERT_RC(delta_cdf_open(t2, 0, -1, &c, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "not enabled at version 0");
  delta_table_free(t2);
  delta_table_free(t);
}

/* dv_load_bits holds exactly the rows dv_load lists: bitmap, array and run containers, several
** buckets and the run-container file, plus the same errors. */
TEST(delta_dv_load_bits_matches_rows) {
  tbl_handlers h = {fs_local(), NULL, NULL, NULL, NULL};
  arena *ar = arena_new("t", 1024);
  size_t n = 0;
  uint64_t *rows = arena_alloc(ar, 20000 * sizeof *rows);
  for (uint64_t i = 0; i < 5000; i++) rows[n++] = i * 2 + 1;        /* bitmap container */
  for (uint64_t i = 0; i < 10; i++) rows[n++] = 70000 + i * 7;      /* array container */
  for (uint64_t i = 0; i < 3; i++) rows[n++] = 300000 + 65536 * i;  /* sparse, far apart */
  rows[n++] = ((uint64_t)1 << 32) - 1;                               /* the last row a bitset covers */
  delta_dv dv;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(dv_write_file(&h, test_tmpdir(), rows, n, ar, &dv, &e), &e);
  dv_rows r;
  dv_bits b;
  ASSERT_OK(dv_load(fs_local(), test_tmpdir(), &dv, ar, &r, &e), &e);
  ASSERT_OK(dv_load_bits(fs_local(), test_tmpdir(), &dv, ar, &b, &e), &e);
  ASSERT_EQ_UINT(b.n, n);
  ASSERT_EQ_UINT(r.n, n);
  ASSERT(b.n_bits > rows[n - 1]);
  ASSERT_EQ_UINT(b.n_bits % 65536, 0);
  /* every set bit is a listed row and every listed row is set; rows past n_bits are not deleted */
  uint64_t set = 0;
  for (uint64_t w = 0; w < b.n_bits / 64; w++) set += (uint64_t)__builtin_popcountll(b.words[w]);
  ASSERT_EQ_UINT(set, n);
  for (size_t i = 0; i < n; i++) ASSERT(dv_bits_has(&b, r.rows[i]));
  ASSERT(!dv_bits_has(&b, 0));
  ASSERT(!dv_bits_has(&b, 70001));
  ASSERT(!dv_bits_has(&b, b.n_bits));
  ASSERT(!dv_bits_has(&b, UINT64_MAX));
  /* a row past 2^32 is refused (a bitset that size is no scan's), naming the DV */
  uint64_t big[] = {3, ((uint64_t)2 << 32) | 7};
  delta_dv dv2;
  ASSERT_OK(dv_write_file(&h, test_tmpdir(), big, 2, ar, &dv2, &e), &e);
  lago_err_clear(&e);
  ASSERT_RC(dv_load_bits(fs_local(), test_tmpdir(), &dv2, ar, &b, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "deletion vector");
  /* the corpus file and its cardinality check */
  char root[1024];
  snprintf(root, sizeof root, "%s/conformance/delta/tables/kr-table-with-dv-small/delta", test_shared_dir());
  delta_dv cdv = {'u', "vBn[lx{q8@P<9BNH/isA", 1, 36, 2};
  lago_err_clear(&e);
  ASSERT_OK(dv_load_bits(fs_local(), root, &cdv, ar, &b, &e), &e);
  ASSERT_EQ_UINT(b.n, 2);
  ASSERT(dv_bits_has(&b, 0) && dv_bits_has(&b, 9) && !dv_bits_has(&b, 1));
  cdv.cardinality = 3;
  lago_err_clear(&e);
  ASSERT_RC(dv_load_bits(fs_local(), root, &cdv, ar, &b, &e), LAGO_CORRUPT);
  arena_free(ar);
}
