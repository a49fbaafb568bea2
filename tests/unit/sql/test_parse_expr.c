/*
** tests/unit/sql/test_parse_expr.c: expressions: precedence, literal typing
** as Spark does it, operators, predicates, calls, windows, special forms,
** postfix access, and source positions.
*/
#include "sqltest.h"

TEST(sql_expr_precedence_brief_cases) {
  ASSERT_EQ_STR(sqlt_expr("a OR b AND c"), "(OR (col a) (AND (col b) (col c)))");
  ASSERT_EQ_STR(sqlt_expr("NOT a = b"), "(not (= (col a) (col b)))");
  ASSERT_EQ_STR(sqlt_expr("-2 * 3"), "(* (lit INT -2) (lit INT 3))");
  ASSERT_EQ_STR(sqlt_expr("a || b + c"), "(+ (|| (col a) (col b)) (col c))");
  ASSERT_EQ_STR(sqlt_expr("1 - 2 - 3"), "(- (- (lit INT 1) (lit INT 2)) (lit INT 3))");
  ASSERT_EQ_STR(sqlt_expr("x BETWEEN 1 AND 2 AND y"), "(AND (between (col x) (lit INT 1) (lit INT 2)) (col y))");
}

TEST(sql_expr_precedence_levels) {
  ASSERT_EQ_STR(sqlt_parens("SELECT a OR b AND c OR d"), "SELECT ((a OR (b AND c)) OR d)");
  ASSERT_EQ_STR(sqlt_parens("SELECT NOT a AND b"), "SELECT ((NOT a) AND b)");
  ASSERT_EQ_STR(sqlt_parens("SELECT NOT NOT a"), "SELECT (NOT (NOT a))");
  ASSERT_EQ_STR(sqlt_parens("SELECT a = b AND c < d"), "SELECT ((a = b) AND (c < d))");
  ASSERT_EQ_STR(sqlt_parens("SELECT a | b ^ c & d << 1 + 2 * 3"), "SELECT (a | (b ^ (c & (d << (1 + (2 * 3))))))");
  ASSERT_EQ_STR(sqlt_parens("SELECT a * b + c * d"), "SELECT ((a * b) + (c * d))");
  ASSERT_EQ_STR(sqlt_parens("SELECT a / b % c DIV d"), "SELECT (((a / b) % c) DIV d)");
  ASSERT_EQ_STR(sqlt_parens("SELECT a = b = c"), "SELECT ((a = b) = c)");
  ASSERT_EQ_STR(sqlt_parens("SELECT a + b = c * d"), "SELECT ((a + b) = (c * d))");
  ASSERT_EQ_STR(sqlt_parens("SELECT -a * b"), "SELECT ((-a) * b)");
  ASSERT_EQ_STR(sqlt_parens("SELECT ~a & b"), "SELECT ((~a) & b)");
  ASSERT_EQ_STR(sqlt_parens("SELECT a = b IS NULL"), "SELECT ((a = b) IS NULL)");
  ASSERT_EQ_STR(sqlt_parens("SELECT NOT a IS NULL"), "SELECT (NOT (a IS NULL))");
  ASSERT_EQ_STR(sqlt_parens("SELECT a + 1 BETWEEN b AND c + 1"), "SELECT ((a + 1) BETWEEN b AND (c + 1))");
  ASSERT_EQ_STR(sqlt_parens("SELECT a IN (1, 2) OR b LIKE 'x'"), "SELECT ((a IN (1, 2)) OR (b LIKE 'x'))");
  ASSERT_EQ_STR(sqlt_parens("SELECT !a OR b"), "SELECT ((NOT a) OR b)");
  /* minimal parentheses in the canonical form */
  ASSERT_EQ_STR(sqlt_print("SELECT (a + b) * c, a + (b * c), a - (b - c), (a - b) - c"),
                "SELECT (a + b) * c, a + b * c, a - (b - c), a - b - c");
  ASSERT_EQ_STR(sqlt_print("SELECT (a OR b) AND c, a AND (b AND c), NOT (a AND b)"),
                "SELECT (a OR b) AND c, a AND (b AND c), NOT (a AND b)");
  ASSERT_EQ_STR(sqlt_print("SELECT (a IS NULL) IS NULL, a = (b = c), (a = b) = c"),
                "SELECT (a IS NULL) IS NULL, a = (b = c), a = b = c");
}

