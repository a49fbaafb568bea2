/*
** tests/unit/pipeline/test_ydoc.c: YAML -> ynode trees (pipeline/ydoc.c):
** scalars and their positions, anchors, merge keys, and every refusal
** (syntax, duplicate keys, alias cycles, depth, second documents).
*/
#include <string.h>

#include "pipeline/ydoc.h"
#include "test.h"
#include "util/alloc.h"

static const ynode *parse_ok(arena *ar, const char *text) {
  lago_err e;
  lago_err_clear(&e);
  const ynode *root = NULL;
  int rc = ydoc_parse(ar, "t.yaml", text, strlen(text), &root, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "ydoc_parse: %s", e.msg);
  return root;
}

/* Parses text expecting LAGO_PARSE; returns the message (static buffer). */
static const char *parse_err(const char *text) {
  static lago_err e;
  lago_err_clear(&e);
  arena *ar = arena_new("t", 1024);
  const ynode *root = NULL;
  int rc = ydoc_parse(ar, "t.yaml", text, strlen(text), &root, &e);
  arena_free(ar);
  if (rc != LAGO_PARSE) test_fail_(__FILE__, __LINE__, "want LAGO_PARSE for <%s>, got %s", text, lago_rc_name(rc));
  return e.msg;
}

TEST(ydoc_scalars_and_positions) {
  arena *ar = arena_new("t", 1024);
  const ynode *r = parse_ok(ar, "a: 1\nb: \"1\"\nc:\n  - x\n  - 'y z'\nd: ~\ne:\n");
  ASSERT_EQ_INT(r->kind, YNODE_MAP);
  ASSERT_EQ_INT(r->len, 5);
  const ynode *a = ynode_get(r, "a"), *b = ynode_get(r, "b"), *c = ynode_get(r, "c");
  ASSERT(a->plain);
  ASSERT(!b->plain);
  ASSERT_EQ_STR(a->u.str, "1");
  ASSERT_EQ_STR(b->u.str, "1");
  ASSERT_EQ_INT(a->line, 1);
  ASSERT_EQ_INT(a->col, 4);
  ASSERT_EQ_INT(c->kind, YNODE_SEQ);
  ASSERT_EQ_INT(c->len, 2);
  ASSERT_EQ_STR(c->u.items[1]->u.str, "y z");
  ASSERT_EQ_INT(c->u.items[1]->line, 5);
  ASSERT_EQ_INT(c->u.items[1]->col, 5);
  ASSERT(ynode_is_null(ynode_get(r, "d")));
  ASSERT(ynode_is_null(ynode_get(r, "e")));
  ASSERT(!ynode_is_null(b));
  ASSERT(ynode_get(r, "zz") == NULL);
  ASSERT_EQ_STR(ynode_kind_name(c), "a list");
  arena_free(ar);
}

TEST(ydoc_empty_document) {
  arena *ar = arena_new("t", 1024);
  ASSERT(parse_ok(ar, "") == NULL);
  ASSERT(parse_ok(ar, "# only a comment\n") == NULL);
  arena_free(ar);
}

TEST(ydoc_anchors_and_merge_keys) {
  arena *ar = arena_new("t", 1024);
  const ynode *r = parse_ok(ar,
                            "base: &b {max_retries: 2, timeout_seconds: 60}\n"
                            "other: &o {timeout_seconds: 5, run_if: ALL_DONE}\n"
                            "t1: {<<: *b, task_key: x}\n"
                            "t2: {<<: [*o, *b], max_retries: 9}\n"
                            "same: *b\n");
  const ynode *t1 = ynode_get(r, "t1"), *t2 = ynode_get(r, "t2");
  ASSERT_EQ_INT(t1->len, 3);
  ASSERT_EQ_STR(ynode_get(t1, "max_retries")->u.str, "2");
  ASSERT_EQ_STR(ynode_get(t1, "task_key")->u.str, "x");
  ASSERT(ynode_get(t1, "<<") == NULL);
  /* own key wins; among merged mappings the earlier one wins */
  ASSERT_EQ_STR(ynode_get(t2, "max_retries")->u.str, "9");
  ASSERT_EQ_STR(ynode_get(t2, "timeout_seconds")->u.str, "5");
  ASSERT_EQ_STR(ynode_get(t2, "run_if")->u.str, "ALL_DONE");
  ASSERT_EQ_INT(t2->len, 3);
  /* an alias is the anchored node itself */
  ASSERT(ynode_get(r, "same") == ynode_get(r, "base"));
  arena_free(ar);
}

TEST(ydoc_alias_fanout_is_linear) {
  /* "billion laughs": 9 levels of 9 references would be 9^9 nodes if copied */
  char text[4096];
  size_t n = (size_t)snprintf(text, sizeof text, "l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 9; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i,
                          i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
  arena *ar = arena_new("t", 1024);
  const ynode *r = parse_ok(ar, text);
  ASSERT_EQ_INT(ynode_get(r, "l8")->len, 9);
  ASSERT(arena_used(ar) < 64 * 1024);
  arena_free(ar);
}

TEST(ydoc_refusals) {
  ASSERT_CONTAINS(parse_err("a: 1\na: 2\n"), "t.yaml:2:1: duplicate key 'a' (first at line 1, column 1)");
  ASSERT_CONTAINS(parse_err("a: [1, 2\n"), "t.yaml:");
  ASSERT_CONTAINS(parse_err("a: b: c\n"), "t.yaml:1:5: mapping values are not allowed");
  ASSERT_CONTAINS(parse_err("a: 1\n---\nb: 2\n"), "t.yaml:2:1: a second YAML document");
  ASSERT_CONTAINS(parse_err("a: &x [1, *x]\n"), "an alias refers to a node that contains it");
  ASSERT_CONTAINS(parse_err("a: &x {<<: *x}\n"), "an alias refers to a node that contains it");
  ASSERT_CONTAINS(parse_err("a: *nothing\n"), "t.yaml:1:4:");
  ASSERT_CONTAINS(parse_err("path: {{job.parameters.x}}\n"), "must be quoted");
  ASSERT_CONTAINS(parse_err("? [a]\n: 1\n"), "mapping keys must be plain text");
  ASSERT_CONTAINS(parse_err("a: {<<: 5}\n"), "a merge key (<<) takes a mapping or a list of mappings");
  ASSERT_CONTAINS(parse_err("a: {<<: [5]}\n"), "a merge key (<<) takes mappings");
  ASSERT_CONTAINS(parse_err("a: \"\x01\"\n"), "t.yaml");
  char deep[400];
  size_t n = 0;
  for (int i = 0; i < 100; i++) deep[n++] = '[';
  for (int i = 0; i < 100; i++) deep[n++] = ']';
  deep[n] = 0;
  ASSERT_CONTAINS(parse_err(deep), "nested more than 64 levels deep");
}

static int oom_ydoc(void *ud) {
  (void)ud;
  arena *ar = arena_new("t", 256);
  if (!ar) return LAGO_NOMEM;
  lago_err e;
  lago_err_clear(&e);
  const ynode *r;
  const char *text = "base: &b {a: 1, b: [x, y, z]}\nt: {<<: *b, c: \"q\"}\nlist: [*b, *b, {k: v}]\n";
  int rc = ydoc_parse(ar, "t.yaml", text, strlen(text), &r, &e);
  arena_free(ar);
  return rc;
}

TEST(ydoc_oom_sweep) { ASSERT(test_oom_sweep(oom_ydoc, NULL, 500) > 1); }
