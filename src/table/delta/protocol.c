/*
** table/delta/protocol.c: protocol versions and table features
** (PROTOCOL.md "Protocol Evolution", "Table Features", "Reader/Writer
** Version Requirements"; DELTA-CHECKLIST.md §3).
**
**   reader 1 base | 2 + columnMapping | 3 = explicit readerFeatures (needs writer 7)
**   writer 2 appendOnly, invariants | 3 + checkConstraints | 4 + changeDataFeed,
**   generatedColumns | 5 + columnMapping | 6 + identityColumns | 7 = explicit writerFeatures
**
** Reading: every reader feature must be one lago implements, else
** LAGO_UNSUPPORTED names it. Writing: every writer feature must be known;
** a known feature lago does not implement (generated/identity columns, CHECK
** constraints, invariants, row tracking, clustering, Iceberg compatibility,
** variant, catalog-managed commits) is refused when the table actually uses
** it (supported is not active, "Supported Features").
*/
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"

static const char *const k_reader_ok[] = {
    "columnMapping", "deletionVectors", "timestampNtz", "typeWidening", "typeWidening-preview",
    "v2Checkpoint",  "vacuumProtocolCheck", NULL,
};

/* Writer features lago knows; `impl` = lago honours it when writing. */
static const struct {
  const char *name;
  bool impl;
} k_writer_known[] = {
    {"appendOnly", true},        {"invariants", false},        {"checkConstraints", false},
    {"changeDataFeed", true},    {"generatedColumns", false},  {"columnMapping", true},
    {"identityColumns", false},  {"deletionVectors", true},    {"timestampNtz", true},
    {"typeWidening", true},      {"typeWidening-preview", true}, {"v2Checkpoint", true},
    {"vacuumProtocolCheck", true}, {"inCommitTimestamp", true}, {"domainMetadata", true},
    {"rowTracking", false},      {"clustering", false},        {"icebergCompatV1", false},
    {"icebergCompatV2", false},  {"variantType", false},       {"variantType-preview", false},
    {"variantShredding", false}, {"variantShredding-preview", false}, {"catalogManaged", false},
    {"catalogOwned-preview", false}, {"allowColumnDefaults", true}, {NULL, false},
};

static bool in_list(const char *const *l, const char *s) {
  for (; *l; l++)
    if (!strcmp(*l, s)) return true;
  return false;
}

static bool listed(int32_t n, const char **l, const char *s) {
  for (int32_t i = 0; i < n; i++)
    if (!strcmp(l[i], s)) return true;
  return false;
}

/* Features implied by legacy writer versions. */
static int legacy_writer_level(const char *f) {
  if (!strcmp(f, "appendOnly") || !strcmp(f, "invariants")) return 2;
  if (!strcmp(f, "checkConstraints")) return 3;
  if (!strcmp(f, "changeDataFeed") || !strcmp(f, "generatedColumns")) return 4;
  if (!strcmp(f, "columnMapping")) return 5;
  if (!strcmp(f, "identityColumns")) return 6;
  return 0; /* needs table features */
}

bool delta_protocol_has(const delta_protocol *p, const char *feature) {
  if (p->min_writer >= 7) {
    if (listed(p->n_writer_features, p->writer_features, feature)) return true;
    /* preview names count as the feature */
    if (!strcmp(feature, "typeWidening")) return listed(p->n_writer_features, p->writer_features, "typeWidening-preview");
    return false;
  }
  int lvl = legacy_writer_level(feature);
  return lvl && p->min_writer >= lvl;
}

int delta_protocol_check_read(const delta_protocol *p, lago_err *err) {
  if (p->min_reader < 1)
    return LAGO_ERR(err, LAGO_CORRUPT, "protocol: minReaderVersion %d is not valid", p->min_reader);
  if (p->min_reader > 3)
    return LAGO_ERR(err, LAGO_UNSUPPORTED,
                    "table requires Delta reader version %d; lago supports reader versions 1 to 3", p->min_reader);
  if (p->min_reader == 3) {
    if (p->n_reader_features < 0)
      return LAGO_ERR(err, LAGO_CORRUPT, "protocol: minReaderVersion 3 without a readerFeatures list");
    for (int32_t i = 0; i < p->n_reader_features; i++)
      if (!in_list(k_reader_ok, p->reader_features[i]))
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "table requires reader feature \"%s\", which lago does not support",
                        p->reader_features[i]);
  }
  return LAGO_OK;
}