TEST(sql_expr_literal_types) {
  ASSERT_EQ_STR(sqlt_expr("1"), "(lit INT 1)");
  ASSERT_EQ_STR(sqlt_expr("2147483647"), "(lit INT 2147483647)");
  ASSERT_EQ_STR(sqlt_expr("2147483648"), "(lit BIGINT 2147483648)");
  ASSERT_EQ_STR(sqlt_expr("-2147483648"), "(lit INT -2147483648)");
  ASSERT_EQ_STR(sqlt_expr("-2147483649"), "(lit BIGINT -2147483649)");
  ASSERT_EQ_STR(sqlt_expr("9223372036854775807"), "(lit BIGINT 9223372036854775807)");
  ASSERT_EQ_STR(sqlt_expr("-9223372036854775808"), "(lit BIGINT -9223372036854775808)");
  ASSERT_EQ_STR(sqlt_expr("9223372036854775808"), "(lit DECIMAL(19,0) 9223372036854775808)");
  ASSERT_EQ_STR(sqlt_expr("00012"), "(lit INT 00012)");
  ASSERT_EQ_STR(sqlt_expr("1L"), "(lit BIGINT 1L)");
  ASSERT_EQ_STR(sqlt_expr("-9223372036854775808L"), "(lit BIGINT -9223372036854775808L)");
  ASSERT_EQ_STR(sqlt_expr("12S"), "(lit SMALLINT 12S)");
  ASSERT_EQ_STR(sqlt_expr("-128Y"), "(lit TINYINT -128Y)");
  ASSERT_EQ_STR(sqlt_expr("1.50"), "(lit DECIMAL(3,2) 1.50)");
  ASSERT_EQ_STR(sqlt_expr("1.5"), "(lit DECIMAL(2,1) 1.5)");
  ASSERT_EQ_STR(sqlt_expr(".5"), "(lit DECIMAL(1,1) .5)");
  ASSERT_EQ_STR(sqlt_expr("0.001"), "(lit DECIMAL(3,3) 0.001)");
  ASSERT_EQ_STR(sqlt_expr("1."), "(lit DECIMAL(1,0) 1.)");
  ASSERT_EQ_STR(sqlt_expr("0.0"), "(lit DECIMAL(1,1) 0.0)");
  ASSERT_EQ_STR(sqlt_expr("123.456"), "(lit DECIMAL(6,3) 123.456)");
  ASSERT_EQ_STR(sqlt_expr("-123.456"), "(lit DECIMAL(6,3) -123.456)");
  ASSERT_EQ_STR(sqlt_expr("1BD"), "(lit DECIMAL(1,0) 1BD)");
  ASSERT_EQ_STR(sqlt_expr("1.50BD"), "(lit DECIMAL(3,2) 1.50BD)");
  ASSERT_EQ_STR(sqlt_expr("1e3BD"), "(lit DECIMAL(4,0) 1e3BD)");
  ASSERT_EQ_STR(sqlt_expr("1.5e-2BD"), "(lit DECIMAL(3,3) 1.5e-2BD)");
  ASSERT_EQ_STR(sqlt_expr("12345678901234567890.123456789012345678"),
                "(lit DECIMAL(38,18) 12345678901234567890.123456789012345678)");
  ASSERT_EQ_STR(sqlt_expr("1e2"), "(lit DOUBLE 1e2)");
  ASSERT_EQ_STR(sqlt_expr("1.5E-3"), "(lit DOUBLE 1.5E-3)");
  ASSERT_EQ_STR(sqlt_expr("1D"), "(lit DOUBLE 1D)");
  ASSERT_EQ_STR(sqlt_expr("1.5F"), "(lit FLOAT 1.5F)");
  ASSERT_EQ_STR(sqlt_expr("TRUE"), "(lit BOOL TRUE)");
  ASSERT_EQ_STR(sqlt_expr("false"), "(lit BOOL FALSE)");
  ASSERT_EQ_STR(sqlt_expr("null"), "(lit NULL)");
  ASSERT_EQ_STR(sqlt_expr("'a' 'b'"), "(lit STRING 'ab')");
  ASSERT_EQ_STR(sqlt_expr("X'0A1B'"), "(lit BINARY X'0A1B')");
  ASSERT_EQ_STR(sqlt_expr("x'abc'"), "(lit BINARY X'0ABC')");
  ASSERT_EQ_STR(sqlt_expr("DATE '2024-01-01'"), "(lit DATE DATE '2024-01-01')");
  ASSERT_EQ_STR(sqlt_expr("TIMESTAMP '2024-01-01 10:00'"), "(lit TIMESTAMP TIMESTAMP '2024-01-01 10:00')");
  ASSERT_EQ_STR(sqlt_expr("timestamp_ltz '2024-01-01'"), "(lit TIMESTAMP TIMESTAMP '2024-01-01')");
  ASSERT_EQ_STR(sqlt_expr("TIMESTAMP_NTZ '2024-01-01'"), "(lit TIMESTAMP_NTZ TIMESTAMP_NTZ '2024-01-01')");
  /* exact values */
  arena *ar = arena_new("t", 1024);
  sql_stmt *s = sqlt_parse(ar, "SELECT 1.50, -7L, 2.5e1, 99999999999999999999999999999999999999");
  sql_select_item *it = s->query->select.items;
  ASSERT(it[0].expr->lit.dec == 150 && it[0].expr->lit.scale == 2);
  ASSERT_EQ_INT(it[1].expr->lit.i, -7);
  ASSERT(it[2].expr->lit.d == 25.0);
  ASSERT_EQ_INT(it[3].expr->lit.kind, SQL_LIT_DECIMAL);
  ASSERT_EQ_INT(it[3].expr->lit.precision, 38);
  arena_free(ar);
}

