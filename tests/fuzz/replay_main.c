/*
** tests/fuzz/replay_main.c: runs a libFuzzer target over stored inputs
** without libFuzzer (SQLite test/fuzzcheck.c idea), so `make test` replays
** every corpus under ASan/UBSan.
**   fuzz_x FILE_OR_DIR...   each file is one input; prints "N inputs"
** A crash or sanitizer report fails the process; so does no input at all.
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return -1;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *data = malloc(cap);
  for (;;) {
    if (n == cap) data = realloc(data, cap *= 2);
    size_t k = fread(data + n, 1, cap - n, f);
    if (!k) break;
    n += k;
  }
  fclose(f);
  /* Copy into an exact-size buffer so ASan sees reads past the end. */
  uint8_t *exact = malloc(n ? n : 1);
  memcpy(exact, data, n);
  free(data);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 1;
}

static int run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "no such input: %s\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return run_file(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    int r = run_path(sub);
    if (r < 0) {
      closedir(d);
      return -1;
    }
    count += r;
  }
  closedir(d);
  return count;
}

int main(int argc, char **argv) {
  int total = 0;
  for (int i = 1; i < argc; i++) {
    int r = run_path(argv[i]);
    if (r < 0) return 1;
    total += r;
  }
  printf("%d inputs\n", total);
  return total > 0 ? 0 : 1;
}
