/*
** table/catalog.c: the on-disk catalog (catalog.h).
**
** Layout under the warehouse directory:
**   <warehouse>/
**     <catalog>/                       a catalog ("main" is the default)
**       <schema>/                      a schema ("default" is the default)
**         <table>/_delta_log/...       a managed Delta table, data beside its log
**         _volumes/<volume>/...        files of a managed volume
**         _lago_schema.json            registry of what has no directory of its own:
**             {"version":1,
**              "external":{"<table>":{"location":"/abs/path"}},
**              "views":{"<view>":{"sql":"SELECT ..."}},
**              "volumes":{"<volume>":{}}}
**         _lago_schema.lock            present while a writer updates the registry
** Names never start with '_', so they cannot collide with these entries.
** The registry is rewritten whole and replaced atomically (temp file +
** rename); concurrent writers take the lock file with put-if-absent first
** (a lock older than 60 s is considered abandoned and removed), so no
** update is lost. Managed table and volume directories need no registry
** entry: their existence is the catalog state.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table/catalog.h"
#include "util/alloc.h"
#include "util/json.h"

struct catalog {
  const tbl_handlers *h;
  char *warehouse;  /* heap, no trailing '/' */
};

int catalog_open(const tbl_handlers *h, const char *warehouse, catalog **out, lago_err *err) {
  *out = NULL;
  catalog *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  size_t n = strlen(warehouse);
  while (n > 1 && warehouse[n - 1] == '/') n--;
  c->warehouse = mem_strndup(warehouse, n);
  c->h = h;
  if (!c->warehouse) {
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  int rc = fs_mkdirs(h->fs, c->warehouse, err);
  if (rc) {
    catalog_free(c);
    return rc;
  }
  *out = c;
  return LAGO_OK;
}

void catalog_free(catalog *c) {
  if (!c) return;
  mem_free(c->warehouse);
  mem_free(c);
}

const char *catalog_warehouse(const catalog *c) { return c->warehouse; }

bool catalog_is_path(const char *text) { return strchr(text, '/') || text[0] == '.' || text[0] == '~'; }

static int check_part(const char *p, size_t n, char *out, const char *what, lago_err *err) {
  if (n == 0 || n > CATALOG_NAME_MAX)
    return LAGO_ERR(err, LAGO_BIND, "%s name \"%.*s\" must have 1 to %d characters", what, (int)(n > 200 ? 200 : n), p,
                    CATALOG_NAME_MAX);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (!(isalnum(ch) || ch == '_' || ch == '-'))
      return LAGO_ERR(err, LAGO_BIND, "%s name \"%.*s\": character '%c' is not allowed (use letters, digits, _ and -)",
                      what, (int)n, p, isprint(ch) ? ch : '?');
    out[i] = (char)tolower(ch);
  }
  if (p[0] == '_' || p[0] == '-')
    return LAGO_ERR(err, LAGO_BIND, "%s name \"%.*s\" must not start with '%c'", what, (int)n, p, p[0]);
  out[n] = 0;
  return LAGO_OK;
}

int catalog_parse_name(const char *text, catalog_name *out, lago_err *err) {
  const char *parts[3];
  size_t lens[3];
  int np = 0;
  const char *p = text;
  for (;;) {
    if (np == 3) return LAGO_ERR(err, LAGO_BIND, "name \"%s\" has more than three parts", text);
    if (*p == '`') {
      const char *e = strchr(p + 1, '`');
      if (!e) return LAGO_ERR(err, LAGO_BIND, "name \"%s\": unterminated `", text);
      parts[np] = p + 1;
      lens[np++] = (size_t)(e - p - 1);
      p = e + 1;
    } else {
      const char *e = p;
      while (*e && *e != '.') e++;
      parts[np] = p;
      lens[np++] = (size_t)(e - p);
      p = e;
    }
    if (*p == '.') {
      p++;
      continue;
    }
    if (*p) return LAGO_ERR(err, LAGO_BIND, "name \"%s\": unexpected '%c'", text, *p);
    break;
  }
  strcpy(out->catalog, "main");
  strcpy(out->schema, "default");
  const char *what[3] = {"catalog", "schema", "table"};
  int off = 3 - np;
  for (int i = 0; i < np; i++) {
    char *dst = i + off == 0 ? out->catalog : i + off == 1 ? out->schema : out->name;
    TRY(check_part(parts[i], lens[i], dst, what[i + off], err));
  }
  return LAGO_OK;
}

static char *schema_dir(catalog *c, arena *ar, const char *cat, const char *sch) {
  return arena_printf(ar, "%s/%s/%s", c->warehouse, cat, sch);
}

