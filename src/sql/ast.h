/*
** sql/ast.h: the abstract syntax tree of lago's Databricks/Spark SQL dialect.
**
** Produced by sql/parser.c (sql_parse, sql_parse_script), printed back to SQL
** by sql/ast_print.c and dumped as S-expressions by sql/ast_dump.c. Consumed by
** the binder, which resolves names against the catalog and types everything.
**
** Memory: every node, string and array lives in the caller's "query" arena
** passed to sql_parse; nothing is freed individually and nothing points into
** the SQL text (the text may be freed after parsing). Nodes are read-only after
** parsing.
**
** Positions: every node has `pos`, the byte offset of its first token in the
** parsed text, and most have `len`, the byte length of its source span, so
** the binder can point at the exact place in error messages (see
** sql_line_col in parser.h).
**
** Four node families, kept separate (expressions never contain statements;
** queries appear in expressions only as subqueries):
**   sql_expr       scalar expressions               (kind: SQL_E_*)
**   sql_query      query expressions (SELECT, set operations, VALUES, TABLE t)
**   sql_table_ref  FROM-clause items (tables, functions, subqueries, joins)
**   sql_stmt       statements (kind: SQL_S_*), each with its own body struct
**
** Arrays are a pointer plus a count (`items` / `n_items`); a count of 0 means
** the clause is absent. Optional single children are NULL when absent.
**
** Names. A sql_ident is one name part: `name` is the text as written with
** backquote escapes resolved (`a``b` -> a`b), NUL-terminated; `quoted` says it
** was backquoted. Identifiers are case-insensitive: compare with sql_ident_eq
** (ASCII case folding), never strcmp; keep `name` for display. A sql_name is
** a dotted multi-part name (catalog.schema.table, t.col, col.field...): the
** parser does not decide which parts are catalog/schema/table/column/field;
** the binder does, longest match first, as Spark does.
**
** Literals keep their exact source text plus the kind Spark gives them (see
** sql_literal), so the binder types them exactly as Spark does.
*/
#ifndef LAGO_SQL_AST_H
#define LAGO_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vec/types.h"

typedef struct sql_expr sql_expr;
typedef struct sql_query sql_query;
typedef struct sql_table_ref sql_table_ref;
typedef struct sql_stmt sql_stmt;

/* ---- names ---------------------------------------------------------------- */

typedef struct sql_ident {
  const char *name;  /* as written, escapes resolved, NUL-terminated; NULL = absent */
  int pos;           /* byte offset of the identifier token */
  bool quoted;       /* was `backquoted` */
} sql_ident;

typedef struct sql_name {
  sql_ident *parts;  /* n_parts >= 1 when present; n_parts == 0 = absent */
  uint32_t n_parts;
  int pos;           /* offset of the first part */
} sql_name;

/* ASCII case-insensitive equality of identifier texts (Spark's rule for
** unquoted and quoted names alike). */
bool sql_ident_eq(const char *a, const char *b);

/* ---- literals --------------------------------------------------------------- */

/*
** Literal kinds and how Spark types them (SqlBaseLexer/AstBuilder):
**   NULL                   NULL
**   BOOL                   TRUE / FALSE                       b
**   TINYINT/SMALLINT/INT/BIGINT
**                          integers: 12 -> INT when it fits 32 bits, else
**                          BIGINT when it fits 64 bits, else DECIMAL(n,0);
**                          suffixes 12Y TINYINT, 12S SMALLINT, 12L BIGINT
**                          (out of range: parse error)         i
**   DECIMAL                1.50 -> DECIMAL(3,2); .5 -> DECIMAL(1,1);
**                          12345678901234567890 -> DECIMAL(20,0); 1.5BD,
**                          1e3BD (negative exponent scales)   dec, precision, scale
**   DOUBLE                 1e2, 1.5E-3, 1D, 1.5D              d
**   FLOAT                  1F, 1.5F                           d (the float value)
**   STRING                 'a', "a", r'raw', adjacent 'a' 'b' concatenated,
**                          escapes decoded as Spark does       str/str_len (bytes, UTF-8)
**   BINARY                 X'0A1B' (odd digit count: leading 0 added)  str/str_len
**   DATE                   DATE '2024-01-01'                  str = the quoted text
**   TIMESTAMP              TIMESTAMP '...' / TIMESTAMP_LTZ '...'      str
**   TIMESTAMP_NTZ          TIMESTAMP_NTZ '...'                str
** A leading minus sign directly before a number is part of the literal, as in
** Spark's grammar (-2147483648 is INT, -5 is a literal, not NEG(5)).
** DATE/TIMESTAMP text is not validated here: the binder converts it and
** reports bad values at the literal's pos.
*/
typedef enum sql_lit_kind {
  SQL_LIT_NULL,
  SQL_LIT_BOOL,
  SQL_LIT_TINYINT,
  SQL_LIT_SMALLINT,
  SQL_LIT_INT,
  SQL_LIT_BIGINT,
  SQL_LIT_DECIMAL,
  SQL_LIT_FLOAT,
  SQL_LIT_DOUBLE,
  SQL_LIT_STRING,
  SQL_LIT_BINARY,
  SQL_LIT_DATE,
  SQL_LIT_TIMESTAMP,
  SQL_LIT_TIMESTAMP_NTZ,
} sql_lit_kind;

typedef struct sql_literal {
  sql_lit_kind kind;
  const char *text;     /* exact source text ("1.50", "-2", "'a' 'b'"), NUL-terminated */
  bool b;               /* BOOL */
  int64_t i;            /* TINYINT..BIGINT */
  lago_i128 dec;        /* DECIMAL: unscaled value */
  uint8_t precision;    /* DECIMAL: 1..38 */
  uint8_t scale;        /* DECIMAL: 0..precision */
  double d;             /* DOUBLE, FLOAT */
  const char *str;      /* STRING/BINARY bytes, DATE/TIMESTAMP text; NUL-terminated */
  uint32_t str_len;     /* bytes in str (STRING may contain NUL bytes) */
} sql_literal;

/* ---- expressions -------------------------------------------------------------- */