TEST(sql_expr_literal_range_errors) {
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT 128Y", &pos), "column 8: numeric literal 128Y is out of range for TINYINT");
  ASSERT_CONTAINS(sqlt_error("SELECT -129Y", &pos), "-129Y is out of range for TINYINT");
  ASSERT_CONTAINS(sqlt_error("SELECT 32768S", &pos), "out of range for SMALLINT");
  ASSERT_CONTAINS(sqlt_error("SELECT 9223372036854775808L", &pos), "out of range for BIGINT");
  ASSERT_CONTAINS(sqlt_error("SELECT 123456789012345678901234567890123456789", &pos), "more than 38 digits");
  ASSERT_CONTAINS(sqlt_error("SELECT 1e400", &pos), "out of range for DOUBLE");
  ASSERT_CONTAINS(sqlt_error("SELECT 1e39F", &pos), "out of range for FLOAT");
  ASSERT_CONTAINS(sqlt_error("SELECT 1e40BD", &pos), "out of range for DECIMAL(38)");
  ASSERT_CONTAINS(sqlt_error("SELECT X'0G'", &pos), "invalid hexadecimal digit in binary literal X'0G'");
  ASSERT_EQ_INT(pos, 8);
}

TEST(sql_expr_intervals) {
  ASSERT_EQ_STR(sqlt_expr("INTERVAL '5' DAY"), "(interval ((lit STRING '5') DAY))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL 7 DAYS"), "(interval ((lit INT 7) DAY))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL '1-2' YEAR TO MONTH"), "(interval ((lit STRING '1-2') YEAR TO MONTH))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL 1 DAY 2 HOURS"), "(interval ((lit INT 1) DAY) ((lit INT 2) HOUR))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL '1 day 2 hours'"), "(interval ((lit STRING '1 day 2 hours')))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL -5 MINUTES"), "(interval ((lit INT -5) MINUTE))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL -'5' SECOND"), "(interval (-(lit STRING '5') SECOND))");
  ASSERT_EQ_STR(sqlt_expr("INTERVAL 1.5 SECONDS"), "(interval ((lit DECIMAL(2,1) 1.5) SECOND))");
  ASSERT_EQ_STR(sqlt_expr("d - INTERVAL 1 DAY - 2"), "(- (- (col d) (interval ((lit INT 1) DAY))) (lit INT 2))");
  ASSERT_EQ_STR(sqlt_expr("current_date() - INTERVAL '5' DAY"),
                "(- (call current_date) (interval ((lit STRING '5') DAY)))");
  ASSERT_EQ_STR(sqlt_expr("interval"), "(col `interval`)"); /* a column named interval */
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT INTERVAL 5", &pos), "expected interval unit");
  ASSERT_CONTAINS(sqlt_error("SELECT INTERVAL 1e3 DAY", &pos), "must be an integer or decimal number");
  ASSERT_CONTAINS(sqlt_error("SELECT INTERVAL '1' YEAR TO FOO", &pos), "expected interval unit");
}

