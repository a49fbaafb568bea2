/*
** exec/op_top_n.c: ORDER BY ... LIMIT n [OFFSET m]. The sort operator with a
** bounded sorter (op_sort.c): each thread keeps its best n + m rows.
*/
#include "exec/exec_int.h"

int op_top_n_init(exec_op *op) { return op_sort_init(op); }