typedef enum sql_expr_kind {
  SQL_E_LITERAL,     /* lit */
  SQL_E_COLUMN,      /* column: a, t.a, s.t.a, a.field (unresolved dotted name) */
  SQL_E_STAR,        /* star: *, t.*, * EXCEPT (a, b) (select lists, count(*) uses func.star) */
  SQL_E_PARAM,       /* param: ? (index 1, 2, ... in order of appearance) or :name */
  SQL_E_UNARY,       /* unary: -x, +x, ~x, NOT x */
  SQL_E_BINARY,      /* binary: arithmetic, comparison, AND/OR, ||, bitwise */
  SQL_E_IS,          /* is: x IS [NOT] NULL/TRUE/FALSE/UNKNOWN, x IS [NOT] DISTINCT FROM y */
  SQL_E_BETWEEN,     /* between: x [NOT] BETWEEN lo AND hi */
  SQL_E_IN,          /* in: x [NOT] IN (list) or x [NOT] IN (query) */
  SQL_E_LIKE,        /* like: x [NOT] LIKE|ILIKE|RLIKE p [ESCAPE 'c'], LIKE ANY|ALL (list) */
  SQL_E_CASE,        /* case_: CASE [operand] WHEN .. THEN .. [ELSE ..] END */
  SQL_E_CAST,        /* cast: CAST(x AS t), TRY_CAST(x AS t), x::t */
  SQL_E_FUNC,        /* func: calls, aggregates, window functions, special forms */
  SQL_E_NAMED_ARG,   /* named_arg: name => value (function arguments only) */
  SQL_E_LAMBDA,      /* lambda: x -> body, (x, y) -> body (function arguments) */
  SQL_E_FIELD,       /* field: base.name where base is not a plain name (f(x).a, a[0].b) */
  SQL_E_SUBSCRIPT,   /* subscript: base[index] (arrays: 0-based; maps: key) */
  SQL_E_JSON_PATH,   /* json: base:a.b[0] (Databricks JSON path extraction on strings) */
  SQL_E_SUBQUERY,    /* subquery: (SELECT ...) scalar subquery */
  SQL_E_EXISTS,      /* subquery: EXISTS (SELECT ...) */
  SQL_E_EXTRACT,     /* extract: EXTRACT(field FROM x) */
  SQL_E_INTERVAL,    /* interval: INTERVAL ... literals (see sql_interval) */
  SQL_E_TABLE_ARG,   /* table_arg: TABLE(name) or TABLE(query) as a table-function argument */
  SQL_E_ROW,         /* row: (a, b, ...) row constructor (Spark: a struct) */
} sql_expr_kind;

typedef enum sql_op {
  SQL_OP_NONE,
  /* binary, lowest precedence first */
  SQL_OP_OR,
  SQL_OP_AND,
  SQL_OP_EQ,        /* =, == */
  SQL_OP_NE,        /* <>, != */
  SQL_OP_LT,
  SQL_OP_LE,
  SQL_OP_GT,
  SQL_OP_GE,
  SQL_OP_NSEQ,      /* <=> null-safe equality */
  SQL_OP_BIT_OR,    /* | */
  SQL_OP_BIT_XOR,   /* ^ */
  SQL_OP_BIT_AND,   /* & */
  SQL_OP_SHL,       /* << */
  SQL_OP_SHR,       /* >> */
  SQL_OP_SHRU,      /* >>> */
  SQL_OP_ADD,
  SQL_OP_SUB,
  SQL_OP_CONCAT,    /* || */
  SQL_OP_MUL,
  SQL_OP_DIV,       /* / */
  SQL_OP_MOD,       /* % */
  SQL_OP_IDIV,      /* DIV (integral division) */
  /* unary */
  SQL_OP_NOT,       /* NOT x, !x */
  SQL_OP_NEG,       /* -x */
  SQL_OP_PLUS,      /* +x */
  SQL_OP_BIT_NOT,   /* ~x */
} sql_op;

/* Spelling of an operator ("OR", "<=", "DIV", "-"); never NULL. */
const char *sql_op_name(sql_op op);

typedef enum sql_is_kind {
  SQL_IS_NULL,
  SQL_IS_TRUE,
  SQL_IS_FALSE,
  SQL_IS_UNKNOWN,
  SQL_IS_DISTINCT_FROM,  /* x IS [NOT] DISTINCT FROM right */
} sql_is_kind;

typedef enum sql_like_op { SQL_LIKE, SQL_ILIKE, SQL_RLIKE } sql_like_op; /* RLIKE = REGEXP */
typedef enum sql_quant { SQL_QUANT_NONE, SQL_QUANT_ANY, SQL_QUANT_ALL } sql_quant; /* SOME = ANY */

typedef enum sql_sort_dir { SQL_SORT_DEFAULT, SQL_SORT_ASC, SQL_SORT_DESC } sql_sort_dir;
typedef enum sql_nulls_order { SQL_NULLS_DEFAULT, SQL_NULLS_FIRST, SQL_NULLS_LAST } sql_nulls_order;

/* ORDER BY item. expr NULL means ORDER BY ALL (Databricks), then the only item.
** Spark defaults: ASC, NULLS FIRST for ASC and NULLS LAST for DESC. */
typedef struct sql_order_item {
  sql_expr *expr;         /* an integer literal is an ordinal (binder's call) */
  sql_sort_dir dir;
  sql_nulls_order nulls;
  int pos;
} sql_order_item;

typedef enum sql_frame_unit { SQL_FRAME_NONE, SQL_FRAME_ROWS, SQL_FRAME_RANGE } sql_frame_unit;
typedef enum sql_bound_kind {
  SQL_BOUND_NONE,                /* absent (frame given by its start only) */
  SQL_BOUND_UNBOUNDED_PRECEDING,
  SQL_BOUND_PRECEDING,           /* offset PRECEDING */
  SQL_BOUND_CURRENT_ROW,
  SQL_BOUND_FOLLOWING,           /* offset FOLLOWING */
  SQL_BOUND_UNBOUNDED_FOLLOWING,
} sql_bound_kind;

typedef struct sql_frame_bound {
  sql_bound_kind kind;
  sql_expr *offset;  /* PRECEDING/FOLLOWING only */
} sql_frame_bound;

/*
** A window: OVER w (ref only), OVER (PARTITION BY .. ORDER BY .. frame), or a
** named window definition. `frame.unit` NONE = no frame clause; a frame
** written `ROWS n PRECEDING` has start set and end.kind == SQL_BOUND_NONE
** (meaning CURRENT ROW, as in Spark).
*/
typedef struct sql_window {
  sql_ident ref;              /* OVER w / OVER (w): name of a WINDOW clause entry; name NULL if none */
  sql_expr **partition_by;
  uint32_t n_partition_by;
  sql_order_item *order_by;
  uint32_t n_order_by;
  sql_frame_unit frame_unit;
  sql_frame_bound frame_start, frame_end;
  int pos;
} sql_window;