TEST(sql_expr_predicates) {
  ASSERT_EQ_STR(sqlt_expr("a IS NOT NULL"), "(is-not-null (col a))");
  ASSERT_EQ_STR(sqlt_expr("a IS TRUE"), "(is-true (col a))");
  ASSERT_EQ_STR(sqlt_expr("a IS NOT UNKNOWN"), "(is-not-unknown (col a))");
  ASSERT_EQ_STR(sqlt_expr("a IS NOT DISTINCT FROM b + 1"), "(is-not-distinct-from (col a) (+ (col b) (lit INT 1)))");
  ASSERT_EQ_STR(sqlt_expr("a NOT BETWEEN 1 AND 2"), "(not-between (col a) (lit INT 1) (lit INT 2))");
  ASSERT_EQ_STR(sqlt_expr("a IN (1, 'x')"), "(in (col a) (list (lit INT 1) (lit STRING 'x')))");
  ASSERT_EQ_STR(sqlt_expr("a NOT IN (SELECT b FROM t)"), "(not-in (col a) (select (items (col b)) (from (table t))))");
  ASSERT_EQ_STR(sqlt_expr("a IN ((SELECT 1), 2)"),
                "(in (col a) (list (subquery (select (items (lit INT 1)))) (lit INT 2)))");
  ASSERT_EQ_STR(sqlt_expr("a IN ((SELECT 1) UNION (SELECT 2))"),
                "(in (col a) (union (select (items (lit INT 1))) (select (items (lit INT 2)))))");
  ASSERT_EQ_STR(sqlt_expr("a LIKE 'x!%' ESCAPE '!'"), "(like (col a) (lit STRING 'x!%') (escape (lit STRING '!')))");
  ASSERT_EQ_STR(sqlt_expr("a NOT ILIKE 'x'"), "(not-ilike (col a) (lit STRING 'x'))");
  ASSERT_EQ_STR(sqlt_expr("a REGEXP '^x'"), "(rlike (col a) (lit STRING '^x'))");
  ASSERT_EQ_STR(sqlt_expr("a LIKE ANY ('a%', 'b%')"), "(like-any (col a) (lit STRING 'a%') (lit STRING 'b%'))");
  ASSERT_EQ_STR(sqlt_expr("a NOT LIKE ALL ('a%')"), "(not-like-all (col a) (lit STRING 'a%'))");
  ASSERT_EQ_STR(sqlt_expr("a ILIKE SOME ('a%')"), "(ilike-any (col a) (lit STRING 'a%'))");
  ASSERT_EQ_STR(sqlt_expr("(a, b) IN ((1, 2))"), "(in (row (col a) (col b)) (list (row (lit INT 1) (lit INT 2))))");
  ASSERT_EQ_STR(sqlt_expr("a <=> b"), "(<=> (col a) (col b))");
  ASSERT_EQ_STR(sqlt_expr("a == b AND a != b"), "(AND (= (col a) (col b)) (<> (col a) (col b)))");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT a LIKE ANY ()", &pos), "LIKE ANY needs at least one pattern");
  ASSERT_CONTAINS(sqlt_error("SELECT a NOT NULL", &pos), "near 'NOT'");
  ASSERT_CONTAINS(sqlt_error("SELECT a IS 5", &pos), "expected NOT, NULL, TRUE, FALSE, UNKNOWN or DISTINCT");
}