/* ---- registry ------------------------------------------------------------------ */

typedef struct registry {
  json_value *root;  /* in ar; NULL = empty */
  arena *ar;
} registry;

static int reg_read(catalog *c, const char *dir, arena *ar, registry *r, lago_err *err) {
  r->ar = ar;
  r->root = NULL;
  char *path = arena_printf(ar, "%s/_lago_schema.json", dir);
  if (!path) return LAGO_NOMEM_ERR(err);
  char *text;
  size_t len;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_read_all_arena(c->h->fs, path, ar, &text, &len, &tmp);
  if (rc == LAGO_NOTFOUND) return LAGO_OK;
  if (rc) {
    lago_err_copy(err, &tmp);
    return rc;
  }
  rc = json_parse(ar, text, len, &r->root, err);
  if (rc) return rc == LAGO_NOMEM ? rc : LAGO_ERR(err, LAGO_CORRUPT, "%s: not valid JSON", path);
  if (!json_is(r->root, JSON_OBJECT)) return LAGO_ERR(err, LAGO_CORRUPT, "%s: not a JSON object", path);
  return LAGO_OK;
}

/* An edit: section/key set to `val` (raw JSON object text) or removed (val NULL). */
static int reg_write(catalog *c, const char *dir, const registry *r, const char *section, const char *key,
                     const char *val, lago_err *err) {
  static const char *const sections[] = {"external", "views", "volumes"};
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_w_key(&w, "version");
  json_w_i64(&w, 1);
  for (int s = 0; s < 3; s++) {
    json_w_key(&w, sections[s]);
    json_w_begin_obj(&w);
    const json_value *sec = r->root ? json_get(r->root, sections[s]) : NULL;
    for (size_t i = 0; i < json_len(sec); i++) {
      const json_member *m = json_member_at(sec, i);
      if (!strcmp(sections[s], section) && !strcmp(m->key, key)) continue;
      json_w_key(&w, m->key);
      json_w_value(&w, &m->value);
    }
    if (!strcmp(sections[s], section) && val) {
      json_w_key(&w, key);
      json_w_raw(&w, val, strlen(val));
    }
    json_w_end_obj(&w);
  }
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  char path[4096];
  snprintf(path, sizeof path, "%s/_lago_schema.json", dir);
  if (rc == LAGO_OK) rc = fs_write(c->h->fs, path, b.data, b.len, true, err);
  else rc = LAGO_NOMEM_ERR(err);
  buf_deinit(&b);
  return rc;
}

/* Takes the registry lock of dir (put-if-absent), waiting for another writer. */
static int reg_lock(catalog *c, const char *dir, lago_err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/_lago_schema.lock", dir);
  for (int i = 0; i < 2000; i++) {
    lago_err tmp;
    lago_err_clear(&tmp);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    int rc = fs_put_if_absent(c->h->fs, path, pid, (size_t)n, &tmp);
    if (rc == LAGO_OK) return LAGO_OK;
    if (rc != LAGO_EXISTS) {
      lago_err_copy(err, &tmp);
      return rc;
    }
    fs_stat st;
    if (fs_stat_path(c->h->fs, path, &st, &tmp) == LAGO_OK &&
        st.mtime_ns / 1000000 + 60000 < tbl_now_ms(c->h)) /* abandoned by a crashed writer */
      fs_remove(c->h->fs, path, &tmp);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
  return LAGO_ERR(err, LAGO_CONFLICT, "%s: the catalog registry stays locked by another process", dir);
}

static void reg_unlock(catalog *c, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/_lago_schema.lock", dir);
  lago_err tmp;
  fs_remove(c->h->fs, path, &tmp);
}

/* Read-modify-write of one registry entry under the lock. */
static int reg_edit(catalog *c, const char *dir, const char *section, const char *key, const char *val,
                    bool must_be_new, lago_err *err) {
  TRY(reg_lock(c, dir, err));
  arena *ar = arena_new("query", 4096);
  registry r;
  int rc = ar ? reg_read(c, dir, ar, &r, err) : LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK && must_be_new && r.root && json_get(json_get(r.root, section), key))
    rc = LAGO_ERR(err, LAGO_EXISTS, "%s \"%s\" already exists", section, key);
  if (rc == LAGO_OK) rc = reg_write(c, dir, &r, section, key, val, err);
  arena_free(ar);
  reg_unlock(c, dir);
  return rc;
}

/* ---- catalogs and schemas ---------------------------------------------------------- */