typedef enum sql_trim_mode { SQL_TRIM_NONE, SQL_TRIM_BOTH, SQL_TRIM_LEADING, SQL_TRIM_TRAILING } sql_trim_mode;
typedef enum sql_null_treatment { SQL_NT_DEFAULT, SQL_NT_IGNORE_NULLS, SQL_NT_RESPECT_NULLS } sql_null_treatment;

/*
** Function call. The name is as written (binder looks it up
** case-insensitively; struct/array/map/named_struct are ordinary calls).
** Special syntaxes are normalised to ordinary calls:
**   POSITION(a IN b)            -> position(a, b)
**   SUBSTRING(s FROM a [FOR b]) -> substring(s, a[, b]) (also SUBSTR)
**   TRIM([BOTH|LEADING|TRAILING] [c] FROM s)
**                               -> trim(s[, c]) with trim = the mode (BOTH when
**                                  only FROM is written); plain trim(s) has
**                                  trim == SQL_TRIM_NONE
**   CURRENT_DATE, CURRENT_TIMESTAMP, CURRENT_TIME, CURRENT_USER, USER,
**   SESSION_USER without parentheses
**                               -> no_parens = true, no args (like Spark
**                                  without enforced keywords, the binder
**                                  should prefer a column of that name)
*/
typedef struct sql_func {
  sql_name name;
  sql_expr **args;            /* may contain SQL_E_NAMED_ARG, SQL_E_LAMBDA, SQL_E_TABLE_ARG */
  uint32_t n_args;
  bool distinct;              /* f(DISTINCT ...) */
  bool star;                  /* f(*), e.g. count(*); then n_args == 0 */
  bool no_parens;             /* CURRENT_DATE etc. written without () */
  sql_trim_mode trim;
  sql_null_treatment nulls;   /* f(x) IGNORE NULLS / RESPECT NULLS */
  sql_order_item *within_group; /* f(x) WITHIN GROUP (ORDER BY ...) */
  uint32_t n_within_group;
  sql_expr *filter;           /* f(x) FILTER (WHERE cond) */
  sql_window *over;           /* f(x) OVER ...; NULL if not a window call */
} sql_func;

typedef struct sql_when {
  sql_expr *cond;             /* searched CASE: condition; simple CASE: value to compare */
  sql_expr *result;
} sql_when;

typedef enum sql_interval_unit {
  SQL_IU_NONE,                /* INTERVAL '1 day 2 hours': the string holds units */
  SQL_IU_YEAR,
  SQL_IU_MONTH,
  SQL_IU_WEEK,
  SQL_IU_DAY,
  SQL_IU_HOUR,
  SQL_IU_MINUTE,
  SQL_IU_SECOND,
  SQL_IU_MILLISECOND,
  SQL_IU_MICROSECOND,
} sql_interval_unit;

/* Upper-case singular unit name ("DAY"), "" for NONE. */
const char *sql_interval_unit_name(sql_interval_unit u);

/*
** One `value unit` of an INTERVAL literal. value is a literal node: a number
** (INT/BIGINT/DECIMAL, possibly negative) or a STRING. Forms:
**   INTERVAL '5' DAY              1 part {'5', DAY}
**   INTERVAL 7 DAYS               1 part {7, DAY}   (plural units accepted)
**   INTERVAL 1 DAY 2 HOURS        2 parts
**   INTERVAL '1-2' YEAR TO MONTH  1 part {'1-2', YEAR, to_unit MONTH}
**   INTERVAL '1 day 2 hours'      1 part {'1 day 2 hours', NONE}
** Which combinations are valid and the resulting type (year-month,
** day-time or calendar interval) is the binder's business.
*/
typedef struct sql_interval_part {
  sql_expr *value;
  bool negated;               /* -'5' DAY: a minus before a STRING value (numbers carry their sign) */
  sql_interval_unit unit;
  sql_interval_unit to_unit;  /* NONE unless `unit TO to_unit` */
} sql_interval_part;

typedef enum sql_json_step_kind { SQL_JSON_KEY, SQL_JSON_INDEX, SQL_JSON_WILDCARD } sql_json_step_kind;

/* One step of a JSON path: .key / ['key'] / [3] / [*]. Keys are case-sensitive. */
typedef struct sql_json_step {
  sql_json_step_kind kind;
  const char *key;            /* KEY: the key text */
  bool bracket;               /* KEY written as ['key'] (else .key / :key) */
  int64_t index;              /* INDEX */
} sql_json_step;

struct sql_expr {
  sql_expr_kind kind;
  int pos;                    /* byte offset of the first token */
  int len;                    /* bytes of source text the expression spans */
  uint16_t height;            /* 1 for leaves; 1 + max child height (bounded by the parser) */
  union {
    sql_literal lit;
    struct {
      sql_name name;
    } column;
    struct {
      sql_name qualifier;     /* t in t.*; n_parts 0 for a bare * */
      sql_name *except;       /* * EXCEPT (a, b.c) */
      uint32_t n_except;
    } star;
    struct {
      int index;              /* ?: 1-based position among the statement's ? markers; 0 for :name */
      const char *name;       /* :name (without the colon), else NULL */
    } param;
    struct {
      sql_op op;              /* NOT, NEG, PLUS, BIT_NOT */
      sql_expr *arg;
    } unary;
    struct {
      sql_op op;
      sql_expr *left, *right;
    } binary;
    struct {
      sql_is_kind what;
      bool negated;           /* IS NOT ... */
      sql_expr *arg;
      sql_expr *right;        /* DISTINCT FROM only */
    } is;
    struct {
      bool negated;
      sql_expr *arg, *lo, *hi;
    } between;
    struct {
      bool negated;
      sql_expr *arg;
      sql_expr **list;        /* IN (list), n_list >= 1 */
      uint32_t n_list;
      sql_query *query;       /* IN (query); then n_list == 0 */
    } in;
    struct {
      sql_like_op op;
      bool negated;
      sql_expr *arg;
      sql_expr *pattern;      /* quant NONE */
      sql_expr *escape;       /* ESCAPE 'c' (a string literal), or NULL */
      sql_quant quant;        /* LIKE ANY/ALL (list) */
      sql_expr **list;
      uint32_t n_list;
    } like;
    struct {
      sql_expr *operand;      /* simple CASE operand; NULL for searched CASE */
      sql_when *whens;        /* n_whens >= 1 */
      uint32_t n_whens;
      sql_expr *else_result;  /* NULL: ELSE NULL */
    } case_;
    struct {
      sql_expr *arg;
      lago_type type;         /* nested parts allocated in the query arena */
      bool is_try;            /* TRY_CAST */
      bool colons;            /* written x::t (same meaning as CAST) */
    } cast;
    sql_func func;
    struct {
      sql_ident name;
      sql_expr *value;
    } named_arg;
    struct {
      sql_ident *params;      /* n_params >= 1 */
      uint32_t n_params;
      sql_expr *body;
    } lambda;
    struct {
      sql_expr *base;
      sql_ident name;
    } field;
    struct {
      sql_expr *base, *index;
    } subscript;
    struct {
      sql_expr *base;
      sql_json_step *steps;   /* n_steps >= 1; the first is always a KEY or bracket step */
      uint32_t n_steps;
    } json;
    struct {
      sql_query *query;
    } subquery;
    struct {
      sql_ident field;        /* YEAR, MONTH, DAY, HOUR, DOW, ... as written */
      sql_expr *arg;
    } extract;
    struct {
      sql_interval_part *parts; /* n_parts >= 1 */
      uint32_t n_parts;
    } interval;
    struct {
      sql_name name;          /* TABLE(t); n_parts 0 when query is set */
      sql_query *query;       /* TABLE(SELECT ...) */
    } table_arg;
    struct {
      sql_expr **items;       /* n_items >= 2 */
      uint32_t n_items;
    } row;
  };
};

