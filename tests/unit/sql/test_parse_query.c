/*
** tests/unit/sql/test_parse_query.c: queries: SELECT clauses, set
** operations and their precedence, ORDER BY / LIMIT placement, CTEs, joins,
** table references (paths, time travel, table functions, STREAM, LATERAL
** VIEW, TABLESAMPLE, VALUES) and the keyword policy for names.
*/
#include "sqltest.h"

TEST(sql_query_select_clauses) {
  ASSERT_EQ_STR(sqlt_dump("SELECT DISTINCT a, b AS x, c y FROM t WHERE a > 1 GROUP BY a HAVING count(*) > 2 "
                          "ORDER BY a DESC, b LIMIT 10 OFFSET 5"),
                "(QUERY (query (select distinct (items (col a) (as (col b) x) (as (col c) y)) (from (table t)) "
                "(where (> (col a) (lit INT 1))) (group (col a)) (having (> (call count *) (lit INT 2)))) "
                "(order ((col a) desc) (col b)) (limit (lit INT 10)) (offset (lit INT 5))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT 1"), "(QUERY (select (items (lit INT 1))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT ALL a FROM t"), "(QUERY (select (items (col a)) (from (table t))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t OFFSET 3"),
                "(QUERY (query (select (items (col a)) (from (table t))) (offset (lit INT 3))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t LIMIT ALL"),
                "(QUERY (query (select (items (col a)) (from (table t))) (limit ALL)))");
  ASSERT_EQ_STR(sqlt_dump("SELECT explode(m) AS (k, v) FROM t"),
                "(QUERY (select (items (as (call explode (col m)) k v)) (from (table t))))");
}

TEST(sql_query_group_by_forms) {
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY 1, a + 1"),
                "(QUERY (select (items (col a)) (from (table t)) (group (lit INT 1) (+ (col a) (lit INT 1)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY ALL ORDER BY ALL"),
                "(QUERY (query (select (items (col a)) (from (table t)) (group ALL)) (order ALL)))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t ORDER BY ALL DESC NULLS FIRST"),
                "(QUERY (query (select (items (col a)) (from (table t))) (order (ALL desc nulls-first))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY ROLLUP(a, (b, c))"),
                "(QUERY (select (items (col a)) (from (table t)) (group (rollup ((col a)) ((col b) (col c))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY CUBE(a, b)"),
                "(QUERY (select (items (col a)) (from (table t)) (group (cube ((col a)) ((col b))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY GROUPING SETS ((a, b), a, ())"),
                "(QUERY (select (items (col a)) (from (table t)) (group (grouping-sets ((col a) (col b)) ((col a)) ()))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY a, b WITH ROLLUP"),
                "(QUERY (select (items (col a)) (from (table t)) (group (rollup ((col a)) ((col b))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t GROUP BY a, CUBE(b)"),
                "(QUERY (select (items (col a)) (from (table t)) (group (col a) (cube ((col b))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT rollup FROM t GROUP BY rollup"),
                "(QUERY (select (items (col rollup)) (from (table t)) (group (col rollup))))");
}

TEST(sql_query_window_qualify) {
  ASSERT_EQ_STR(sqlt_dump("SELECT row_number() OVER w AS rn FROM t WINDOW w AS (PARTITION BY a ORDER BY b) QUALIFY rn = 1"),
                "(QUERY (select (items (as (call row_number (over w)) rn)) (from (table t)) "
                "(window w (over (partition (col a)) (order (col b)))) (qualify (= (col rn) (lit INT 1)))))");
  ASSERT_EQ_STR(sqlt_print("SELECT a FROM t QUALIFY x > 1 WINDOW w AS (ORDER BY a)"),
                "SELECT a FROM t WINDOW w AS (ORDER BY a) QUALIFY x > 1");
  ASSERT_EQ_STR(sqlt_print("SELECT sum(a) OVER w FROM t ORDER BY a WINDOW w AS (ORDER BY b) LIMIT 2"),
                "SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY b) ORDER BY a LIMIT 2");
}