TEST(sql_expr_case_cast) {
  ASSERT_EQ_STR(sqlt_expr("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"),
                "(case (when (col a) (lit INT 1)) (when (col b) (lit INT 2)) (else (lit INT 3)))");
  ASSERT_EQ_STR(sqlt_expr("CASE x WHEN 1 THEN 'a' END"), "(case (col x) (when (lit INT 1) (lit STRING 'a')))");
  ASSERT_EQ_STR(sqlt_expr("CAST(a AS DECIMAL(10, 2))"), "(cast (col a) DECIMAL(10,2))");
  ASSERT_EQ_STR(sqlt_expr("TRY_CAST(a AS bigint)"), "(try_cast (col a) BIGINT)");
  ASSERT_EQ_STR(sqlt_expr("a::int + 1"), "(+ (cast (col a) INT) (lit INT 1))");
  ASSERT_EQ_STR(sqlt_expr("-a::int"), "(neg (cast (col a) INT))");
  ASSERT_EQ_STR(sqlt_expr("-1::string"), "(cast (lit INT -1) STRING)");
  ASSERT_EQ_STR(sqlt_expr("CAST(m AS MAP<STRING, ARRAY<INT>>)"), "(cast (col m) MAP<STRING, ARRAY<INT>>)");
  ASSERT_EQ_STR(sqlt_expr("a::STRUCT<x: INT, `y z`: STRING>"), "(cast (col a) STRUCT<x: INT, `y z`: STRING>)");
  ASSERT_EQ_STR(sqlt_print("SELECT a::varchar(10)"), "SELECT CAST(a AS STRING)");
  int pos;
  ASSERT_EQ_STR(sqlt_error("SELECT CAST(a AS INTX)", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 18 near 'INTX': invalid type: unknown type");
  ASSERT_CONTAINS(sqlt_error("SELECT CAST(a AS DECIMAL(50))", &pos), "DECIMAL precision must be 1..38");
  ASSERT_CONTAINS(sqlt_error("SELECT CASE END", &pos), "near 'END': expected WHEN");
  ASSERT_CONTAINS(sqlt_error("SELECT CASE WHEN a THEN b", &pos), "expected AND, OR, WHEN, ELSE or END");
}

TEST(sql_expr_function_calls) {
  ASSERT_EQ_STR(sqlt_expr("count(*)"), "(call count *)");
  ASSERT_EQ_STR(sqlt_expr("count(DISTINCT a, b)"), "(call count distinct (col a) (col b))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) FILTER (WHERE x > 0)"), "(call sum (col x) (filter (> (col x) (lit INT 0))))");
  ASSERT_EQ_STR(sqlt_expr("first(x) IGNORE NULLS"), "(call first (col x) ignore-nulls)");
  ASSERT_EQ_STR(sqlt_expr("first(x IGNORE NULLS)"), "(call first (col x) ignore-nulls)");
  ASSERT_EQ_STR(sqlt_expr("lag(x) RESPECT NULLS OVER (ORDER BY t)"),
                "(call lag (col x) respect-nulls (over (order (col t))))");
  ASSERT_EQ_STR(sqlt_expr("percentile_cont(0.5) WITHIN GROUP (ORDER BY x DESC)"),
                "(call percentile_cont (lit DECIMAL(1,1) 0.5) (within-group ((col x) desc)))");
  ASSERT_EQ_STR(sqlt_expr("db.fn(1)"), "(call db.fn (lit INT 1))");
  ASSERT_EQ_STR(sqlt_expr("read_files('p', format => 'csv', header => true)"),
                "(call read_files (lit STRING 'p') (=> format (lit STRING 'csv')) (=> header (lit BOOL TRUE)))");
  ASSERT_EQ_STR(sqlt_expr("f(`cloudFiles.maxFilesPerTrigger` => 100)"),
                "(call f (=> `cloudFiles.maxFilesPerTrigger` (lit INT 100)))");
  ASSERT_EQ_STR(sqlt_expr("event_log(TABLE(x))"), "(call event_log (table-arg x))");
  ASSERT_EQ_STR(sqlt_expr("f(TABLE s.t)"), "(call f (table-arg s.t))");
  ASSERT_EQ_STR(sqlt_expr("f(TABLE(SELECT 1))"), "(call f (table-arg (select (items (lit INT 1)))))");
  ASSERT_EQ_STR(sqlt_expr("struct(a, b)"), "(call struct (col a) (col b))");
  ASSERT_EQ_STR(sqlt_expr("map('k', array(1))"), "(call map (lit STRING 'k') (call array (lit INT 1)))");
  ASSERT_EQ_STR(sqlt_expr("left(s, 2)"), "(call left (col s) (lit INT 2))");
  ASSERT_EQ_STR(sqlt_expr("any(b)"), "(call any (col b))");
  ASSERT_EQ_STR(sqlt_expr("`cast`(x)"), "(call cast (col x))");
  ASSERT_EQ_STR(sqlt_print("SELECT `cast`(x), `exists`(x), current_date(), left(a, 1)"),
                "SELECT `cast`(x), `exists`(x), current_date(), left(a, 1)");
}

TEST(sql_expr_windows) {
  ASSERT_EQ_STR(sqlt_expr("row_number() OVER w"), "(call row_number (over w))");
  ASSERT_EQ_STR(sqlt_expr("row_number() OVER (w)"), "(call row_number (over w))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) OVER (PARTITION BY a, b ORDER BY c DESC NULLS LAST)"),
                "(call sum (col x) (over (partition (col a) (col b)) (order ((col c) desc nulls-last))))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) OVER (ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"),
                "(call sum (col x) (over (order (col c)) (rows unbounded-preceding current-row)))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) OVER (ORDER BY c RANGE BETWEEN 1 PRECEDING AND 2 FOLLOWING)"),
                "(call sum (col x) (over (order (col c)) (range (preceding (lit INT 1)) (following (lit INT 2)))))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) OVER (ROWS 3 PRECEDING)"),
                "(call sum (col x) (over (rows (preceding (lit INT 3)))))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) OVER (ORDER BY t RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND UNBOUNDED FOLLOWING)"),
                "(call sum (col x) (over (order (col t)) (range (preceding (interval ((lit INT 1) DAY))) "
                "unbounded-following)))");
  ASSERT_EQ_STR(sqlt_expr("sum(x) OVER ()"), "(call sum (col x) (over))");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT sum(x) OVER (ROWS BETWEEN 1 AND 2)", &pos), "expected PRECEDING or FOLLOWING");
}

