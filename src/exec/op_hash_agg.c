/* exec/op_hash_agg.c: placeholder while the operator is written. */
#include "exec/exec_int.h"
int op_hash_agg_init(exec_op *op) { return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "operator hash_agg not implemented yet"); }
