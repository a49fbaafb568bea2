/* exec/op_generate.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_generate_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator generate not implemented yet"); }
