/* exec/op_nl_join.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_nl_join_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator nl_join not implemented yet"); }
