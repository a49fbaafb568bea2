/*
** tests/fuzz/fuzz_delta_log.c: a Delta commit file (newline-delimited JSON
** actions) through delta_commit_parse and back through delta_action_to_json.
** Must return OK, CORRUPT, UNSUPPORTED or NOMEM; an action that parses must
** re-serialize, and the re-serialized line must parse to the same kind.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta/delta_int.h"

typedef struct ctx {
  arena *ar;
  int n;
} ctx;

static int on_action(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)version;
  (void)from_cp;
  ctx *c = ud;
  buf b;
  buf_init(&b);
  int rc = delta_action_to_json(a, &b, err);
  if (rc == LAGO_OK) {
    json_value *v;
    lago_err e2;
    lago_err_clear(&e2);
    if (json_parse(c->ar, b.data, b.len, &v, &e2) != LAGO_OK) abort();
    delta_action back;
    if (delta_action_from_json(c->ar, v, &back, "rt", &e2) != LAGO_OK || back.kind != a->kind) abort();
  } else if (rc != LAGO_NOMEM) {
    abort();
  }
  buf_deinit(&b);
  if (a->kind == DA_ADD || a->kind == DA_REMOVE) delta_file_key(c->ar, &a->u.file);
  c->n++;
  return LAGO_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  ctx c = {arena_new("fuzz", 4096), 0};
  lago_err e;
  lago_err_clear(&e);
  int rc = delta_commit_parse((const char *)data, size, c.ar, "fuzz", 0, on_action, &c, &e);
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) abort();
  arena_free(c.ar);
  return 0;
}