/* ---- queries ---------------------------------------------------------------- */

typedef struct sql_select_item {
  sql_expr *expr;             /* SQL_E_STAR for *, t.*, * EXCEPT (..) */
  sql_ident alias;            /* AS alias / implicit alias; name NULL if none */
  sql_ident *aliases;         /* AS (a, b): multi-column alias for generators */
  uint32_t n_aliases;
} sql_select_item;

typedef enum sql_group_kind {
  SQL_GROUP_EXPR,             /* expr (an integer literal is an ordinal) */
  SQL_GROUP_ROLLUP,           /* ROLLUP(sets...) */
  SQL_GROUP_CUBE,             /* CUBE(sets...) */
  SQL_GROUP_SETS,             /* GROUPING SETS(sets...) */
} sql_group_kind;

typedef struct sql_expr_list {
  sql_expr **items;           /* may be empty: GROUPING SETS (()) */
  uint32_t n_items;
} sql_expr_list;

/* GROUP BY element. For ROLLUP/CUBE each element is a set: ROLLUP(a, (b, c))
** has sets [a], [b, c]. GROUP BY a, b WITH ROLLUP is turned into ROLLUP(a, b). */
typedef struct sql_group_item {
  sql_group_kind kind;
  sql_expr *expr;             /* EXPR */
  sql_expr_list *sets;        /* ROLLUP/CUBE/SETS */
  uint32_t n_sets;
  int pos;
} sql_group_item;

typedef struct sql_named_window {
  sql_ident name;
  sql_window *spec;
} sql_named_window;

/* LATERAL VIEW [OUTER] func(args) table_alias [AS] col, col... */
typedef struct sql_lateral_view {
  bool outer;
  sql_expr *func;             /* SQL_E_FUNC */
  sql_ident table_alias;      /* name may be NULL */
  sql_ident *cols;
  uint32_t n_cols;
  int pos;
} sql_lateral_view;

typedef struct sql_select {
  bool distinct;              /* SELECT DISTINCT (SELECT ALL = default) */
  sql_select_item *items;     /* n_items >= 1 */
  uint32_t n_items;
  sql_table_ref **from;       /* comma-separated FROM items (each may be a join tree); 0 = no FROM */
  uint32_t n_from;
  sql_lateral_view *laterals; /* LATERAL VIEW clauses after the FROM items */
  uint32_t n_laterals;
  sql_expr *where;
  bool group_by_all;          /* GROUP BY ALL (then n_group_by == 0) */
  sql_group_item *group_by;
  uint32_t n_group_by;
  sql_expr *having;
  sql_named_window *windows;  /* WINDOW w AS (...), ... */
  uint32_t n_windows;
  sql_expr *qualify;
} sql_select;

typedef enum sql_query_kind {
  SQL_Q_SELECT,               /* select */
  SQL_Q_SETOP,                /* setop: left op right */
  SQL_Q_VALUES,               /* values: VALUES (..), (..) */
  SQL_Q_TABLE,                /* table: TABLE t */
} sql_query_kind;

typedef enum sql_setop_kind { SQL_SETOP_UNION, SQL_SETOP_INTERSECT, SQL_SETOP_EXCEPT } sql_setop_kind; /* MINUS = EXCEPT */

typedef struct sql_cte {
  sql_ident name;
  sql_ident *cols;            /* WITH x (a, b) AS (...) */
  uint32_t n_cols;
  sql_query *query;
  int pos;
} sql_cte;

typedef struct sql_with {
  bool recursive;
  sql_cte *ctes;              /* n_ctes >= 1 */
  uint32_t n_ctes;
} sql_with;

/*
** A query expression. ORDER BY / LIMIT / OFFSET and WITH belong to the query
** node they were written on: in `SELECT .. UNION SELECT .. ORDER BY 1` they
** are on the SETOP node; in `(SELECT .. LIMIT 1) UNION ...` on the left child.
** Set operations: INTERSECT binds tighter than UNION and EXCEPT/MINUS, all
** left-associative; `all` false = DISTINCT (the default). When ORDER BY /
** LIMIT / OFFSET (or WITH) are written on a parenthesised query that already
** has its own, as in `(SELECT .. LIMIT 3) ORDER BY a`, the parser wraps the
** inner query as `SELECT * FROM (inner) ORDER BY a` (same meaning, one
** ORDER BY per node). A WINDOW clause written after ORDER BY (Spark allows
** it there) is stored in the SELECT's `windows`.
*/
struct sql_query {
  sql_query_kind kind;
  int pos, len;
  sql_with *with;                 /* WITH ... (NULL if none) */
  union {
    sql_select select;
    struct {
      sql_setop_kind op;
      bool all;
      sql_query *left, *right;
    } setop;
    struct {
      sql_expr_list *rows;        /* n_rows >= 1; `VALUES 1, 2` gives rows of one item */
      uint32_t n_rows;
    } values;
    struct {
      sql_name name;
    } table;
  };
  sql_order_item *order_by;
  uint32_t n_order_by;
  sql_expr *limit;                /* NULL if none (and for LIMIT ALL) */
  bool limit_all;
  sql_expr *offset;
};

/* ---- table references ---------------------------------------------------------- */

typedef enum sql_table_kind {
  SQL_T_NAME,                 /* name: t, s.t, c.s.t, LIVE.t, delta.`/path` */
  SQL_T_FUNC,                 /* func: table-valued function (read_files, range, table_changes, ...) */
  SQL_T_SUBQUERY,             /* query: (SELECT ...), (VALUES ...), VALUES ... */
  SQL_T_JOIN,                 /* join */
} sql_table_kind;