static int dir_exists(catalog *c, const char *path, bool *out, lago_err *err) {
  fs_stat st;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_stat_path(c->h->fs, path, &st, &tmp);
  if (rc == LAGO_NOTFOUND) {
    *out = false;
    return LAGO_OK;
  }
  if (rc) {
    lago_err_copy(err, &tmp);
    return rc;
  }
  *out = st.is_dir;
  return LAGO_OK;
}

int catalog_create_catalog(catalog *c, const char *name, bool if_not_exists, lago_err *err) {
  char n[CATALOG_NAME_MAX + 1];
  TRY(check_part(name, strlen(name), n, "catalog", err));
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", c->warehouse, n);
  bool ex;
  TRY(dir_exists(c, path, &ex, err));
  if (ex && !if_not_exists) return LAGO_ERR(err, LAGO_EXISTS, "catalog %s already exists", n);
  return fs_mkdirs(c->h->fs, path, err);
}

int catalog_create_schema(catalog *c, const char *cat, const char *schema, bool if_not_exists, lago_err *err) {
  char cn[CATALOG_NAME_MAX + 1], sn[CATALOG_NAME_MAX + 1];
  TRY(check_part(cat, strlen(cat), cn, "catalog", err));
  TRY(check_part(schema, strlen(schema), sn, "schema", err));
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", c->warehouse, cn);
  bool ex;
  TRY(dir_exists(c, path, &ex, err));
  if (!ex && strcmp(cn, "main")) return LAGO_ERR(err, LAGO_NOTFOUND, "catalog %s does not exist", cn);
  snprintf(path, sizeof path, "%s/%s/%s", c->warehouse, cn, sn);
  TRY(dir_exists(c, path, &ex, err));
  if (ex && !if_not_exists) return LAGO_ERR(err, LAGO_EXISTS, "schema %s.%s already exists", cn, sn);
  return fs_mkdirs(c->h->fs, path, err);
}

static int ensure_schema(catalog *c, const catalog_name *n, arena *ar, const char **dir, lago_err *err) {
  const char *d = schema_dir(c, ar, n->catalog, n->schema);
  if (!d) return LAGO_NOMEM_ERR(err);
  bool ex;
  TRY(dir_exists(c, d, &ex, err));
  if (!ex) {
    if (strcmp(n->catalog, "main") || strcmp(n->schema, "default"))
      return LAGO_ERR(err, LAGO_NOTFOUND, "schema %s.%s does not exist", n->catalog, n->schema);
    TRY(fs_mkdirs(c->h->fs, d, err)); /* the default schema exists implicitly */
  }
  *dir = d;
  return LAGO_OK;
}

/* ---- tables --------------------------------------------------------------------------- */

int catalog_table_root(catalog *c, const catalog_name *n, arena *ar, const char **root, catalog_kind *kind,
                       lago_err *err) {
  const char *dir = schema_dir(c, ar, n->catalog, n->schema);
  if (!dir) return LAGO_NOMEM_ERR(err);
  registry r;
  TRY(reg_read(c, dir, ar, &r, err));
  const json_value *ext = r.root ? json_get(json_get(r.root, "external"), n->name) : NULL;
  if (ext) {
    const char *loc = NULL;
    if (json_get_str(ext, "location", &loc, NULL, err)) return LAGO_ERR(err, LAGO_CORRUPT, "catalog entry %s", n->name);
    *root = loc;
    *kind = CATALOG_EXTERNAL;
    return LAGO_OK;
  }
  if (r.root && json_get(json_get(r.root, "views"), n->name)) {
    *root = NULL;
    *kind = CATALOG_VIEW;
    return LAGO_OK;
  }
  const char *p = arena_printf(ar, "%s/%s", dir, n->name);
  if (!p) return LAGO_NOMEM_ERR(err);
  bool ex;
  TRY(dir_exists(c, p, &ex, err));
  *root = p;
  *kind = ex ? CATALOG_MANAGED : 0;
  return LAGO_OK;
}

int catalog_resolve(catalog *c, const char *name_or_path, arena *ar, const char **root, lago_err *err) {
  if (catalog_is_path(name_or_path)) {
    if (!(*root = arena_strdup(ar, name_or_path))) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  }
  catalog_name n;
  TRY(catalog_parse_name(name_or_path, &n, err));
  catalog_kind k;
  TRY(catalog_table_root(c, &n, ar, root, &k, err));
  if (k == CATALOG_VIEW) return LAGO_ERR(err, LAGO_BIND, "%s.%s.%s is a view, not a table", n.catalog, n.schema, n.name);
  return LAGO_OK;
}

