/* exec/op_top_n.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_top_n_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator top_n not implemented yet"); }