typedef enum sql_join_kind {
  SQL_JOIN_INNER,
  SQL_JOIN_LEFT,              /* LEFT [OUTER] */
  SQL_JOIN_RIGHT,             /* RIGHT [OUTER] */
  SQL_JOIN_FULL,              /* FULL [OUTER] */
  SQL_JOIN_CROSS,
  SQL_JOIN_SEMI,              /* [LEFT] SEMI */
  SQL_JOIN_ANTI,              /* [LEFT] ANTI */
} sql_join_kind;

typedef enum sql_tt_kind { SQL_TT_NONE, SQL_TT_VERSION, SQL_TT_TIMESTAMP } sql_tt_kind;

/* Time travel: t VERSION AS OF 3, t TIMESTAMP AS OF expr, t@v3 (VERSION),
** t@20240101000000000 (TIMESTAMP, value becomes the string literal
** '2024-01-01 00:00:00.000'). FOR SYSTEM_VERSION/SYSTEM_TIME spellings too. */
typedef struct sql_time_travel {
  sql_tt_kind kind;
  sql_expr *value;
} sql_time_travel;

typedef enum sql_sample_kind { SQL_SAMPLE_PERCENT, SQL_SAMPLE_ROWS, SQL_SAMPLE_BUCKET } sql_sample_kind;

/* TABLESAMPLE (n PERCENT | n ROWS | BUCKET x OUT OF y) [REPEATABLE (seed)] */
typedef struct sql_sample {
  sql_sample_kind kind;
  sql_expr *value;            /* PERCENT / ROWS amount; BUCKET x */
  sql_expr *out_of;           /* BUCKET: y */
  sql_expr *seed;             /* REPEATABLE (seed) or NULL */
} sql_sample;

struct sql_table_ref {
  sql_table_kind kind;
  int pos, len;
  /* NAME */
  sql_name name;
  bool format_path;           /* name is <format>.`path` with format one of delta, parquet,
                                 csv, json, text, orc, avro, binaryfile (case-insensitive)
                                 and a path part containing '/' or ':': a file path, not a
                                 table (other two-part names are left to the binder) */
  /* FUNC */
  sql_expr *func;             /* SQL_E_FUNC: table-valued function call */
  /* SUBQUERY */
  sql_query *query;
  bool lateral;               /* LATERAL (SELECT ...) */
  /* JOIN */
  sql_join_kind join;
  bool natural;
  sql_table_ref *left, *right;
  sql_expr *on;               /* ON cond */
  sql_ident *using_cols;      /* USING (a, b) */
  uint32_t n_using;
  /* NAME and FUNC */
  bool stream;                /* STREAM t, STREAM(t), STREAM f(...): read as a stream */
  sql_time_travel tt;         /* NAME only */
  sql_sample *sample;         /* NAME / SUBQUERY */
  /* all kinds */
  sql_ident alias;            /* [AS] alias; name NULL if none */
  sql_ident *col_aliases;     /* AS t(a, b) */
  uint32_t n_col_aliases;
};

/* ---- statements --------------------------------------------------------------- */

typedef enum sql_stmt_kind {
  SQL_S_QUERY,           /* query */
  SQL_S_USE,             /* use */
  SQL_S_CREATE_NS,       /* create_ns: CREATE CATALOG / SCHEMA / DATABASE */
  SQL_S_CREATE_TABLE,    /* create_table: tables, CTAS, clones, streaming tables, MVs, live tables */
  SQL_S_CREATE_VIEW,     /* create_view */
  SQL_S_CREATE_VOLUME,   /* create_volume */
  SQL_S_CREATE_FLOW,     /* create_flow: CREATE FLOW name AS INSERT INTO .. / AS AUTO CDC INTO .. */
  SQL_S_APPLY_CHANGES,   /* cdc: APPLY CHANGES INTO ... (legacy form of AUTO CDC) */
  SQL_S_DROP,            /* drop */
  SQL_S_ALTER_TABLE,     /* alter */
  SQL_S_SHOW,            /* show */
  SQL_S_DESCRIBE,        /* describe */
  SQL_S_EXPLAIN,         /* explain */
  SQL_S_INSERT,          /* insert */
  SQL_S_UPDATE,          /* update */
  SQL_S_DELETE,          /* del */
  SQL_S_MERGE,           /* merge */
  SQL_S_TRUNCATE,        /* truncate: TRUNCATE TABLE t */
  SQL_S_OPTIMIZE,        /* optimize */
  SQL_S_VACUUM,          /* vacuum */
  SQL_S_RESTORE,         /* restore */
  SQL_S_CONVERT,         /* convert: CONVERT TO DELTA */
  SQL_S_COPY_INTO,       /* copy */
  SQL_S_SET,             /* set */
  SQL_S_RESET,           /* reset */
} sql_stmt_kind;

/* Name of a statement kind ("CREATE_TABLE"); never NULL. */
const char *sql_stmt_kind_name(sql_stmt_kind k);

typedef enum sql_prop_kind { SQL_PROP_NONE, SQL_PROP_STRING, SQL_PROP_NUMBER, SQL_PROP_BOOL } sql_prop_kind;

/* key = value in TBLPROPERTIES / OPTIONS / FORMAT_OPTIONS / COPY_OPTIONS /
** DBPROPERTIES. key: a string literal's value or a dotted identifier
** (delta.enableChangeDataFeed) joined with '.'. value: string literal value,
** number text or "true"/"false"; NONE (value NULL) in UNSET and when omitted. */
typedef struct sql_prop {
  const char *key;
  const char *value;
  sql_prop_kind value_kind;
  int pos;
} sql_prop;

typedef struct sql_props {
  sql_prop *items;
  uint32_t n_items;
} sql_props;

typedef enum sql_identity_kind { SQL_IDENTITY_NONE, SQL_IDENTITY_ALWAYS, SQL_IDENTITY_BY_DEFAULT } sql_identity_kind;

/* Column definition in CREATE TABLE / ADD COLUMNS / view column lists. */
typedef struct sql_column_def {
  sql_name name;              /* one part, except ALTER TABLE ADD COLUMN a.b (nested field) */
  bool has_type;              /* false in view / materialized-view column lists without a type */
  lago_type type;
  bool not_null;
  sql_expr *generated;        /* GENERATED ALWAYS AS (expr) */
  sql_identity_kind identity; /* GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY */
  sql_expr *identity_start;   /*   (START WITH n INCREMENT BY m); NULL = default */
  sql_expr *identity_step;
  sql_expr *default_value;    /* DEFAULT expr */
  const char *comment;        /* COMMENT '...' */
  bool first;                 /* ADD COLUMN ... FIRST */
  sql_ident after;            /* ADD COLUMN ... AFTER col */
  int pos;
} sql_column_def;

