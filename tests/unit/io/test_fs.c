/*
** tests/unit/io/test_fs.c: the local backend (range reads, atomic writes,
** put-if-absent, listing) and the fault-injecting wrapper.
*/
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/fs.h"
#include "test.h"
#include "util/alloc.h"

static char *tmp_path(arena *ar, const char *name) { return path_join(ar, test_tmpdir(), name); }

/* Counts entries; hidden ones (temp files) count 1000 so a leftover shows. */
static int cb(void *ud, const fs_entry *ent) {
  *(int *)ud += ent->name[0] == '.' ? 1000 : 1;
  return LAGO_OK;
}

TEST(fs_write_read_range) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_fs *fs = fs_local();
  char *p = tmp_path(ar, "a/b/c.bin");
  ASSERT_OK(fs_write(fs, p, "hello world", 11, true, &e), &e);
  lago_file *f;
  ASSERT_OK(fs_open(fs, p, &f, &e), &e);
  ASSERT_EQ_INT(f->size, 11);
  char got[6] = {0};
  ASSERT_OK(fs_read_at(f, 6, got, 5, &e), &e);
  ASSERT_EQ_STR(got, "world");
  ASSERT_RC(fs_read_at(f, 8, got, 5, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "past the end");
  fs_close(f);
  buf b;
  buf_init(&b);
  lago_err_clear(&e);
  ASSERT_OK(fs_read_all(fs, p, &b, &e), &e);
  ASSERT_EQ_STR(buf_cstr(&b), "hello world");
  buf_deinit(&b);
  lago_err_clear(&e);
  ASSERT_RC(fs_open(fs, tmp_path(ar, "nope"), &f, &e), LAGO_NOTFOUND);
  ASSERT_CONTAINS(e.msg, "nope");
  arena_free(ar);
}

TEST(fs_put_if_absent) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_fs *fs = fs_local();
  char *p = tmp_path(ar, "_delta_log/00000000000000000001.json");
  ASSERT_OK(fs_put_if_absent(fs, p, "first", 5, &e), &e);
  ASSERT_RC(fs_put_if_absent(fs, p, "second", 6, &e), LAGO_EXISTS);
  char *data;
  size_t len;
  lago_err_clear(&e);
  ASSERT_OK(fs_read_all_arena(fs, p, ar, &data, &len, &e), &e);
  ASSERT_EQ_STR(data, "first");
  /* No temp files left behind. */
  int n = 0;
  ASSERT_OK(fs_list(fs, tmp_path(ar, "_delta_log"), false, cb, &n, &e), &e);
  ASSERT_EQ_INT(n, 1);
  arena_free(ar);
}