int catalog_register_external(catalog *c, const catalog_name *n, const char *location, lago_err *err) {
  if (location[0] != '/')
    return LAGO_ERR(err, LAGO_BIND, "LOCATION \"%s\" must be an absolute path", location);
  arena *ar = arena_new("query", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  const char *dir, *root;
  catalog_kind k;
  int rc = ensure_schema(c, n, ar, &dir, err);
  if (rc == LAGO_OK) rc = catalog_table_root(c, n, ar, &root, &k, err);
  if (rc == LAGO_OK && k) rc = LAGO_ERR(err, LAGO_EXISTS, "%s.%s.%s already exists", n->catalog, n->schema, n->name);
  buf v;
  buf_init(&v);
  if (rc == LAGO_OK) {
    json_writer w;
    json_w_init(&w, &v);
    json_w_begin_obj(&w);
    json_w_key(&w, "location");
    json_w_str(&w, location);
    json_w_end_obj(&w);
    if (json_w_finish(&w)) rc = LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK) rc = reg_edit(c, dir, "external", n->name, buf_cstr(&v), true, err);
  buf_deinit(&v);
  arena_free(ar);
  return rc;
}

int catalog_create_view(catalog *c, const catalog_name *n, const char *sql, bool replace, lago_err *err) {
  arena *ar = arena_new("query", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  const char *dir, *root;
  catalog_kind k;
  int rc = ensure_schema(c, n, ar, &dir, err);
  if (rc == LAGO_OK) rc = catalog_table_root(c, n, ar, &root, &k, err);
  if (rc == LAGO_OK && k && !(k == CATALOG_VIEW && replace))
    rc = LAGO_ERR(err, LAGO_EXISTS, "%s.%s.%s already exists", n->catalog, n->schema, n->name);
  buf v;
  buf_init(&v);
  if (rc == LAGO_OK) {
    json_writer w;
    json_w_init(&w, &v);
    json_w_begin_obj(&w);
    json_w_key(&w, "sql");
    json_w_str(&w, sql);
    json_w_end_obj(&w);
    if (json_w_finish(&w)) rc = LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK) rc = reg_edit(c, dir, "views", n->name, buf_cstr(&v), false, err);
  buf_deinit(&v);
  arena_free(ar);
  return rc;
}

int catalog_view_sql(catalog *c, const catalog_name *n, arena *ar, const char **sql, lago_err *err) {
  const char *dir = schema_dir(c, ar, n->catalog, n->schema);
  if (!dir) return LAGO_NOMEM_ERR(err);
  registry r;
  TRY(reg_read(c, dir, ar, &r, err));
  const json_value *v = r.root ? json_get(json_get(r.root, "views"), n->name) : NULL;
  if (!v) return LAGO_ERR(err, LAGO_NOTFOUND, "view %s.%s.%s does not exist", n->catalog, n->schema, n->name);
  return json_get_str(v, "sql", sql, NULL, err);
}

int catalog_drop(catalog *c, const catalog_name *n, bool if_exists, lago_err *err) {
  arena *ar = arena_new("query", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  const char *root, *dir = schema_dir(c, ar, n->catalog, n->schema);
  catalog_kind k;
  int rc = dir ? catalog_table_root(c, n, ar, &root, &k, err) : LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) {
    if (!k) {
      if (!if_exists) rc = LAGO_ERR(err, LAGO_NOTFOUND, "%s.%s.%s does not exist", n->catalog, n->schema, n->name);
    } else if (k == CATALOG_MANAGED) {
      rc = fs_remove_tree(c->h->fs, root, err);
    } else {
      rc = reg_edit(c, dir, k == CATALOG_VIEW ? "views" : "external", n->name, NULL, false, err);
    }
  }
  arena_free(ar);
  return rc;
}

typedef struct list_ctx {
  arena *ar;
  catalog_entry *e;
  size_t n, cap;
} list_ctx;

static int push_entry(list_ctx *l, const char *name, catalog_kind k, const char *loc) {
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 16;
    catalog_entry *ne = arena_realloc(l->ar, l->e, l->cap * sizeof *ne, nc * sizeof *ne);
    if (!ne) return LAGO_NOMEM;
    l->e = ne;
    l->cap = nc;
  }
  l->e[l->n].name = arena_strdup(l->ar, name);
  l->e[l->n].kind = k;
  l->e[l->n].location = loc ? arena_strdup(l->ar, loc) : NULL;
  if (!l->e[l->n].name) return LAGO_NOMEM;
  l->n++;
  return LAGO_OK;
}

static int on_dir(void *ud, const fs_entry *e) {
  list_ctx *l = ud;
  if (!e->is_dir || e->name[0] == '_' || e->name[0] == '.') return LAGO_OK;
  return push_entry(l, e->name, CATALOG_MANAGED, e->path);
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const catalog_entry *)a)->name, ((const catalog_entry *)b)->name);
}

