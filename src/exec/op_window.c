/* exec/op_window.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_window_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator window not implemented yet"); }
