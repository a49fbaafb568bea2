/* exec/agg.c: placeholder. */
#include "exec/agg.h"
const agg_func *agg_lookup(const char *name) { (void)name; return NULL; }
int agg_call_make(arena *ar, const char *name, expr **args, uint32_t n_args, bool distinct, bool ignore_nulls,
                  expr *filter, agg_call **out, lago_err *err) {
  (void)ar; (void)args; (void)n_args; (void)distinct; (void)ignore_nulls; (void)filter; (void)out;
  return LAGO_ERR(err, LAGO_BIND, "unknown aggregate %s", name);
}
