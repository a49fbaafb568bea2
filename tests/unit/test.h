/*
** tests/unit/test.h: the unit-test framework (libuv test/runner.c shape).
**
** A test is `TEST(name) { ... }` at the start of a line in any
** tests/unit/<layer>/test_<module>.c; the Makefile collects the names into a
** registry. runner.c runs each test in its own child process, so a crash or
** a failed assertion is one failure and the others still run.
**
** Assertions print both values and the place, then end the test:
**   ASSERT(x)                ASSERT_EQ_INT(a, b)     ASSERT_EQ_UINT(a, b)
**   ASSERT_EQ_STR(a, b)      ASSERT_EQ_MEM(a, b, n)  ASSERT_OK(rc, err)
**   ASSERT_RC(rc, want)      ASSERT_NE_NULL(p)       ASSERT_CONTAINS(hay, needle)
*/
#ifndef LAGO_TEST_H
#define LAGO_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lago.h"
#include "util/status.h"

#define TEST(name) void test_##name(void)

void test_fail_(const char *file, int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

#define ASSERT(x) \
  do { if (!(x)) test_fail_(__FILE__, __LINE__, "ASSERT(%s) failed", #x); } while (0)

#define ASSERT_EQ_INT(a, b)                                                                      \
  do {                                                                                           \
    long long a_ = (long long)(a), b_ = (long long)(b);                                          \
    if (a_ != b_) test_fail_(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);      \
  } while (0)

#define ASSERT_EQ_UINT(a, b)                                                                     \
  do {                                                                                           \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);               \
    if (a_ != b_) test_fail_(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, a_, b_);      \
  } while (0)

#define ASSERT_EQ_STR(a, b)                                                                      \
  do {                                                                                           \
    const char *a_ = (a), *b_ = (b);                                                             \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                       \
      test_fail_(__FILE__, __LINE__, "%s == %s:\n  got:  \"%s\"\n  want: \"%s\"", #a, #b,          \
                 a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                        \
  } while (0)

#define ASSERT_EQ_MEM(a, b, n)                                                                   \
  do {                                                                                           \
    if (memcmp((a), (b), (n)) != 0) test_fail_(__FILE__, __LINE__, "%s and %s differ in %zu bytes", #a, #b, (size_t)(n)); \
  } while (0)

#define ASSERT_CONTAINS(hay, needle)                                                             \
  do {                                                                                           \
    const char *h_ = (hay), *n_ = (needle);                                                      \
    if (!h_ || !strstr(h_, n_)) test_fail_(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_); \
  } while (0)

#define ASSERT_NE_NULL(p) \
  do { if ((p) == NULL) test_fail_(__FILE__, __LINE__, "%s is NULL", #p); } while (0)

/* rc must be LAGO_OK; on failure prints the rc name and err's message. err may be NULL. */
#define ASSERT_OK(rc, err)                                                                       \
  do {                                                                                           \
    int rc_ = (rc);                                                                              \
    const lago_err *e_ = (err);                                                                  \
    if (rc_ != LAGO_OK)                                                                          \
      test_fail_(__FILE__, __LINE__, "%s returned %s: %s", #rc, lago_rc_name(rc_),               \
                 e_ ? e_->msg : "");                                                             \
  } while (0)

#define ASSERT_RC(rc, want)                                                                      \
  do {                                                                                           \
    int rc_ = (rc), w_ = (want);                                                                 \
    if (rc_ != w_) test_fail_(__FILE__, __LINE__, "%s: got %s, want %s", #rc, lago_rc_name(rc_), lago_rc_name(w_)); \
  } while (0)

/*
** Allocation-failure sweep: runs fn(ud) with allocation n failing, for
** n = 1, 2, ... until a run completes without an injected failure (at most
** max_n runs). Each failing run must return LAGO_NOMEM (not crash, not
** another code) and leave mem_live() where it was. Returns the number of
** runs. fn must release everything it allocated before returning.
*/
int test_oom_sweep(int (*fn)(void *ud), void *ud, int max_n);

/* Path of a fresh empty directory for this test (removed when the test ends). */
const char *test_tmpdir(void);

/* Root of the shared folder (../shared from the repo), or $LAGO_SHARED. */
const char *test_shared_dir(void);

#endif /* LAGO_TEST_H */
