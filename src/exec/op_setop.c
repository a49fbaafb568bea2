/* exec/op_setop.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_setop_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator setop not implemented yet"); }