int delta_protocol_check_write(const delta_protocol *p, lago_err *err) {
  TRY(delta_protocol_check_read(p, err));
  if (p->min_writer < 1)
    return LAGO_ERR(err, LAGO_CORRUPT, "protocol: minWriterVersion %d is not valid", p->min_writer);
  if (p->min_writer > 7)
    return LAGO_ERR(err, LAGO_UNSUPPORTED,
                    "table requires Delta writer version %d; lago writes versions 1 to 7", p->min_writer);
  if (p->min_writer == 7) {
    if (p->n_writer_features < 0)
      return LAGO_ERR(err, LAGO_CORRUPT, "protocol: minWriterVersion 7 without a writerFeatures list");
    for (int32_t i = 0; i < p->n_writer_features; i++) {
      const char *f = p->writer_features[i];
      int k = 0;
      while (k_writer_known[k].name && strcmp(k_writer_known[k].name, f)) k++;
      if (!k_writer_known[k].name)
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "table requires writer feature \"%s\", which lago does not support", f);
    }
    if (p->min_reader == 3)
      for (int32_t i = 0; i < p->n_reader_features; i++)
        if (!listed(p->n_writer_features, p->writer_features, p->reader_features[i]))
          return LAGO_ERR(err, LAGO_CORRUPT, "protocol: reader feature \"%s\" missing from writerFeatures",
                          p->reader_features[i]);
  }
  return LAGO_OK;
}

/* Is feature f implemented for writing? (Unknown names are refused by check_write.) */
bool delta_feature_writable(const char *f) {
  for (int k = 0; k_writer_known[k].name; k++)
    if (!strcmp(k_writer_known[k].name, f)) return k_writer_known[k].impl;
  return false;
}

/* ---- choosing a protocol ---------------------------------------------------- */

typedef struct fset {
  const char *names[32];
  int n;
} fset;

static void fset_add(fset *s, const char *f) {
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->names[i], f)) return;
  if (s->n < 32) s->names[s->n++] = f;
}

static bool type_has(lago_type t, lago_type_id id) {
  if (t.id == id) return true;
  for (uint32_t i = 0; i < type_n_fields(t); i++)
    if (type_has(type_field_at(t, i)->type, id)) return true;
  return false;
}

static bool cfg_true(const delta_map *c, const char *k) {
  const char *v = delta_map_get(c, k, NULL);
  return v && !strcasecmp(v, "true");
}

int delta_protocol_for(arena *ar, const delta_protocol *base, lago_type schema, const delta_map *config,
                       delta_protocol *out, lago_err *err) {
  return delta_protocol_for_ex(ar, base, schema, config, NULL, out, err);
}