TEST(sql_expr_lambdas_and_access) {
  ASSERT_EQ_STR(sqlt_expr("transform(a, x -> x + 1)"),
                "(call transform (col a) (lambda (x) (+ (col x) (lit INT 1))))");
  ASSERT_EQ_STR(sqlt_expr("aggregate(a, 0, (acc, x) -> acc + x)"),
                "(call aggregate (col a) (lit INT 0) (lambda (acc x) (+ (col acc) (col x))))");
  ASSERT_EQ_STR(sqlt_expr("exists(a, x -> x > 1)"), "(call exists (col a) (lambda (x) (> (col x) (lit INT 1))))");
  ASSERT_EQ_STR(sqlt_expr("a.b.c"), "(col a.b.c)");
  ASSERT_EQ_STR(sqlt_expr("a[0]"), "(idx (col a) (lit INT 0))");
  ASSERT_EQ_STR(sqlt_expr("m['k'].f[1]"), "(idx (field (idx (col m) (lit STRING 'k')) f) (lit INT 1))");
  ASSERT_EQ_STR(sqlt_expr("f(x).y"), "(field (call f (col x)) y)");
  ASSERT_EQ_STR(sqlt_expr("(a).b"), "(field (col a) b)");
  ASSERT_EQ_STR(sqlt_expr("a.end"), "(col a.`end`)");
  ASSERT_EQ_STR(sqlt_expr("raw:store.bicycle"), "(json (col raw) store.bicycle)");
  ASSERT_EQ_STR(sqlt_expr("raw:store.fruit[0].kind"), "(json (col raw) store.fruit[0].kind)");
  ASSERT_EQ_STR(sqlt_expr("raw:['owner']"), "(json (col raw) ['owner'])");
  ASSERT_EQ_STR(sqlt_expr("raw:basket[*][1]"), "(json (col raw) basket[*][1])");
  ASSERT_EQ_STR(sqlt_expr("raw:price::double"), "(cast (json (col raw) price) DOUBLE)");
  ASSERT_EQ_STR(sqlt_expr("t.raw:`Zip Code`"), "(json (col t.raw) ['Zip Code'])");
  ASSERT_EQ_STR(sqlt_print("SELECT raw:`Zip Code`, (raw:a).b, raw:a.b"), "SELECT raw:['Zip Code'], (raw:a).b, raw:a.b");
  ASSERT_EQ_STR(sqlt_expr("?"), "(param 1)");
  ASSERT_EQ_STR(sqlt_print("SELECT ?, ?, :p, a = :q"), "SELECT ?, ?, :p, a = :q");
  ASSERT_EQ_STR(sqlt_expr("(a, b)"), "(row (col a) (col b))");
  ASSERT_EQ_STR(sqlt_expr("((a))"), "(col a)");
}

