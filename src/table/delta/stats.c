/*
** table/delta/stats.c: per-file statistics and data skipping (PROTOCOL.md
** "Per-file Statistics"; DELTA-CHECKLIST.md §12).
*/
#include <string.h>

#include "table/delta/delta_int.h"

int64_t delta_stats_num_records(const char *stats, arena *scratch) {
  if (!stats) return -1;
  json_value *v;
  if (json_parse(scratch, stats, strlen(stats), &v, NULL)) return -1;
  const json_value *n = json_get(v, "numRecords");
  if (!n || n->type != JSON_NUMBER || !n->is_int || n->x.num.i < 0) return -1;
  return n->x.num.i;
}