TEST(sql_query_set_operations) {
  ASSERT_EQ_STR(sqlt_dump("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3"),
                "(QUERY (union (select (items (lit INT 1))) (intersect (select (items (lit INT 2))) "
                "(select (items (lit INT 3))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT 1 EXCEPT SELECT 2 UNION ALL SELECT 3"),
                "(QUERY (union-all (except (select (items (lit INT 1))) (select (items (lit INT 2)))) "
                "(select (items (lit INT 3)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT 1 MINUS SELECT 2"),
                "(QUERY (except (select (items (lit INT 1))) (select (items (lit INT 2)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT 1 INTERSECT ALL SELECT 2 EXCEPT DISTINCT SELECT 3"),
                "(QUERY (except (intersect-all (select (items (lit INT 1))) (select (items (lit INT 2)))) "
                "(select (items (lit INT 3)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT 1 UNION (SELECT 2 UNION SELECT 3)"),
                "(QUERY (union (select (items (lit INT 1))) (union (select (items (lit INT 2))) "
                "(select (items (lit INT 3))))))");
  /* ORDER BY / LIMIT after a set operation belong to the whole of it */
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 2"),
                "(QUERY (query (union (select (items (col a)) (from (table t))) (select (items (col b)) "
                "(from (table u)))) (order (lit INT 1)) (limit (lit INT 2))))");
  ASSERT_EQ_STR(sqlt_dump("(SELECT a FROM t LIMIT 1) UNION ALL SELECT b FROM u"),
                "(QUERY (union-all (query (select (items (col a)) (from (table t))) (limit (lit INT 1))) "
                "(select (items (col b)) (from (table u)))))");
  /* a second ORDER BY on a parenthesised query is applied on top */
  ASSERT_EQ_STR(sqlt_dump("(SELECT a FROM t ORDER BY a LIMIT 3) ORDER BY a DESC"),
                "(QUERY (query (select (items (star)) (from (derived (query (select (items (col a)) "
                "(from (table t))) (order (col a)) (limit (lit INT 3)))))) (order ((col a) desc))))");
  ASSERT_EQ_STR(sqlt_print("SELECT 1 UNION (SELECT 2 INTERSECT SELECT 3) UNION (SELECT 4 UNION SELECT 5)"),
                "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 UNION (SELECT 4 UNION SELECT 5)");
  ASSERT_EQ_STR(sqlt_print("(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3"),
                "(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3");
}

TEST(sql_query_with_values_table) {
  ASSERT_EQ_STR(sqlt_dump("WITH x (a) AS (SELECT 1), y AS (SELECT 2) SELECT * FROM x"),
                "(QUERY (query (with (x a (select (items (lit INT 1)))) (y (select (items (lit INT 2))))) "
                "(select (items (star)) (from (table x)))))");
  ASSERT_EQ_STR(sqlt_dump("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r"),
                "(QUERY (query (with-recursive (r (select (items (lit INT 1))))) (select (items (star)) "
                "(from (table r)))))");
  ASSERT_EQ_STR(sqlt_dump("VALUES (1, 'a'), (2, 'b')"),
                "(QUERY (values ((lit INT 1) (lit STRING 'a')) ((lit INT 2) (lit STRING 'b'))))");
  ASSERT_EQ_STR(sqlt_dump("VALUES 1, 2"), "(QUERY (values ((lit INT 1)) ((lit INT 2))))");
  ASSERT_EQ_STR(sqlt_dump("TABLE s.t"), "(QUERY (table s.t))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM VALUES (1, 2) AS t(a, b)"),
                "(QUERY (select (items (star)) (from (derived (values ((lit INT 1) (lit INT 2))) (as t a b)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM VALUES (1) LIMIT 1"),
                "(QUERY (query (select (items (star)) (from (derived (values ((lit INT 1)))))) (limit (lit INT 1))))");
}

