/*
** table/catalog.h: the three-level namespace catalog.schema.table over a
** warehouse directory, plus Unity-Catalog-style volumes (design and layout:
** catalog.c and src/table/README.md). Used by cli/ and, later, sql/.
**
** Names are case-insensitive and stored lower case: 1..128 characters of
** [a-z0-9_-], not starting with '_' or '-'. Anything else is refused, so a
** name can never leave the warehouse (no '/', '.', "..", absolute paths).
** Partial names default to catalog "main" and schema "default".
*/
#ifndef LAGO_TABLE_CATALOG_H
#define LAGO_TABLE_CATALOG_H

#include <stdbool.h>

#include "table/handlers.h"

#define CATALOG_NAME_MAX 128

typedef struct catalog catalog;

typedef struct catalog_name {
  char catalog[CATALOG_NAME_MAX + 1];
  char schema[CATALOG_NAME_MAX + 1];
  char name[CATALOG_NAME_MAX + 1];
} catalog_name;

typedef enum catalog_kind { CATALOG_MANAGED = 1, CATALOG_EXTERNAL, CATALOG_VIEW, CATALOG_VOLUME } catalog_kind;

/* Opens the catalog of `warehouse` (the directory is created if missing). h is borrowed. Free with catalog_free. */
int catalog_open(const tbl_handlers *h, const char *warehouse, catalog **out, lago_err *err);
void catalog_free(catalog *c);
const char *catalog_warehouse(const catalog *c);

/* Parses "t", "s.t" or "c.s.t" (parts may be `backquoted`). LAGO_BIND on a bad name. */
int catalog_parse_name(const char *text, catalog_name *out, lago_err *err);
/* True if text looks like a path rather than a name (contains '/' or starts with '.' or '~'). */
bool catalog_is_path(const char *text);

int catalog_create_catalog(catalog *c, const char *name, bool if_not_exists, lago_err *err);
int catalog_create_schema(catalog *c, const char *catalog_name_, const char *schema, bool if_not_exists,
                          lago_err *err);

/*
** Where a table's data lives: a managed table's directory under the
** warehouse (whether or not it exists yet), or an external table's LOCATION.
** *kind tells which (0 when the name is unknown and no managed directory
** exists: then *root is where a managed table would go). Allocated in ar.
*/
int catalog_table_root(catalog *c, const catalog_name *n, arena *ar, const char **root, catalog_kind *kind,
                       lago_err *err);
/* Resolves a CLI/SQL table reference: a path is returned as is, a name via catalog_table_root. */
int catalog_resolve(catalog *c, const char *name_or_path, arena *ar, const char **root, lago_err *err);

/* Registers an external table at an absolute LOCATION (the schema registry is rewritten atomically). */
int catalog_register_external(catalog *c, const catalog_name *n, const char *location, lago_err *err);
/* Registers / looks up a view's SQL text. */
int catalog_create_view(catalog *c, const catalog_name *n, const char *sql, bool replace, lago_err *err);
int catalog_view_sql(catalog *c, const catalog_name *n, arena *ar, const char **sql, lago_err *err);
/* Drops a table or view; a managed table's directory is deleted, an external one's data is kept. */
int catalog_drop(catalog *c, const catalog_name *n, bool if_exists, lago_err *err);

/* Tables (managed and external) and views of a schema, sorted; names allocated in ar. */
typedef struct catalog_entry {
  const char *name;
  catalog_kind kind;
  const char *location; /* external tables: the LOCATION; managed: the directory; views: NULL */
} catalog_entry;
int catalog_list(catalog *c, const char *catalog_name_, const char *schema, arena *ar, catalog_entry **out, size_t *n,
                 lago_err *err);

/* Volumes: /Volumes/<catalog>/<schema>/<volume>/<path> -> <warehouse>/<catalog>/<schema>/_volumes/<volume>/<path>. */
int catalog_create_volume(catalog *c, const catalog_name *n, lago_err *err);
int catalog_volume_path(catalog *c, const char *volume_path, arena *ar, const char **out, lago_err *err);

#endif /* LAGO_TABLE_CATALOG_H */
