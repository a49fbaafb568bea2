/*
** cdc/config.c: ingestor files (the seed users' generic ingestor classes,
** as configuration) -> cdc_table_def. Format: src/cdc/README.md
** "Ingestor files". A file holds one table (its keys at the top level) or
** several (`tables:` as a list, with optional `defaults:` that every entry
** starts from). YAML is read by pipeline/ydoc.h, which keeps every node's
** line and column, so each error names its place: "x.yaml:7:11: ...".
**
** Everything here is untrusted: each value's kind and range is checked,
** unknown keys are refused (with the nearest known key as a hint), names are
** bounded. Fuzzed by tests/fuzz/fuzz_cdc_config.c.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdc/cdc_int.h"
#include "pipeline/ydoc.h"
#include "stream/stream.h"

typedef struct pctx {
  arena *ar;
  const char *file;
  const char *base;  /* directory for relative paths */
  lago_err *err;
} pctx;

#define PERR(pc, node, ...) ydoc_error((pc)->err, (pc)->file, (node), __VA_ARGS__)

static const char *const k_keys[] = {
    "table",   "catalog",       "schema",     "path",     "format",    "full_load",           "cdc",
    "keys",    "sequence",      "operation",  "ignore",   "keep_sequence", "semantics",        "tombstone_retention",
    "quarantine", "columns",    "options",    "checkpoint", NULL};

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40) return 99;
  size_t d[41][41];
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t c = d[i - 1][j - 1] + ((a[i - 1] | 32) != (b[j - 1] | 32));
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      d[i][j] = c;
    }
  return d[la][lb];
}

static int unknown_key(pctx *pc, const ynode *k, const char *const *known, const char *where) {
  const char *best = NULL;
  size_t bd = 4;
  for (int i = 0; known[i]; i++) {
    size_t d = edit_distance(k->u.str, known[i]);
    if (d < bd) {
      bd = d;
      best = known[i];
    }
  }
  if (best) return PERR(pc, k, "unknown key '%.60s' in %s (did you mean '%s'?)", k->u.str, where, best);
  return PERR(pc, k, "unknown key '%.60s' in %s", k->u.str, where);
}

static int get_str(pctx *pc, const ynode *v, const char *what, const char **out) {
  if (!v || v->kind != YNODE_SCALAR || ynode_is_null(v)) return PERR(pc, v, "%s must be a string", what);
  if (v->len == 0 || v->len > 4096 || memchr(v->u.str, 0, v->len))
    return PERR(pc, v, "%s must be a non-empty string of at most 4096 bytes", what);
  *out = v->u.str;
  return LAGO_OK;
}

static int get_bool(pctx *pc, const ynode *v, const char *what, bool *out) {
  if (v && v->kind == YNODE_SCALAR && v->plain) {
    if (!strcasecmp(v->u.str, "true") || !strcasecmp(v->u.str, "yes")) return *out = true, LAGO_OK;
    if (!strcasecmp(v->u.str, "false") || !strcasecmp(v->u.str, "no")) return *out = false, LAGO_OK;
  }
  return PERR(pc, v, "%s must be true or false", what);
}

/* A string or a list of strings (at most max). */
static int get_names(pctx *pc, const ynode *v, const char *what, const char **out, uint32_t max, uint32_t *n) {
  if (v && v->kind == YNODE_SCALAR) {
    TRY(get_str(pc, v, what, &out[0]));
    *n = 1;
    return LAGO_OK;
  }
  if (!v || v->kind != YNODE_SEQ) return PERR(pc, v, "%s must be a name or a list of names", what);
  if (v->len == 0) return PERR(pc, v, "%s is an empty list", what);
  if (v->len > max) return PERR(pc, v, "%s has %u entries; at most %u are allowed", what, v->len, max);
  for (uint32_t i = 0; i < v->len; i++) TRY(get_str(pc, v->u.items[i], what, &out[i]));
  *n = v->len;
  return LAGO_OK;
}

static int get_path(pctx *pc, const ynode *v, const char *what, const char **out) {
  const char *s;
  TRY(get_str(pc, v, what, &s));
  if (s[0] == '/' || !strncmp(s, "file:", 5) || !pc->base) {
    *out = s;
    return LAGO_OK;
  }
  char *p = arena_alloc(pc->ar, strlen(pc->base) + strlen(s) + 2);
  if (!p) return LAGO_NOMEM_ERR(pc->err);
  sprintf(p, "%s/%s", pc->base, s);
  *out = p;
  return LAGO_OK;
}