int delta_protocol_for_ex(arena *ar, const delta_protocol *base, lago_type schema, const delta_map *config,
                          const char *extra_writer_feature, delta_protocol *out, lago_err *err) {
  fset rw = {{0}, 0}, w = {{0}, 0};
  /* what the base already supports */
  int r_ver = base ? base->min_reader : 1, w_ver = base ? base->min_writer : 2;
  if (r_ver < 1) r_ver = 1;
  if (w_ver < 2) w_ver = 2;
  if (base && base->min_reader >= 3)
    for (int32_t i = 0; i < base->n_reader_features; i++) fset_add(&rw, base->reader_features[i]);
  if (base && base->min_writer >= 7)
    for (int32_t i = 0; i < base->n_writer_features; i++) fset_add(&w, base->writer_features[i]);
  /* what the new schema/config need */
  const char *cm = delta_map_get(config, "delta.columnMapping.mode", NULL);
  bool need_cm = cm && (!strcasecmp(cm, "name") || !strcasecmp(cm, "id"));
  fset need_rw = {{0}, 0}, need_w = {{0}, 0};
  if (need_cm) fset_add(&need_rw, "columnMapping");
  if (type_has(schema, LT_TIMESTAMP_NTZ)) fset_add(&need_rw, "timestampNtz");
  if (cfg_true(config, "delta.enableDeletionVectors")) fset_add(&need_rw, "deletionVectors");
  if (cfg_true(config, "delta.enableTypeWidening")) fset_add(&need_rw, "typeWidening");
  const char *cpp = delta_map_get(config, "delta.checkpointPolicy", NULL);
  if (cpp && !strcasecmp(cpp, "v2")) fset_add(&need_rw, "v2Checkpoint");
  if (cfg_true(config, "delta.enableChangeDataFeed")) fset_add(&need_w, "changeDataFeed");
  if (cfg_true(config, "delta.appendOnly")) fset_add(&need_w, "appendOnly");
  if (cfg_true(config, "delta.enableInCommitTimestamps")) fset_add(&need_w, "inCommitTimestamp");
  if (extra_writer_feature) fset_add(&need_w, extra_writer_feature); /* e.g. domainMetadata: table features only */

  /* Can legacy versions express everything? */
  bool legacy = (!base || (base->min_reader < 3 && base->min_writer < 7));
  int need_r = r_ver, need_wv = w_ver;
  for (int i = 0; i < need_rw.n && legacy; i++) {
    if (strcmp(need_rw.names[i], "columnMapping")) legacy = false;
    else {
      if (need_r < 2) need_r = 2;
      if (need_wv < 5) need_wv = 5;
    }
  }
  for (int i = 0; i < need_w.n && legacy; i++) {
    int lvl = legacy_writer_level(need_w.names[i]);
    if (!lvl) legacy = false;
    else if (need_wv < lvl) need_wv = lvl;
  }
  delta_protocol p;
  memset(&p, 0, sizeof p);
  p.n_reader_features = p.n_writer_features = -1;
  if (legacy) {
    p.min_reader = need_r;
    p.min_writer = need_wv;
  } else {
    /* table features: convert legacy support into explicit lists */
    if (!base || base->min_writer < 7) {
      static const char *const lw[] = {"appendOnly", "invariants", "checkConstraints", "changeDataFeed",
                                       "generatedColumns", "columnMapping", "identityColumns", NULL};
      for (int i = 0; lw[i]; i++)
        if (base && legacy_writer_level(lw[i]) <= base->min_writer) fset_add(&w, lw[i]);
    }
    if (base && base->min_reader == 2) fset_add(&rw, "columnMapping");
    for (int i = 0; i < need_rw.n; i++) fset_add(&rw, need_rw.names[i]);
    for (int i = 0; i < need_w.n; i++) fset_add(&w, need_w.names[i]);
    for (int i = 0; i < rw.n; i++) fset_add(&w, rw.names[i]);
    p.min_writer = 7;
    p.min_reader = rw.n ? 3 : (r_ver > 2 ? 3 : r_ver);
    if (p.min_reader == 3) {
      p.n_reader_features = rw.n;
      p.reader_features = arena_alloc(ar, ((size_t)rw.n + 1) * sizeof(char *));
      if (!p.reader_features) return LAGO_NOMEM_ERR(err);
      for (int i = 0; i < rw.n; i++)
        if (!(p.reader_features[i] = arena_strdup(ar, rw.names[i]))) return LAGO_NOMEM_ERR(err);
    }
    p.n_writer_features = w.n;
    p.writer_features = arena_alloc(ar, ((size_t)w.n + 1) * sizeof(char *));
    if (!p.writer_features) return LAGO_NOMEM_ERR(err);
    for (int i = 0; i < w.n; i++)
      if (!(p.writer_features[i] = arena_strdup(ar, w.names[i]))) return LAGO_NOMEM_ERR(err);
  }
  *out = p;
  return LAGO_OK;
}