typedef enum sql_constraint_kind { SQL_CONSTRAINT_CHECK, SQL_CONSTRAINT_EXPECT } sql_constraint_kind;
typedef enum sql_violation { SQL_VIOLATION_WARN, SQL_VIOLATION_DROP_ROW, SQL_VIOLATION_FAIL_UPDATE } sql_violation;

/* CONSTRAINT name CHECK (cond), or pipeline expectation
** CONSTRAINT name EXPECT (cond) [ON VIOLATION DROP ROW | FAIL UPDATE] (default WARN). */
typedef struct sql_constraint {
  sql_ident name;
  sql_constraint_kind kind;
  sql_expr *cond;
  sql_violation on_violation; /* EXPECT only */
  int pos;
} sql_constraint;

/* PARTITIONED BY (a, b) or Hive style (a INT, b STRING) */
typedef struct sql_partition_col {
  sql_ident name;
  bool has_type;
  lago_type type;
} sql_partition_col;

typedef enum sql_tbl_kind {
  SQL_TBL_PLAIN,            /* CREATE TABLE */
  SQL_TBL_STREAMING,        /* CREATE [OR REFRESH] [PRIVATE] STREAMING [LIVE] TABLE */
  SQL_TBL_MATERIALIZED_VIEW,/* CREATE [OR REFRESH] [PRIVATE] MATERIALIZED VIEW */
  SQL_TBL_LIVE,             /* CREATE [OR REFRESH] [TEMPORARY] LIVE TABLE (legacy MV) */
} sql_tbl_kind;

typedef enum sql_clone_kind { SQL_CLONE_NONE, SQL_CLONE_SHALLOW, SQL_CLONE_DEEP } sql_clone_kind;
typedef enum sql_cluster_kind { SQL_CLUSTER_NONE_GIVEN, SQL_CLUSTER_COLS, SQL_CLUSTER_AUTO, SQL_CLUSTER_NONE } sql_cluster_kind;

typedef struct sql_create_table {
  sql_tbl_kind kind;
  bool or_replace;            /* CREATE OR REPLACE */
  bool or_refresh;            /* CREATE OR REFRESH (pipelines) */
  bool temporary;             /* TEMP / TEMPORARY (for LIVE TABLE: same as private) */
  bool external;
  bool private_;              /* PRIVATE (pipelines: not published) */
  bool live;                  /* STREAMING LIVE TABLE / LIVE TABLE spelling */
  bool if_not_exists;
  sql_name name;
  sql_column_def *cols;
  uint32_t n_cols;
  sql_constraint *constraints;  /* CHECK and EXPECT constraints from the column list */
  uint32_t n_constraints;
  const char *using_format;   /* USING DELTA|PARQUET|...: as written; NULL if absent */
  sql_partition_col *partition_by;
  uint32_t n_partition_by;
  sql_cluster_kind cluster;
  sql_ident *cluster_by;      /* CLUSTER BY (a, b) */
  uint32_t n_cluster_by;
  const char *location;       /* LOCATION 'p' */
  const char *comment;        /* COMMENT 'c' */
  sql_props tblproperties;
  sql_props options;          /* OPTIONS (...) */
  sql_query *as_query;        /* AS query, or NULL */
  sql_clone_kind clone;       /* [SHALLOW|DEEP] CLONE src (CLONE alone = DEEP) */
  sql_table_ref *clone_source;/* SQL_T_NAME, possibly with time travel */
} sql_create_table;

typedef struct sql_create_view {
  bool or_replace;
  bool temporary;             /* TEMP / TEMPORARY */
  bool global;                /* GLOBAL TEMPORARY */
  bool live;                  /* CREATE TEMPORARY LIVE VIEW (pipelines) */
  bool if_not_exists;
  sql_name name;
  sql_column_def *cols;       /* names with optional COMMENT, no types */
  uint32_t n_cols;
  const char *comment;
  sql_props tblproperties;
  sql_query *query;
} sql_create_view;

typedef enum sql_ns_kind { SQL_NS_CATALOG, SQL_NS_SCHEMA } sql_ns_kind; /* DATABASE = SCHEMA */

typedef struct sql_create_ns {
  sql_ns_kind kind;
  bool if_not_exists;
  sql_name name;
  const char *comment;
  const char *location;       /* LOCATION / MANAGED LOCATION 'p' */
  bool managed_location;
  sql_props properties;       /* WITH DBPROPERTIES (...) / OPTIONS (...) */
} sql_create_ns;

typedef struct sql_create_volume {
  bool external;
  bool if_not_exists;
  sql_name name;
  const char *location;
  const char *comment;
} sql_create_volume;

typedef enum sql_scd_type { SQL_SCD_DEFAULT = 0, SQL_SCD_1 = 1, SQL_SCD_2 = 2 } sql_scd_type;

/* Column selection in AUTO CDC: COLUMNS a, b / COLUMNS * EXCEPT (a, b). */
typedef struct sql_col_selection {
  bool present;
  bool star_except;           /* * EXCEPT (cols) */
  sql_ident *cols;
  uint32_t n_cols;
} sql_col_selection;

/*
** AUTO CDC INTO target FROM source KEYS (k, ..) [IGNORE NULL UPDATES]
** [APPLY AS DELETE WHEN c] [APPLY AS TRUNCATE WHEN c] SEQUENCE BY e
** [COLUMNS ..] [STORED AS SCD TYPE 1|2] [TRACK HISTORY ON ..]
** (also the legacy APPLY CHANGES INTO form). Parse-time checks: SEQUENCE BY
** is required, APPLY AS TRUNCATE needs SCD TYPE 1 (the default) and TRACK
** HISTORY needs SCD TYPE 2.
*/
typedef struct sql_auto_cdc {
  sql_name target;
  sql_table_ref *source;      /* usually stream = true */
  sql_ident *keys;
  uint32_t n_keys;
  bool ignore_null_updates;
  sql_expr *apply_as_delete;
  sql_expr *apply_as_truncate;
  sql_expr *sequence_by;
  sql_col_selection columns;
  sql_scd_type scd;
  sql_col_selection track_history;
} sql_auto_cdc;