TEST(sql_expr_special_forms) {
  ASSERT_EQ_STR(sqlt_expr("current_date"), "(call current_date no-parens)");
  ASSERT_EQ_STR(sqlt_expr("CURRENT_TIMESTAMP"), "(call current_timestamp no-parens)");
  ASSERT_EQ_STR(sqlt_expr("current_date()"), "(call current_date)");
  ASSERT_EQ_STR(sqlt_expr("user"), "(call user no-parens)");
  ASSERT_EQ_STR(sqlt_expr("EXTRACT(YEAR FROM d)"), "(extract YEAR (col d))");
  ASSERT_EQ_STR(sqlt_expr("POSITION('a' IN s)"), "(call position (lit STRING 'a') (col s))");
  ASSERT_EQ_STR(sqlt_expr("SUBSTRING(s FROM 2 FOR 3)"), "(call substring (col s) (lit INT 2) (lit INT 3))");
  ASSERT_EQ_STR(sqlt_expr("substr(s FROM 2)"), "(call substr (col s) (lit INT 2))");
  ASSERT_EQ_STR(sqlt_expr("TRIM(BOTH 'x' FROM s)"), "(call trim both (col s) (lit STRING 'x'))");
  ASSERT_EQ_STR(sqlt_expr("TRIM(LEADING FROM s)"), "(call trim leading (col s))");
  ASSERT_EQ_STR(sqlt_expr("TRIM('y' FROM s)"), "(call trim both (col s) (lit STRING 'y'))");
  ASSERT_EQ_STR(sqlt_expr("trim(s)"), "(call trim (col s))");
  ASSERT_EQ_STR(sqlt_print("SELECT TRIM(TRAILING 'z' FROM s), POSITION(a IN b), position(x IN (1), y)"),
                "SELECT TRIM(TRAILING 'z' FROM s), position(a, b), position((x IN (1)), y)");
  ASSERT_EQ_STR(sqlt_expr("EXISTS (SELECT 1)"), "(exists (select (items (lit INT 1))))");
  ASSERT_EQ_STR(sqlt_expr("(SELECT max(a) FROM t)"), "(subquery (select (items (call max (col a))) (from (table t))))");
  ASSERT_EQ_STR(sqlt_expr("((SELECT 1)) + 1"), "(+ (subquery (select (items (lit INT 1)))) (lit INT 1))");
  ASSERT_EQ_STR(sqlt_expr("* EXCEPT (a, b.c)"), "(star (except a b.c))");
  ASSERT_EQ_STR(sqlt_expr("t.* EXCEPT (a)"), "(star t (except a))");
}

TEST(sql_expr_positions) {
  arena *ar = arena_new("t", 1024);
  /*                             0123456789012345678901234567890 */
  sql_stmt *s = sqlt_parse(ar, "SELECT a + bb * 2, f(x) OVER w FROM t");
  const sql_expr *e = s->query->select.items[0].expr;
  ASSERT_EQ_INT(e->pos, 7);
  ASSERT_EQ_INT(e->len, 10);
  ASSERT_EQ_INT(e->binary.right->pos, 11);
  ASSERT_EQ_INT(e->binary.right->len, 6);
  ASSERT_EQ_INT(e->height, 3);
  const sql_expr *f = s->query->select.items[1].expr;
  ASSERT_EQ_INT(f->pos, 19);
  ASSERT_EQ_INT(f->len, 11);
  ASSERT_EQ_INT(f->func.name.parts[0].pos, 19);
  ASSERT_EQ_INT(s->pos, 0);
  ASSERT_EQ_INT(s->len, 37);
  ASSERT_EQ_INT(s->query->select.from[0]->pos, 36);
  arena_free(ar);
}

TEST(sql_expr_identifiers_case) {
  ASSERT(sql_ident_eq("Abc", "aBC"));
  ASSERT(!sql_ident_eq("abc", "abd"));
  ASSERT(!sql_ident_eq("abc", "ab"));
  arena *ar = arena_new("t", 1024);
  sql_stmt *s = sqlt_parse(ar, "SELECT MyCol, `My Col`, `a``b` FROM T");
  sql_select_item *it = s->query->select.items;
  ASSERT_EQ_STR(it[0].expr->column.name.parts[0].name, "MyCol");
  ASSERT(!it[0].expr->column.name.parts[0].quoted);
  ASSERT_EQ_STR(it[1].expr->column.name.parts[0].name, "My Col");
  ASSERT(it[1].expr->column.name.parts[0].quoted);
  ASSERT_EQ_STR(it[2].expr->column.name.parts[0].name, "a`b");
  ASSERT(sql_ident_eq(it[0].expr->column.name.parts[0].name, "mycol"));
  arena_free(ar);
  ASSERT_EQ_STR(sqlt_print("SELECT `a``b`, `select`, `ok`, `1a`"), "SELECT `a``b`, `select`, ok, `1a`");
}