TEST(sql_query_joins) {
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM a JOIN b ON a.x = b.x"),
                "(QUERY (select (items (star)) (from (join inner (table a) (table b) (on (= (col a.x) (col b.x)))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM a LEFT OUTER JOIN b USING (k) RIGHT JOIN c ON TRUE FULL OUTER JOIN d ON FALSE"),
                "(QUERY (select (items (star)) (from (join full (join right (join left (table a) (table b) "
                "(using k)) (table c) (on (lit BOOL TRUE))) (table d) (on (lit BOOL FALSE))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM a CROSS JOIN b LEFT SEMI JOIN c ON p LEFT ANTI JOIN d ON q"),
                "(QUERY (select (items (star)) (from (join anti (join semi (join cross (table a) (table b)) "
                "(table c) (on (col p))) (table d) (on (col q))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM a NATURAL JOIN b, c"),
                "(QUERY (select (items (star)) (from (join natural-inner (table a) (table b)) (table c))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM a JOIN (b JOIN c ON p) ON q"),
                "(QUERY (select (items (star)) (from (join inner (table a) (join inner (table b) (table c) "
                "(on (col p))) (on (col q))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM (a JOIN b ON p) AS ab"),
                "(QUERY (select (items (star)) (from (join inner (table a) (table b) (on (col p)) (as ab)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t, LATERAL (SELECT t.a) AS l"),
                "(QUERY (select (items (star)) (from (table t) (lateral (select (items (col t.a))) (as l)))))");
  ASSERT_EQ_STR(sqlt_print("SELECT * FROM a JOIN (b JOIN c ON p) ON q"),
                "SELECT * FROM a JOIN (b JOIN c ON p) ON q");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM a NATURAL b", &pos), "column 25 near 'b': expected JOIN");
}

TEST(sql_query_table_refs) {
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM c.s.t AS x"),
                "(QUERY (select (items (star)) (from (table c.s.t (as x)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM delta.`/data/events` e"),
                "(QUERY (select (items (star)) (from (path delta.`/data/events` (as e)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM PARQUET.`s3://b/k`"),
                "(QUERY (select (items (star)) (from (path PARQUET.`s3://b/k`))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM mydb.`weird name`"),
                "(QUERY (select (items (star)) (from (table mydb.`weird name`))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM delta.`/p`, json.`s3:x`, delta.`x`, delta.current_user"),
                "(QUERY (select (items (star)) (from (path delta.`/p`) (path json.`s3:x`) (table delta.x) "
                "(table delta.`current_user`))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t VERSION AS OF 3"),
                "(QUERY (select (items (star)) (from (table t (version (lit INT 3))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t TIMESTAMP AS OF '2024-01-01' AS x"),
                "(QUERY (select (items (star)) (from (table t (timestamp (lit STRING '2024-01-01')) (as x)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t FOR SYSTEM_TIME AS OF current_timestamp() - INTERVAL 1 HOUR"),
                "(QUERY (select (items (star)) (from (table t (timestamp (- (call current_timestamp) "
                "(interval ((lit INT 1) HOUR))))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t@v123"), "(QUERY (select (items (star)) (from (table t (version (lit INT 123))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t@20240102030405678 AS x"),
                "(QUERY (select (items (star)) (from (table t (timestamp (lit STRING '2024-01-02 03:04:05.678')) "
                "(as x)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t TABLESAMPLE (10 PERCENT) s"),
                "(QUERY (select (items (star)) (from (table t (sample percent (lit INT 10)) (as s)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t TABLESAMPLE (BUCKET 1 OUT OF 4)"),
                "(QUERY (select (items (star)) (from (table t (sample bucket (lit INT 1) (lit INT 4))))))");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM t VERSION AS OF 1.5", &pos), "VERSION AS OF needs a table version");
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM t TIMESTAMP AS OF (SELECT max(ts) FROM u)", &pos),
                  "TIMESTAMP AS OF cannot use a subquery");
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM t@x", &pos), "expected v<version> or a yyyyMMddHHmmssSSS timestamp");
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM t@2024", &pos), "expected v<version>");
}