static int name_ok(pctx *pc, const ynode *v, const char *what, const char *s) {
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
      return PERR(pc, v, "%s '%.60s': use letters, digits, '_' or '-'", what, s);
  if (strlen(s) > 255) return PERR(pc, v, "%s is longer than 255 characters", what);
  return LAGO_OK;
}

static int parse_operation(pctx *pc, const ynode *v, cdc_spec *sp) {
  if (v->kind == YNODE_SCALAR) return get_str(pc, v, "operation", &sp->op_column); /* just the column */
  if (v->kind != YNODE_MAP) return PERR(pc, v, "operation must be a column name or a mapping");
  static const char *const known[] = {"column", "codes", "insert", "update", "delete", "case_insensitive", NULL};
  for (uint32_t i = 0; i < v->len; i++) {
    const ynode *k = v->u.pairs[i].key, *x = v->u.pairs[i].value;
    const char *ks = k->u.str;
    if (!strcmp(ks, "column")) TRY(get_str(pc, x, "operation column", &sp->op_column));
    else if (!strcmp(ks, "codes")) {
      continue; /* applied by parse_table before the other keys */
    } else if (!strcmp(ks, "case_insensitive")) TRY(get_bool(pc, x, "case_insensitive", &sp->codes_case_insensitive));
    else if (!strcmp(ks, "insert") || !strcmp(ks, "update") || !strcmp(ks, "delete")) {
      const char **dst = ks[0] == 'i' ? sp->insert_codes : ks[0] == 'u' ? sp->update_codes : sp->delete_codes;
      uint32_t *n = ks[0] == 'i' ? &sp->n_insert : ks[0] == 'u' ? &sp->n_update : &sp->n_delete;
      TRY(get_names(pc, x, ks, dst, CDC_MAX_CODES, n));
    } else
      return unknown_key(pc, k, known, "operation");
  }
  return LAGO_OK;
}

