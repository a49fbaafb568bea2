/* exec/op_sort.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_sort_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator sort not implemented yet"); }