int catalog_list(catalog *c, const char *cat, const char *schema, arena *ar, catalog_entry **out, size_t *n,
                 lago_err *err) {
  catalog_name nm;
  TRY(check_part(cat, strlen(cat), nm.catalog, "catalog", err));
  TRY(check_part(schema, strlen(schema), nm.schema, "schema", err));
  const char *dir = schema_dir(c, ar, nm.catalog, nm.schema);
  if (!dir) return LAGO_NOMEM_ERR(err);
  list_ctx l = {ar, NULL, 0, 0};
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_list(c->h->fs, dir, false, on_dir, &l, &tmp);
  if (rc == LAGO_NOTFOUND) rc = LAGO_OK;
  else if (rc) {
    if (tmp.rc) lago_err_copy(err, &tmp);
    else LAGO_NOMEM_ERR(err);
    return rc;
  }
  registry r;
  TRY(reg_read(c, dir, ar, &r, err));
  const json_value *ext = r.root ? json_get(r.root, "external") : NULL, *views = r.root ? json_get(r.root, "views") : NULL;
  for (size_t i = 0; i < json_len(ext) && rc == LAGO_OK; i++) {
    const json_member *m = json_member_at(ext, i);
    const char *loc = NULL;
    json_get_str(&m->value, "location", &loc, NULL, NULL);
    rc = push_entry(&l, m->key, CATALOG_EXTERNAL, loc);
  }
  for (size_t i = 0; i < json_len(views) && rc == LAGO_OK; i++) rc = push_entry(&l, json_member_at(views, i)->key, CATALOG_VIEW, NULL);
  if (rc) return LAGO_NOMEM_ERR(err);
  if (l.n) qsort(l.e, l.n, sizeof *l.e, cmp_entry);
  *out = l.e;
  *n = l.n;
  return LAGO_OK;
}

/* ---- volumes ------------------------------------------------------------------------------ */

int catalog_create_volume(catalog *c, const catalog_name *n, lago_err *err) {
  arena *ar = arena_new("query", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  const char *dir;
  int rc = ensure_schema(c, n, ar, &dir, err);
  if (rc == LAGO_OK) {
    char *p = arena_printf(ar, "%s/_volumes/%s", dir, n->name);
    bool ex = false;
    rc = p ? dir_exists(c, p, &ex, err) : LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK && ex) rc = LAGO_ERR(err, LAGO_EXISTS, "volume %s.%s.%s already exists", n->catalog, n->schema, n->name);
    if (rc == LAGO_OK) rc = fs_mkdirs(c->h->fs, p, err);
  }
  arena_free(ar);
  return rc;
}

int catalog_volume_path(catalog *c, const char *vp, arena *ar, const char **out, lago_err *err) {
  if (strncmp(vp, "/Volumes/", 9))
    return LAGO_ERR(err, LAGO_BIND, "\"%s\" is not a volume path (/Volumes/<catalog>/<schema>/<volume>/...)", vp);
  const char *p = vp + 9;
  char parts[3][CATALOG_NAME_MAX + 1];
  for (int i = 0; i < 3; i++) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    TRY(check_part(p, n, parts[i], i == 0 ? "catalog" : i == 1 ? "schema" : "volume", err));
    if (!e) {
      if (i < 2) return LAGO_ERR(err, LAGO_BIND, "volume path \"%s\" is incomplete", vp);
      p += n;
      break;
    }
    p = e + 1;
  }
  char *base = arena_printf(ar, "%s/%s/%s/_volumes/%s", c->warehouse, parts[0], parts[1], parts[2]);
  if (!base) return LAGO_NOMEM_ERR(err);
  bool ex;
  TRY(dir_exists(c, base, &ex, err));
  if (!ex) return LAGO_ERR(err, LAGO_NOTFOUND, "volume %s.%s.%s does not exist", parts[0], parts[1], parts[2]);
  if (!*p) {
    *out = base;
    return LAGO_OK;
  }
  /* the rest must stay inside the volume */
  size_t rl = strlen(p);
  while (rl && p[rl - 1] == '/') rl--;
  char *rest = arena_strndup(ar, p, rl);
  if (!rest) return LAGO_NOMEM_ERR(err);
  const char *s = rest;
  for (;;) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
      return LAGO_ERR(err, LAGO_BIND, "volume path \"%s\": '.', '..' or empty segments are not allowed", vp);
    if (!e) break;
    s = e + 1;
  }
  *out = arena_printf(ar, "%s/%s", base, rest);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(err);
}
