/*
** cdc/spec.c: change-feed specifications (cdc.h cdc_spec): defaults, the
** operation code presets, checks, and the small helpers the other files
** share to write SQL (quoted names).
**
** Op code presets:
**   default   I = insert, U = update, D = delete (AWS DMS, the seed users' CDC files)
**   debezium  c = create, r = read (snapshot) -> insert; u -> update; d -> delete
**             (t = truncate is not a row change: such rows are quarantined)
*/
#include <string.h>
#include <strings.h>

#include "cdc/cdc_int.h"

void cdc_spec_init(cdc_spec *s) {
  memset(s, 0, sizeof *s);
  s->op_column = "op";
  s->insert_codes[0] = "I";
  s->update_codes[0] = "U";
  s->delete_codes[0] = "D";
  s->n_insert = s->n_update = s->n_delete = 1;
  s->semantics = CDC_SEQUENCED;
  s->tombstone_retention_ms = 7LL * 24 * 3600 * 1000;
}

int cdc_spec_set_codes(cdc_spec *s, const char *preset, lago_err *err) {
  if (!strcasecmp(preset, "default") || !strcasecmp(preset, "dms")) {
    s->insert_codes[0] = "I";
    s->update_codes[0] = "U";
    s->delete_codes[0] = "D";
    s->n_insert = s->n_update = s->n_delete = 1;
    return LAGO_OK;
  }
  if (!strcasecmp(preset, "debezium")) {
    s->insert_codes[0] = "c";
    s->insert_codes[1] = "r";
    s->n_insert = 2;
    s->update_codes[0] = "u";
    s->n_update = 1;
    s->delete_codes[0] = "d";
    s->n_delete = 1;
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_BIND, "unknown operation code preset \"%s\" (expected default or debezium)", preset);
}

int cdc_semantics_parse(const char *text, cdc_semantics *out, lago_err *err) {
  if (!strcasecmp(text, "sequenced") || !strcasecmp(text, "apply_changes") || !strcasecmp(text, "auto_cdc")) {
    *out = CDC_SEQUENCED;
    return LAGO_OK;
  }
  if (!strcasecmp(text, "seed") || !strcasecmp(text, "merge")) {
    *out = CDC_SEED;
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_BIND, "unknown semantics \"%s\" (expected sequenced or seed)", text);
}

const char *cdc_semantics_name(cdc_semantics s) { return s == CDC_SEED ? "seed" : "sequenced"; }

static bool code_eq(const cdc_spec *s, const char *code, const char *text, uint32_t len) {
  size_t n = strlen(code);
  if (n != len) return false;
  return s->codes_case_insensitive ? !strncasecmp(code, text, n) : !memcmp(code, text, n);
}

cdc_op_kind cdc_spec_op(const cdc_spec *s, const char *text, uint32_t len) {
  for (uint32_t i = 0; i < s->n_delete; i++)
    if (code_eq(s, s->delete_codes[i], text, len)) return CDC_OP_DELETE;
  for (uint32_t i = 0; i < s->n_update; i++)
    if (code_eq(s, s->update_codes[i], text, len)) return CDC_OP_UPDATE;
  for (uint32_t i = 0; i < s->n_insert; i++)
    if (code_eq(s, s->insert_codes[i], text, len)) return CDC_OP_INSERT;
  return CDC_OP_BAD;
}

bool cdc_spec_ignores(const cdc_spec *s, const char *name) {
  if (!strcasecmp(name, s->op_column)) return true;
  if (!s->keep_sequence && !strcasecmp(name, s->sequence)) return true;
  for (uint32_t i = 0; i < s->n_ignore; i++)
    if (!strcasecmp(name, s->ignore[i])) return true;
  return false;
}