typedef struct sql_create_flow {
  sql_ident name;
  const char *comment;
  sql_stmt *insert;           /* AS INSERT INTO t BY NAME query (a SQL_S_INSERT), or NULL */
  sql_auto_cdc *cdc;          /* AS AUTO CDC INTO ..., or NULL */
} sql_create_flow;

typedef enum sql_object_kind {
  SQL_OBJ_TABLE,
  SQL_OBJ_VIEW,
  SQL_OBJ_SCHEMA,             /* SCHEMA / DATABASE */
  SQL_OBJ_CATALOG,
  SQL_OBJ_VOLUME,
  SQL_OBJ_MATERIALIZED_VIEW,
  SQL_OBJ_STREAMING_TABLE,
} sql_object_kind;

typedef struct sql_drop {
  sql_object_kind what;
  bool if_exists;
  bool cascade, restrict_, purge;
  sql_name name;
} sql_drop;

typedef enum sql_alter_kind {
  SQL_ALTER_ADD_COLUMNS,      /* cols */
  SQL_ALTER_RENAME_TO,        /* new_name */
  SQL_ALTER_RENAME_COLUMN,    /* column -> new_column */
  SQL_ALTER_DROP_COLUMNS,     /* names, if_exists */
  SQL_ALTER_ALTER_COLUMN,     /* column + change */
  SQL_ALTER_SET_PROPS,        /* props */
  SQL_ALTER_UNSET_PROPS,      /* props (keys only), if_exists */
  SQL_ALTER_ADD_CONSTRAINT,   /* constraint (CHECK) */
  SQL_ALTER_DROP_CONSTRAINT,  /* constraint_name, if_exists */
  SQL_ALTER_CLUSTER_BY,       /* cluster, cluster_by */
} sql_alter_kind;

typedef enum sql_column_change {
  SQL_CHANGE_TYPE,            /* ALTER COLUMN c TYPE t */
  SQL_CHANGE_SET_NOT_NULL,
  SQL_CHANGE_DROP_NOT_NULL,
  SQL_CHANGE_COMMENT,         /* COMMENT 'x' */
  SQL_CHANGE_FIRST,           /* FIRST */
  SQL_CHANGE_AFTER,           /* AFTER col */
  SQL_CHANGE_SET_DEFAULT,     /* SET DEFAULT expr */
  SQL_CHANGE_DROP_DEFAULT,
} sql_column_change;

typedef struct sql_alter_table {
  sql_alter_kind kind;
  sql_name table;
  bool if_exists;
  sql_column_def *cols;       /* ADD COLUMNS */
  uint32_t n_cols;
  sql_name new_name;          /* RENAME TO */
  sql_name column;            /* RENAME COLUMN / ALTER COLUMN target */
  sql_ident new_column;       /* RENAME COLUMN ... TO new */
  sql_name *names;            /* DROP COLUMNS */
  uint32_t n_names;
  sql_column_change change;   /* ALTER COLUMN */
  lago_type type;             /*   TYPE t */
  const char *comment;        /*   COMMENT 'x' */
  sql_ident after;            /*   AFTER col */
  sql_expr *default_value;    /*   SET DEFAULT e */
  sql_props props;            /* SET/UNSET TBLPROPERTIES */
  sql_constraint constraint;  /* ADD CONSTRAINT */
  sql_ident constraint_name;  /* DROP CONSTRAINT */
  sql_cluster_kind cluster;   /* CLUSTER BY */
  sql_ident *cluster_by;
  uint32_t n_cluster_by;
} sql_alter_table;

typedef enum sql_show_kind {
  SQL_SHOW_CATALOGS,
  SQL_SHOW_SCHEMAS,           /* SCHEMAS / DATABASES */
  SQL_SHOW_TABLES,
  SQL_SHOW_VIEWS,
  SQL_SHOW_VOLUMES,
  SQL_SHOW_FUNCTIONS,
  SQL_SHOW_COLUMNS,           /* target = table, in = schema (optional) */
  SQL_SHOW_TBLPROPERTIES,     /* target; key optional */
  SQL_SHOW_CREATE_TABLE,      /* target */
  SQL_SHOW_PARTITIONS,        /* target */
} sql_show_kind;

typedef struct sql_show {
  sql_show_kind what;
  sql_name in;                /* FROM|IN x; n_parts 0 if absent */
  const char *like;           /* [LIKE] 'pattern' or NULL */
  sql_name target;
  const char *key;            /* SHOW TBLPROPERTIES t ('key') */
} sql_show;

typedef enum sql_describe_kind {
  SQL_DESC_TABLE,             /* DESCRIBE [TABLE] [EXTENDED|FORMATTED] t [col] */
  SQL_DESC_DETAIL,            /* DESCRIBE DETAIL t */
  SQL_DESC_HISTORY,           /* DESCRIBE HISTORY t [LIMIT n] */
  SQL_DESC_SCHEMA,            /* DESCRIBE SCHEMA|DATABASE [EXTENDED] s */
  SQL_DESC_CATALOG,           /* DESCRIBE CATALOG [EXTENDED] c */
  SQL_DESC_VOLUME,            /* DESCRIBE VOLUME v */
  SQL_DESC_QUERY,             /* DESCRIBE [QUERY] SELECT ... */
} sql_describe_kind;

typedef struct sql_describe {
  sql_describe_kind what;
  bool extended;              /* EXTENDED or FORMATTED */
  sql_name target;
  sql_name column;            /* DESCRIBE t col; n_parts 0 if absent */
  sql_expr *limit;            /* HISTORY ... LIMIT n */
  sql_query *query;           /* DESCRIBE QUERY */
} sql_describe;

typedef enum sql_explain_mode { SQL_EXPLAIN_SIMPLE, SQL_EXPLAIN_EXTENDED, SQL_EXPLAIN_FORMATTED, SQL_EXPLAIN_CODEGEN, SQL_EXPLAIN_COST } sql_explain_mode;

typedef struct sql_explain {
  sql_explain_mode mode;
  sql_stmt *stmt;
} sql_explain;

/* PARTITION (p = 'v', q) in INSERT: value NULL for dynamic partitions */
typedef struct sql_partition_value {
  sql_ident col;
  sql_expr *value;
} sql_partition_value;

typedef struct sql_insert {
  bool overwrite;             /* INSERT OVERWRITE (else INTO) */
  bool schema_evolution;      /* INSERT WITH SCHEMA EVOLUTION */
  sql_name table;
  sql_partition_value *partition;
  uint32_t n_partition;
  sql_ident *cols;            /* (a, b) */
  uint32_t n_cols;
  bool by_name;               /* BY NAME */
  sql_expr *replace_where;    /* INSERT INTO t REPLACE WHERE cond query */
  sql_query *query;           /* SQL_Q_VALUES for VALUES rows */
} sql_insert;

