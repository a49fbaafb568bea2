/* exec/op_hash_join.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_hash_join_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator hash_join not implemented yet"); }
