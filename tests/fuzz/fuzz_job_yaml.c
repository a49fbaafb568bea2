/*
** tests/fuzz/fuzz_job_yaml.c: the job-file parser (pipeline/job_spec.c over
** pipeline/ydoc.c and libyaml) on arbitrary bytes. It must return LAGO_OK or
** LAGO_PARSE/NOMEM, never crash; a parsed job must be well formed (a
** dependency order that respects every dependency) and its texts must
** expand and split without crashing.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  job_spec *sp = NULL;
  int rc = job_parse(ar, "fuzz.yaml", "/tmp", (const char *)data, size, NULL, &sp, &e);
  if (rc == LAGO_OK) {
    uint32_t *pos = calloc(sp->n_tasks, sizeof *pos);
    for (uint32_t k = 0; k < sp->n_tasks; k++) pos[sp->order[k]] = k;
    for (uint32_t i = 0; i < sp->n_tasks; i++)
      for (uint32_t d = 0; d < sp->tasks[i].n_deps; d++)
        if (pos[sp->tasks[i].deps[d]] >= pos[i]) abort();
    free(pos);
    job_vars v = {sp, NULL, 1, 0, NULL};
    for (uint32_t i = 0; i < sp->n_tasks; i++) {
      const job_task *t = &sp->tasks[i];
      v.task_key = t->key;
      const char *out;
      if (t->text && job_expand(ar, t->text, &v, &out, &e) == LAGO_BIND) abort(); /* validated */
      const char **w;
      uint32_t n;
      if (t->text) job_split_words(ar, t->text, &w, &n, &e);
    }
  } else if (rc != LAGO_PARSE && rc != LAGO_NOMEM) {
    abort();
  }
  arena_free(ar);
  return 0;
}
