/*
** format/parquet/assemble.c: rebuilds nested vectors (STRUCT, ARRAY, MAP at
** any depth) from the definition and repetition levels of a column's
** leaves (the Dremel record-assembly step). Used by reader.c for every
** column that is not a flat primitive.
**
** Each vector V of the column's vector tree has an assembly node with
** three numbers (schema.c computes them):
**   rep        repetition level of V's entries (lists above V)
**   def_exist  a level (d, r) opens an entry of V when r <= rep and
**              d >= def_exist: lower d means an ancestor is null or empty
**   def_valid  the entry is non-null when d >= def_valid
** V's entries are counted on the levels of the first leaf below it. A
** list's elements (child C, rep + 1) are counted on the same levels, so
** each list entry's length is the number of C entries until the next
** entry of V. A struct's fields each count their own first leaf, and every
** field must find as many entries as the struct: leaves that disagree are
** LAGO_CORRUPT, never an out-of-bounds access.
**
** Example, optional list of optional int (max_def 3, max_rep 1):
**   row        levels (d,r)          list entry      elements
**   [1, null]  (3,0) (2,1)           valid, len 2    1, null
**   []         (1,0)                 valid, len 0
**   null       (0,0)                 null
** column_read.c has already checked the levels (ranges, first r = 0,
** repetitions that continue a non-empty list), so the counts are
** consistent within one leaf.
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/alloc.h"

typedef struct actx {
  uint32_t first_leaf;
  pq_levels *const *lv;
  const char *what;
  lago_err *err;
} actx;

static int disagree(actx *c, const char *msg, uint32_t got, uint32_t want) {
  return LAGO_ERR(c->err, LAGO_CORRUPT, "%s: leaves of the column disagree: %s (%u vs %u)", c->what, msg, got, want);
}

/* Sets v's validity for entries [0, n) from bytes valid[] (allocating only if needed). */
static int set_validity(vec *v, const uint8_t *valid, uint32_t n) {
  uint32_t i = 0;
  while (i < n && valid[i]) i++;
  if (i == n) {
    v->validity = NULL;
    return LAGO_OK;
  }
  v->validity = NULL;
  TRY(vec_ensure_validity(v));
  for (; i < n; i++)
    if (!valid[i]) bitmap_clear(v->validity, i);
  return LAGO_OK;
}

static int asm_node(actx *c, const pq_anode *a, vec *v, uint32_t expect, uint8_t *tmp);

/*
** tmp is scratch of at least as many bytes as the leaf has levels (the
** caller allocates it once for the largest leaf).
*/
static int asm_node(actx *c, const pq_anode *a, vec *v, uint32_t expect, uint8_t *tmp) {
  const pq_levels *L = c->lv[a->leaf - c->first_leaf];
  const uint8_t *def = L->def, *rep = L->rep;
  uint32_t nl = L->n_levels;
  uint8_t R = a->rep, De = a->def_exist, Dv = a->def_valid;
  if (expect > v->cap && vec_reserve(v, expect)) return LAGO_NOMEM_ERR(c->err);
  switch (a->kind) {
    case PQA_LEAF: {
      uint32_t e = 0;
      for (uint32_t i = 0; i < nl; i++) {
        if (rep[i] <= R && def[i] >= De) {
          if (e >= expect) return disagree(c, "more leaf values than entries", e + 1, expect);
          tmp[e++] = def[i] >= Dv;
        }
      }
      if (e != expect) return disagree(c, "leaf entries", e, expect);
      uint32_t nv = 0;
      for (uint32_t i = 0; i < e; i++) nv += tmp[i];
      if (nv != L->n_values) return disagree(c, "non-null leaf values", nv, L->n_values);
      pq_spread(v, tmp, e, nv);
      TRY(set_validity(v, tmp, e) ? LAGO_NOMEM_ERR(c->err) : LAGO_OK);
      v->len = e;
      return LAGO_OK;
    }
    case PQA_STRUCT: {
      uint32_t e = 0;
      for (uint32_t i = 0; i < nl; i++) {
        if (rep[i] <= R && def[i] >= De) {
          if (e >= expect) return disagree(c, "more struct entries than expected", e + 1, expect);
          tmp[e++] = def[i] >= Dv;
        }
      }
      if (e != expect) return disagree(c, "struct entries", e, expect);
      TRY(set_validity(v, tmp, e) ? LAGO_NOMEM_ERR(c->err) : LAGO_OK);
      v->len = e;
      for (uint32_t k = 0; k < a->n_children; k++) TRY(asm_node(c, a->children[k], v->fields[k], e, tmp));
      return LAGO_OK;
    }
    case PQA_LIST:
    case PQA_MAP: {
      const pq_anode *ch = a->children[0];
      lago_list *lists = v->data;
      uint32_t e = 0, cc = 0;
      bool open = false;
      for (uint32_t i = 0; i < nl; i++) {
        if (rep[i] <= R && def[i] >= De) {
          if (e >= expect) return disagree(c, "more list entries than expected", e + 1, expect);
          lists[e].offset = cc;
          lists[e].length = 0;
          tmp[e++] = def[i] >= Dv;
          open = true;
        }
        if (rep[i] <= ch->rep && def[i] >= ch->def_exist) {
          if (!open) return LAGO_ERR(c->err, LAGO_CORRUPT, "%s: list element outside any list", c->what);
          if (cc == UINT32_MAX) return LAGO_ERR(c->err, LAGO_UNSUPPORTED, "%s: list too long", c->what);
          cc++;
          lists[e - 1].length++;
        }
      }
      if (e != expect) return disagree(c, "list entries", e, expect);
      TRY(set_validity(v, tmp, e) ? LAGO_NOMEM_ERR(c->err) : LAGO_OK);
      v->len = e;
      vec *cv = v->child;
      TRY(asm_node(c, ch, cv, cc, tmp));
      cv->len = cc;
      return LAGO_OK;
    }
  }
  return LAGO_ERR(c->err, LAGO_INTERNAL, "%s: bad assembly node", c->what);
}

int pq_assemble(const pq_anode *node, uint32_t first_leaf, uint32_t n_leaves, pq_levels *const *lv, vec *out,
                uint32_t n_rows, const char *what, lago_err *err) {
  actx c = {first_leaf, lv, what, err};
  /* Scratch for validity bytes: no vector has more entries than its leaf has levels. */
  uint32_t most = n_rows;
  for (uint32_t i = 0; i < n_leaves; i++)
    if (lv[i]->n_levels > most) most = lv[i]->n_levels;
  uint8_t *tmp = mem_alloc(most ? most : 1);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  int rc = asm_node(&c, node, out, n_rows, tmp);
  mem_free(tmp);
  return rc;
}

vec *pq_leaf_vector(const pq_anode *a, vec *v, uint32_t leaf) {
  for (;;) {
    switch (a->kind) {
      case PQA_LEAF: return a->leaf == leaf ? v : NULL;
      case PQA_LIST:
      case PQA_MAP:
        v = v->child;
        a = a->children[0];
        continue;
      case PQA_STRUCT: {
        uint32_t k = 0;
        while (k + 1 < a->n_children && a->children[k + 1]->leaf <= leaf) k++;
        v = v->fields[k];
        a = a->children[k];
        continue;
      }
    }
    return NULL;
  }
}