/* 8 processes race to create the same 50 versions: each version is won exactly once. */
TEST(fs_put_if_absent_race) {
  arena *ar = arena_new("t", 1024);
  const char *dir = tmp_path(ar, "race");
  for (int p = 0; p < 8; p++) {
    if (fork() == 0) {
      lago_err e;
      for (int v = 0; v < 50; v++) {
        char path[512], body[32];
        snprintf(path, sizeof path, "%s/%020d.json", dir, v);
        int n = snprintf(body, sizeof body, "writer %d\n", p);
        lago_err_clear(&e);
        int rc = fs_put_if_absent(fs_local(), path, body, (size_t)n, &e);
        if (rc != LAGO_OK && rc != LAGO_EXISTS) _exit(3);
      }
      _exit(0);
    }
  }
  for (int p = 0; p < 8; p++) {
    int st;
    wait(&st);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  int n = 0;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(fs_list(fs_local(), dir, false, cb, &n, &e), &e);
  ASSERT_EQ_INT(n, 50);
  arena_free(ar);
}

typedef struct names {
  char all[2048];
} names;

static int collect(void *ud, const fs_entry *ent) {
  names *nm = ud;
  strcat(nm->all, ent->name);
  strcat(nm->all, ent->is_dir ? "/;" : ";");
  return LAGO_OK;
}

TEST(fs_list_sorted_recursive) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_fs *fs = fs_local();
  const char *files[] = {"l/b.txt", "l/a.txt", "l/sub/z.txt", "l/sub/deeper/y.txt", "l/c/x.txt"};
  for (int i = 0; i < 5; i++) ASSERT_OK(fs_write(fs, tmp_path(ar, files[i]), "x", 1, true, &e), &e);
  names nm = {{0}};
  ASSERT_OK(fs_list(fs, tmp_path(ar, "l"), true, collect, &nm, &e), &e);
  ASSERT_EQ_STR(nm.all, "a.txt;b.txt;c/x.txt;sub/deeper/y.txt;sub/z.txt;");
  names flat = {{0}};
  ASSERT_OK(fs_list(fs, tmp_path(ar, "l"), false, collect, &flat, &e), &e);
  ASSERT_EQ_STR(flat.all, "a.txt;b.txt;c/;sub/;");
  ASSERT_RC(fs_list(fs, tmp_path(ar, "missing"), false, collect, &flat, &e), LAGO_NOTFOUND);
  lago_err_clear(&e);
  ASSERT_OK(fs_remove_tree(fs, tmp_path(ar, "l"), &e), &e);
  bool ex = true;
  ASSERT_OK(fs_exists(fs, tmp_path(ar, "l"), &ex, &e), &e);
  ASSERT(!ex);
  arena_free(ar);
}

TEST(fs_abort_leaves_nothing) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_fs *fs = fs_local();
  lago_wfile *w;
  char *p = tmp_path(ar, "d/big.bin");
  ASSERT_OK(fs_create(fs, p, &w, &e), &e);
  char chunk[100000];
  memset(chunk, 7, sizeof chunk);
  for (int i = 0; i < 10; i++) ASSERT_OK(fs_wfile_write(w, chunk, sizeof chunk, &e), &e);
  ASSERT_EQ_INT(w->written, 1000000);
  bool ex = true;
  ASSERT_OK(fs_exists(fs, p, &ex, &e), &e);
  ASSERT(!ex); /* not visible before commit */
  fs_wfile_abort(w);
  int n = 0;
  ASSERT_OK(fs_list(fs, tmp_path(ar, "d"), false, cb, &n, &e), &e);
  ASSERT_EQ_INT(n, 0);
  arena_free(ar);
}

TEST(fs_faulty_sweep) {
  arena *ar = arena_new("t", 1024);
  lago_fs *fs = fs_local();
  /* Count the operations of write+read, then fail each in turn. */
  lago_fs *probe = fs_faulty_new(fs, 0, false);
  lago_err e;
  lago_err_clear(&e);
  char *p = tmp_path(ar, "f/x.json");
  ASSERT_OK(fs_write(probe, p, "abc", 3, true, &e), &e);
  buf b;
  buf_init(&b);
  ASSERT_OK(fs_read_all(probe, p, &b, &e), &e);
  long ops = fs_faulty_ops(probe);
  ASSERT(ops >= 4);
  fs_free(probe);
  for (long n = 1; n <= ops; n++) {
    lago_fs *ff = fs_faulty_new(fs, n, true);
    lago_err_clear(&e);
    char *q = arena_printf(ar, "%s/f/y%ld.json", test_tmpdir(), n);
    int rc = fs_write(ff, q, "abc", 3, true, &e);
    if (rc == LAGO_OK) {
      buf_clear(&b);
      rc = fs_read_all(ff, q, &b, &e);
    }
    ASSERT_RC(rc, LAGO_IO);
    ASSERT_CONTAINS(e.msg, "injected I/O failure");
    fs_free(ff);
  }
  buf_deinit(&b);
  /* Only the committed files exist: no temp files. */
  int n = 0;
  ASSERT_OK(fs_list(fs, tmp_path(ar, "f"), false, cb, &n, &e), &e);
  ASSERT(n >= 1 && n < 1000);
  arena_free(ar);
}