/* SET col = expr in UPDATE and MERGE; col may be qualified (t.col, col.field). */
typedef struct sql_assignment {
  sql_name col;
  sql_expr *value;
} sql_assignment;

typedef struct sql_update {
  sql_table_ref *table;       /* SQL_T_NAME with optional alias */
  sql_assignment *sets;       /* n_sets >= 1 */
  uint32_t n_sets;
  sql_expr *where;
} sql_update;

typedef struct sql_delete {
  sql_table_ref *table;       /* SQL_T_NAME with optional alias */
  sql_expr *where;
} sql_delete;

typedef enum sql_merge_match {
  SQL_MERGE_MATCHED,                 /* WHEN MATCHED */
  SQL_MERGE_NOT_MATCHED,             /* WHEN NOT MATCHED [BY TARGET] */
  SQL_MERGE_NOT_MATCHED_BY_SOURCE,   /* WHEN NOT MATCHED BY SOURCE */
} sql_merge_match;

typedef enum sql_merge_action {
  SQL_MERGE_UPDATE,           /* UPDATE SET a = e, ... (sets) */
  SQL_MERGE_UPDATE_STAR,      /* UPDATE SET * */
  SQL_MERGE_DELETE,
  SQL_MERGE_INSERT,           /* INSERT (cols) VALUES (values) */
  SQL_MERGE_INSERT_STAR,      /* INSERT * */
} sql_merge_action;

typedef struct sql_merge_clause {
  sql_merge_match match;
  sql_expr *cond;             /* AND cond, or NULL */
  sql_merge_action action;
  sql_assignment *sets;
  uint32_t n_sets;
  sql_name *insert_cols;
  uint32_t n_insert_cols;
  sql_expr **insert_values;   /* same count as insert_cols */
  uint32_t n_insert_values;
  int pos;
} sql_merge_clause;

/*
** MERGE [WITH SCHEMA EVOLUTION] INTO target [alias] USING source [alias]
** ON cond WHEN ... Clauses are kept in source order. Parse-time checks
** (as Spark): at least one clause; INSERT only in NOT MATCHED [BY TARGET];
** UPDATE/DELETE only in MATCHED and NOT MATCHED BY SOURCE; no UPDATE SET *
** in BY SOURCE; within each of the three kinds only the last clause may
** omit its condition.
*/
typedef struct sql_merge {
  bool schema_evolution;
  sql_table_ref *target;      /* SQL_T_NAME with optional alias */
  sql_table_ref *source;      /* NAME / SUBQUERY / FUNC with optional alias */
  sql_expr *on;
  sql_merge_clause *clauses;  /* n_clauses >= 1 */
  uint32_t n_clauses;
} sql_merge;

typedef struct sql_optimize {
  sql_name table;             /* n_parts 0 when path is set */
  const char *path;           /* OPTIMIZE 'path' */
  sql_expr *where;
  sql_name *zorder_by;
  uint32_t n_zorder_by;
  bool full;                  /* OPTIMIZE t FULL */
} sql_optimize;

typedef enum sql_vacuum_mode { SQL_VACUUM_DEFAULT, SQL_VACUUM_LITE, SQL_VACUUM_FULL } sql_vacuum_mode;

typedef struct sql_vacuum {
  sql_name table;             /* n_parts 0 when path is set */
  const char *path;           /* VACUUM 'path' */
  sql_expr *retain_hours;     /* RETAIN n HOURS (a numeric literal), or NULL */
  bool dry_run;
  sql_vacuum_mode mode;
} sql_vacuum;

typedef struct sql_restore {
  sql_name table;
  sql_time_travel to;         /* VERSION/TIMESTAMP AS OF x */
} sql_restore;

typedef struct sql_convert {
  sql_table_ref *source;      /* SQL_T_NAME: table or parquet.`path` (format_path) */
  bool no_statistics;
  sql_partition_col *partition_by;  /* PARTITIONED BY (col type, ...) */
  uint32_t n_partition_by;
} sql_convert;

typedef struct sql_copy_into {
  sql_name table;
  const char *from_path;      /* FROM 'path' or the path of FROM (SELECT .. FROM 'path') */
  sql_select_item *select;    /* the SELECT list of FROM (SELECT ... FROM 'path'); NULL for FROM 'path' */
  uint32_t n_select;
  const char *file_format;    /* FILEFORMAT = CSV|JSON|PARQUET|...: upper case */
  const char **files;         /* FILES = ('a', 'b') */
  uint32_t n_files;
  const char *pattern;        /* PATTERN = 'glob' */
  sql_props format_options;
  sql_props copy_options;
} sql_copy_into;

/* SET (list all), SET -v, SET key, SET key = value: key and value are the
** raw text (trimmed), as Spark keeps them. SET TIME ZONE 'zone' | LOCAL sets
** time_zone, key "spark.sql.session.timeZone" and value = the zone string's
** value (NULL for LOCAL). */
typedef struct sql_set {
  const char *key;            /* NULL for bare SET / SET -v */
  const char *value;          /* NULL if no '=' */
  bool verbose;               /* SET -v */
  bool time_zone;             /* SET TIME ZONE form */
} sql_set;

typedef struct sql_use {
  sql_ns_kind kind;           /* USE CATALOG c: CATALOG; USE [SCHEMA|DATABASE] s: SCHEMA */
  bool explicit_kind;         /* CATALOG/SCHEMA/DATABASE written */
  sql_name name;
} sql_use;

struct sql_stmt {
  sql_stmt_kind kind;
  int pos;                    /* byte offset of the first token */
  int len;                    /* bytes up to the end of the last token (';' excluded) */
  union {
    sql_query *query;
    sql_use use;
    sql_create_ns create_ns;
    sql_create_table create_table;
    sql_create_view create_view;
    sql_create_volume create_volume;
    sql_create_flow create_flow;
    sql_auto_cdc cdc;
    sql_drop drop;
    sql_alter_table alter;
    sql_show show;
    sql_describe describe;
    sql_explain explain;
    sql_insert insert;
    sql_update update;
    sql_delete del;
    sql_merge merge;
    sql_name truncate;
    sql_optimize optimize;
    sql_vacuum vacuum;
    sql_restore restore;
    sql_convert convert;
    sql_copy_into copy;
    sql_set set;
    const char *reset_key;    /* RESET [key]: NULL = all */
  };
};

#endif /* LAGO_SQL_AST_H */