int cdc_spec_check(const cdc_spec *s, lago_err *err) {
  if (!s->n_keys) return LAGO_ERR(err, LAGO_BIND, "a CDC table needs its key column(s) (keys)");
  if (!s->sequence || !*s->sequence)
    return LAGO_ERR(err, LAGO_BIND, "a CDC table needs a sequence column (sequence: e.g. modified_at or an LSN)");
  if (!s->op_column || !*s->op_column) return LAGO_ERR(err, LAGO_BIND, "the operation column name is empty");
  for (uint32_t i = 0; i < s->n_keys; i++) {
    if (!s->keys[i] || !*s->keys[i]) return LAGO_ERR(err, LAGO_BIND, "key %u has an empty name", i + 1);
    if (!strncasecmp(s->keys[i], "__lago_", 7))
      return LAGO_ERR(err, LAGO_BIND, "key column %s: names starting with __lago_ are reserved", s->keys[i]);
    for (uint32_t j = 0; j < i; j++)
      if (!strcasecmp(s->keys[i], s->keys[j])) return LAGO_ERR(err, LAGO_BIND, "key column %s is listed twice", s->keys[i]);
    if (!strcasecmp(s->keys[i], s->sequence))
      return LAGO_ERR(err, LAGO_BIND, "column %s cannot be both a key and the sequence", s->keys[i]);
    if (!strcasecmp(s->keys[i], s->op_column))
      return LAGO_ERR(err, LAGO_BIND, "column %s cannot be both a key and the operation column", s->keys[i]);
    for (uint32_t j = 0; j < s->n_ignore; j++)
      if (!strcasecmp(s->keys[i], s->ignore[j]))
        return LAGO_ERR(err, LAGO_BIND, "key column %s is also in the columns to ignore", s->keys[i]);
  }
  if (!strcasecmp(s->sequence, s->op_column))
    return LAGO_ERR(err, LAGO_BIND, "column %s cannot be both the sequence and the operation column", s->sequence);
  if (!s->n_insert && !s->n_update) return LAGO_ERR(err, LAGO_BIND, "no insert or update operation codes");
  if (!s->n_delete) return LAGO_ERR(err, LAGO_BIND, "no delete operation codes");
  const char *const *lists[3] = {s->insert_codes, s->update_codes, s->delete_codes};
  const uint32_t ns[3] = {s->n_insert, s->n_update, s->n_delete};
  for (int a = 0; a < 3; a++)
    for (uint32_t i = 0; i < ns[a]; i++) {
      if (!lists[a][i] || !*lists[a][i]) return LAGO_ERR(err, LAGO_BIND, "an operation code is empty");
      for (int b = a; b < 3; b++)
        for (uint32_t j = (b == a ? i + 1 : 0); j < ns[b]; j++)
          if (s->codes_case_insensitive ? !strcasecmp(lists[a][i], lists[b][j]) : !strcmp(lists[a][i], lists[b][j]))
            return LAGO_ERR(err, LAGO_BIND, "operation code \"%s\" is listed twice", lists[a][i]);
    }
  if (s->tombstone_retention_ms < -1) return LAGO_ERR(err, LAGO_BIND, "tombstone retention must be >= 0 (or -1: forever)");
  return LAGO_OK;
}

int cdc_quote(buf *b, const char *name) {
  int rc = buf_putc(b, '`');
  for (const char *p = name; *p && !rc; p++) {
    if (*p == '`') rc = buf_putc(b, '`');
    if (!rc) rc = buf_putc(b, *p);
  }
  if (!rc) rc = buf_putc(b, '`');
  return rc ? LAGO_NOMEM : LAGO_OK;
}

static int dup_str(arena *ar, const char **s) {
  if (!*s) return LAGO_OK;
  const char *d = arena_strdup(ar, *s);
  if (!d) return LAGO_NOMEM;
  *s = d;
  return LAGO_OK;
}

int cdc_spec_copy(arena *ar, const cdc_spec *src, cdc_spec *dst) {
  if (dst != src) *dst = *src;
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < dst->n_keys && !rc; i++) rc = dup_str(ar, &dst->keys[i]);
  for (uint32_t i = 0; i < dst->n_insert && !rc; i++) rc = dup_str(ar, &dst->insert_codes[i]);
  for (uint32_t i = 0; i < dst->n_update && !rc; i++) rc = dup_str(ar, &dst->update_codes[i]);
  for (uint32_t i = 0; i < dst->n_delete && !rc; i++) rc = dup_str(ar, &dst->delete_codes[i]);
  for (uint32_t i = 0; i < dst->n_ignore && !rc; i++) rc = dup_str(ar, &dst->ignore[i]);
  if (!rc) rc = dup_str(ar, &dst->sequence);
  if (!rc) rc = dup_str(ar, &dst->op_column);
  if (!rc) rc = dup_str(ar, &dst->quarantine);
  return rc;
}
