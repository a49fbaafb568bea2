/* exec/op_dedupe.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_dedupe_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator dedupe not implemented yet"); }