/* Applies the keys of mapping m on top of *d. */
static int parse_table(pctx *pc, const ynode *m, cdc_table_def *d, bool defaults) {
  if (!m || m->kind != YNODE_MAP) return PERR(pc, m, "a table definition must be a mapping");
  /* codes preset first, so explicit insert/update/delete lists win whatever their order */
  const ynode *op = ynode_get(m, "operation");
  if (op && op->kind == YNODE_MAP) {
    const ynode *codes = ynode_get(op, "codes");
    if (codes) {
      const char *preset;
      TRY(get_str(pc, codes, "operation codes", &preset));
      lago_err e;
      lago_err_clear(&e);
      if (cdc_spec_set_codes(&d->spec, preset, &e)) return PERR(pc, codes, "%s", e.msg);
    }
  }
  for (uint32_t i = 0; i < m->len; i++) {
    const ynode *k = m->u.pairs[i].key, *v = m->u.pairs[i].value;
    const char *ks = k->u.str;
    cdc_spec *sp = &d->spec;
    if (!strcmp(ks, "table")) {
      TRY(get_str(pc, v, "table", &d->table));
      TRY(name_ok(pc, v, "table", d->table));
    } else if (!strcmp(ks, "catalog")) {
      TRY(get_str(pc, v, "catalog", &d->catalog));
      TRY(name_ok(pc, v, "catalog", d->catalog));
    } else if (!strcmp(ks, "schema")) {
      TRY(get_str(pc, v, "schema", &d->schema));
      TRY(name_ok(pc, v, "schema", d->schema));
    } else if (!strcmp(ks, "path")) {
      TRY(get_path(pc, v, "path", &d->path));
    } else if (!strcmp(ks, "format")) {
      const char *f;
      TRY(get_str(pc, v, "format", &f));
      if (!strcasecmp(f, "parquet")) d->format = CDC_FMT_PARQUET;
      else if (!strcasecmp(f, "csv")) d->format = CDC_FMT_CSV;
      else if (!strcasecmp(f, "json")) d->format = CDC_FMT_JSON;
      else return PERR(pc, v, "format '%.40s': expected parquet, csv or json", f);
    } else if (!strcmp(ks, "full_load")) {
      if (ynode_is_null(v)) d->full_load = NULL;
      else TRY(get_path(pc, v, "full_load", &d->full_load));
    } else if (!strcmp(ks, "cdc")) {
      TRY(get_path(pc, v, "cdc", &d->cdc));
    } else if (!strcmp(ks, "keys")) {
      TRY(get_names(pc, v, "keys", sp->keys, CDC_MAX_KEYS, &sp->n_keys));
    } else if (!strcmp(ks, "sequence")) {
      TRY(get_str(pc, v, "sequence", &sp->sequence));
    } else if (!strcmp(ks, "operation")) {
      TRY(parse_operation(pc, v, sp));
    } else if (!strcmp(ks, "ignore")) {
      TRY(get_names(pc, v, "ignore", sp->ignore, CDC_MAX_IGNORE, &sp->n_ignore));
    } else if (!strcmp(ks, "keep_sequence")) {
      TRY(get_bool(pc, v, "keep_sequence", &sp->keep_sequence));
    } else if (!strcmp(ks, "semantics")) {
      const char *s;
      TRY(get_str(pc, v, "semantics", &s));
      lago_err e;
      lago_err_clear(&e);
      if (cdc_semantics_parse(s, &sp->semantics, &e)) return PERR(pc, v, "%s", e.msg);
    } else if (!strcmp(ks, "tombstone_retention")) {
      const char *s;
      TRY(get_str(pc, v, "tombstone_retention", &s));
      if (!strcasecmp(s, "forever") || !strcasecmp(s, "never")) sp->tombstone_retention_ms = -1;
      else if ((sp->tombstone_retention_ms = stream_parse_duration_ms(s)) < 0)
        return PERR(pc, v, "tombstone_retention '%.40s': expected a duration (7 days, 12h, 30 minutes) or forever", s);
    } else if (!strcmp(ks, "quarantine")) {
      bool on;
      if (v && v->kind == YNODE_SCALAR && v->plain && (!strcasecmp(v->u.str, "false") || !strcasecmp(v->u.str, "true"))) {
        TRY(get_bool(pc, v, "quarantine", &on));
        sp->quarantine = on ? NULL : "";
      } else {
        TRY(get_str(pc, v, "quarantine", &sp->quarantine));
        TRY(name_ok(pc, v, "quarantine", sp->quarantine));
      }
    } else if (!strcmp(ks, "columns")) {
      TRY(get_str(pc, v, "columns", &d->columns));
    } else if (!strcmp(ks, "checkpoint")) {
      TRY(get_path(pc, v, "checkpoint", &d->checkpoint));
    } else if (!strcmp(ks, "options")) {
      if (!v || v->kind != YNODE_MAP) return PERR(pc, v, "options must be a mapping of reader options");
      for (uint32_t j = 0; j < v->len; j++) {
        const ynode *ok = v->u.pairs[j].key, *ov = v->u.pairs[j].value;
        if (d->n_opts >= CDC_MAX_OPTIONS) return PERR(pc, ok, "more than %d options", CDC_MAX_OPTIONS);
        const char *val;
        TRY(get_str(pc, ov, ok->u.str, &val));
        uint32_t slot = d->n_opts;
        for (uint32_t x = 0; x < d->n_opts; x++)
          if (!strcasecmp(d->opt_keys[x], ok->u.str)) slot = x; /* a table's option overrides the default's */
        d->opt_keys[slot] = ok->u.str;
        d->opt_values[slot] = val;
        if (slot == d->n_opts) d->n_opts++;
      }
    } else {
      return unknown_key(pc, k, k_keys, defaults ? "defaults" : "a table definition");
    }
  }
  return LAGO_OK;
}

static int finish_table(pctx *pc, const ynode *m, cdc_table_def *d) {
  if (!d->table && !d->path) return PERR(pc, m, "a table definition needs table: (or path: a table directory)");
  if (d->table && d->path) return PERR(pc, ynode_get(m, "path"), "give table: or path:, not both");
  if (!d->cdc) return PERR(pc, m, "table %s: cdc: (the directory the change files land in) is missing",
                           d->table ? d->table : d->path);
  if (!d->format) d->format = CDC_FMT_PARQUET;
  if (!d->catalog) d->catalog = "main";
  if (!d->schema) d->schema = "default";
  lago_err e;
  lago_err_clear(&e);
  if (cdc_spec_check(&d->spec, &e)) {
    const ynode *at = !d->spec.n_keys ? m : ynode_get(m, "keys") ? ynode_get(m, "keys") : m;
    return PERR(pc, at, "table %s: %s", d->table ? d->table : d->path, e.msg);
  }
  char where[64];
  snprintf(where, sizeof where, ":%u", m->line);
  char *f = arena_alloc(pc->ar, strlen(pc->file) + strlen(where) + 1);
  if (!f) return LAGO_NOMEM_ERR(pc->err);
  sprintf(f, "%s%s", pc->file, where);
  d->file = f;
  return LAGO_OK;
}

