/*
** tests/unit/format/test_txt_input.c: the chunked input both text readers
** read through (format/text/txt_input.c): keeping bytes across fills, the
** sentinel pad, reads past a range end growing geometrically, BOMs, and the
** line-break search across chunk boundaries (\r\n split between reads).
*/
#include <stdio.h>

#include "format/text/text_int.h"
#include "test.h"

static const char *wfile(const char *name, const char *content, size_t n) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(path, "wb");
  if (!f) test_fail_(__FILE__, __LINE__, "cannot write %s", path);
  fwrite(content, 1, n, f);
  fclose(f);
  return path;
}

TEST(txt_input_fill_keeps_and_pads) {
  const char *p = wfile("in.txt", "0123456789abcdefghij", 20);
  txt_input in;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(txt_input_init(&in, fs_local(), p, 4, '#', &e), &e);
  ASSERT_EQ_MEM(in.buf, "####", 4); /* the sentinel is there before any read */
  in.chunk = 3;
  size_t got;
  ASSERT_OK(txt_input_fill(&in, 0, 0, &got, &e), &e);
  ASSERT_EQ_INT(got, 3);
  ASSERT_EQ_MEM(in.buf, "012####", 7);
  ASSERT_OK(txt_input_fill(&in, 2, 0, &got, &e), &e); /* drop "01" */
  ASSERT_EQ_INT(in.buf_off, 2);
  ASSERT_EQ_INT(in.len, 4);
  ASSERT_EQ_MEM(txt_input_at(&in, 2), "2345####", 8);
  ASSERT_OK(txt_input_fill(&in, 2, 10, &got, &e), &e); /* at least `want` */
  ASSERT_EQ_INT(got, 10);
  ASSERT_EQ_INT(txt_input_end(&in), 16);
  ASSERT_OK(txt_input_fill(&in, 16, 0, &got, &e), &e);
  ASSERT_OK(txt_input_fill(&in, 16, 0, &got, &e), &e);
  ASSERT(txt_input_eof(&in));
  ASSERT_EQ_MEM(txt_input_at(&in, 16), "ghij####", 8);
  ASSERT_OK(txt_input_fill(&in, 16, 0, &got, &e), &e);
  ASSERT_EQ_INT(got, 0);
  txt_input_seek(&in, 5);
  ASSERT_OK(txt_input_fill(&in, 5, 0, &got, &e), &e);
  ASSERT_EQ_MEM(in.buf, "567####", 7);
  txt_input_deinit(&in);
}

TEST(txt_input_reads_past_range_geometrically) {
  static char big[200000];
  memset(big, 'x', sizeof big);
  const char *p = wfile("range.txt", big, sizeof big);
  txt_input in;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(txt_input_init(&in, fs_local(), p, 0, -1, &e), &e);
  in.range_end = 1000;
  size_t got, reads = 0;
  ASSERT_OK(txt_input_fill(&in, 0, 0, &got, &e), &e);
  ASSERT_EQ_INT(got, 1000 + 4096); /* to the end and 4 KiB past it */
  while (!txt_input_eof(&in)) {
    uint64_t before = in.read_off;
    ASSERT_OK(txt_input_fill(&in, 0, 0, &got, &e), &e);
    ASSERT(got >= (before - 1000 < 4096 ? 4096 : before - 1000) || txt_input_eof(&in));
    reads++;
  }
  ASSERT(reads <= 8); /* 5096, then doubling past the end: logarithmic */
  txt_input_deinit(&in);
}

TEST(txt_input_bom_and_lines) {
  const char *p = wfile("l.txt", "\xEF\xBB\xBF" "ab\r\ncd\ref\n\ngh", 17);
  txt_input in;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(txt_input_init(&in, fs_local(), p, 0, -1, &e), &e);
  in.chunk = 1; /* every line break falls on a read boundary, \r\n split between two reads */
  bool bom;
  ASSERT_OK(txt_input_bom(&in, &bom, &e), &e);
  ASSERT(bom);
  uint64_t le, next, at = 3;
  static const uint64_t want[][2] = {{5, 7}, {9, 10}, {12, 13}, {13, 14}, {17, 17}};
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(txt_input_line(&in, at, -1, at, UINT64_MAX, 1, &le, &next, &e), &e);
    ASSERT_EQ_INT(le, want[i][0]);
    ASSERT_EQ_INT(next, want[i][1]);
    at = next;
  }
  /* one byte as the separator: \r and \n are data */
  txt_input_seek(&in, 0);
  ASSERT_OK(txt_input_line(&in, 0, 'd', 0, UINT64_MAX, 1, &le, &next, &e), &e);
  ASSERT_EQ_INT(le, 8);
  /* too long */
  txt_input_seek(&in, 0);
  ASSERT_RC(txt_input_line(&in, 0, 'z', 0, 4, 9, &le, &next, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "l.txt:9: line longer than");
  txt_input_deinit(&in);
  /* no BOM, or a file shorter than one */
  p = wfile("s.txt", "\xEF\xBB", 2);
  ASSERT_OK(txt_input_init(&in, fs_local(), p, 0, -1, &e), &e);
  ASSERT_OK(txt_input_bom(&in, &bom, &e), &e);
  ASSERT(!bom);
  txt_input_deinit(&in);
}