TEST(sql_query_table_functions_and_streams) {
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM range(10)"), "(QUERY (select (items (star)) (from (tvf (call range (lit INT 10))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM range(0, 4) AS r(id)"),
                "(QUERY (select (items (star)) (from (tvf (call range (lit INT 0) (lit INT 4)) (as r id)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM table_changes('t', 0, 10)"),
                "(QUERY (select (items (star)) (from (tvf (call table_changes (lit STRING 't') (lit INT 0) "
                "(lit INT 10))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM STREAM read_files('/in', format => 'json')"),
                "(QUERY (select (items (star)) (from (tvf (call read_files (lit STRING '/in') "
                "(=> format (lit STRING 'json'))) stream))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM STREAM(t)"), "(QUERY (select (items (star)) (from (table t stream))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM STREAM t s"), "(QUERY (select (items (star)) (from (table t stream (as s)))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM STREAM(LIVE.t)"), "(QUERY (select (items (star)) (from (table LIVE.t stream))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM STREAM(read_files('/x'))"),
                "(QUERY (select (items (star)) (from (tvf (call read_files (lit STRING '/x')) stream))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM stream"), "(QUERY (select (items (star)) (from (table stream))))");
  ASSERT_EQ_STR(sqlt_print("SELECT * FROM STREAM t, STREAM read_files('p')"),
                "SELECT * FROM STREAM(t), STREAM read_files('p')");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM t LATERAL VIEW OUTER explode(a) e AS x LATERAL VIEW posexplode(b) p AS i, v"),
                "(QUERY (select (items (star)) (from (table t)) (lateral-view-outer (call explode (col a)) e x) "
                "(lateral-view (call posexplode (col b)) p i v)))");
  int pos;
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM t LATERAL VIEW a e AS x", &pos), "LATERAL VIEW needs a generator function");
  ASSERT_EQ_INT(sqlt_error("SELECT * FROM t PIVOT (sum(a) FOR b IN (1))", &pos)[4] == 'L', 1);
  ASSERT_CONTAINS(sqlt_error("SELECT * FROM t PIVOT (sum(a) FOR b IN (1))", &pos), "LAGO_UNSUPPORTED");
}

TEST(sql_query_keyword_policy) {
  /* non-reserved keywords and type names are ordinary column names */
  ASSERT_EQ_STR(sqlt_dump("SELECT date, timestamp, value, key, year, month, comment, location, type, time FROM t"),
                "(QUERY (select (items (col date) (col timestamp) (col value) (col key) (col year) (col month) "
                "(col comment) (col location) (col type) (col time)) (from (table t))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a AS date, b AS limit FROM t"),
                "(QUERY (select (items (as (col a) date) (as (col b) limit)) (from (table t))))");
  /* clause keywords are not implicit aliases */
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t LIMIT 1"),
                "(QUERY (query (select (items (col a)) (from (table t))) (limit (lit INT 1))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a FROM t WINDOW w AS (ORDER BY a)"),
                "(QUERY (select (items (col a)) (from (table t)) (window w (over (order (col a))))))");
  ASSERT_EQ_STR(sqlt_dump("SELECT a comment FROM t"), "ERR LAGO_PARSE: syntax error at line 1, column 10 near "
                "'comment': expected AND, OR, AS, ',', FROM, WHERE, GROUP BY, HAVING, WINDOW, QUALIFY, INTERSECT, "
                "UNION, EXCEPT, MINUS, ORDER BY, LIMIT, OFFSET, ';' or end of input");
  ASSERT_EQ_STR(sqlt_dump("SELECT * FROM comment"), "(QUERY (select (items (star)) (from (table comment))))");
  /* reserved words need backquotes */
  int pos;
  ASSERT_EQ_STR(sqlt_error("SELECT a FROM t AS select", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 20 near 'select': expected identifier ('SELECT' is a "
                "reserved keyword: write `select` to use it as a name)");
  ASSERT_EQ_STR(sqlt_dump("SELECT `select` FROM `from`"), "(QUERY (select (items (col `select`)) (from (table `from`))))");
}