int cdc_config_parse(const char *file, const char *text, size_t len, const char *base_dir, arena *ar, cdc_config *out,
                     lago_err *err) {
  memset(out, 0, sizeof *out);
  pctx pc = {ar, file, base_dir, err};
  const ynode *root;
  TRY(ydoc_parse(ar, file, text, len, &root, err));
  if (!root) return PERR(&pc, NULL, "the file is empty: expected a table definition or tables:");
  if (root->kind != YNODE_MAP) return PERR(&pc, root, "expected a mapping (a table definition, or tables:)");
  const ynode *tables = ynode_get(root, "tables"), *defs = ynode_get(root, "defaults");
  cdc_table_def base;
  memset(&base, 0, sizeof base);
  cdc_spec_init(&base.spec);
  if (!tables) {
    if (defs) return PERR(&pc, defs, "defaults: is only used with tables:");
    out->tables = arena_alloc(ar, sizeof *out->tables);
    if (!out->tables) return LAGO_NOMEM_ERR(err);
    out->tables[0] = base;
    TRY(parse_table(&pc, root, &out->tables[0], false));
    TRY(finish_table(&pc, root, &out->tables[0]));
    out->n_tables = 1;
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < root->len; i++) {
    const ynode *k = root->u.pairs[i].key;
    if (strcmp(k->u.str, "tables") && strcmp(k->u.str, "defaults"))
      return PERR(&pc, k, "unknown key '%.60s' next to tables: (put table settings under defaults: or an entry)",
                  k->u.str);
  }
  if (defs) TRY(parse_table(&pc, defs, &base, true));
  if (tables->kind != YNODE_SEQ || !tables->len) return PERR(&pc, tables, "tables: must be a non-empty list");
  if (tables->len > 1000) return PERR(&pc, tables, "tables: has %u entries; at most 1000", tables->len);
  out->tables = arena_alloc(ar, tables->len * sizeof *out->tables);
  if (!out->tables) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < tables->len; i++) {
    cdc_table_def *d = &out->tables[i];
    *d = base;
    TRY(parse_table(&pc, tables->u.items[i], d, false));
    TRY(finish_table(&pc, tables->u.items[i], d));
    for (uint32_t j = 0; j < i; j++) {
      const cdc_table_def *o = &out->tables[j];
      bool same = d->path ? o->path && !strcmp(o->path, d->path)
                          : o->table && !strcmp(o->catalog, d->catalog) && !strcmp(o->schema, d->schema) &&
                                !strcmp(o->table, d->table) && !strcmp(o->cdc, d->cdc);
      if (same) return PERR(&pc, tables->u.items[i], "this table and CDC path are already defined at %s", o->file);
    }
  }
  out->n_tables = tables->len;
  return LAGO_OK;
}

int cdc_config_load(const char *path, arena *ar, cdc_config *out, lago_err *err) {
  char *text;
  size_t len;
  lago_fs *fs = fs_local();
  int rc = fs_read_all_arena(fs, path, ar, &text, &len, err);
  if (rc) return lago_err_prefix(err, "reading ingestor file %s", path);
  const char *slash = strrchr(path, '/');
  const char *dir = slash ? arena_strndup(ar, path, (size_t)(slash - path)) : ".";
  if (!dir) return LAGO_NOMEM_ERR(err);
  if (!*dir) dir = "/";
  /* relative paths in the file are taken from its directory, made absolute (stream ids depend on them) */
  char abs[PATH_MAX];
  const char *base = realpath(dir, abs) ? arena_strdup(ar, abs) : dir;
  if (!base) return LAGO_NOMEM_ERR(err);
  return cdc_config_parse(path, text, len, base, ar, out, err);
}
