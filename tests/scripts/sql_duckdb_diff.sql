-- Queries run by tests/scripts/sql_duckdb_diff.sh on lago and on DuckDB over the same upsell data
-- (tables c = customers, t = transactions, cdc = transactions CDC batch 1). One query per statement;
-- the dialect is the part Spark SQL and DuckDB share. Results are compared as multisets, numbers
-- within a relative 1e-9.
SELECT product, channel, count(*), sum(amount), min(created_at), max(points), count(DISTINCT customer_id) FROM t GROUP BY product, channel;
SELECT c.customer_id, c.name, count(*) AS n, sum(t.points) AS pts, sum(t.amount) AS amt FROM t JOIN c ON t.customer_id = c.customer_id GROUP BY c.customer_id, c.name ORDER BY pts DESC, c.customer_id LIMIT 50;
SELECT customer_id, transaction_id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at, transaction_id) AS rn, sum(amount) OVER (PARTITION BY customer_id ORDER BY created_at, transaction_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running, rank() OVER (PARTITION BY customer_id ORDER BY points DESC) AS rk FROM t WHERE customer_id < 40;
SELECT customer_id, name FROM c WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.customer_id = c.customer_id);
SELECT count(*) FROM c WHERE customer_id IN (SELECT customer_id FROM t WHERE amount > 900);
SELECT count(*) FROM t WHERE customer_id NOT IN (SELECT customer_id FROM c WHERE points > 500);
SELECT customer_id FROM c EXCEPT SELECT customer_id FROM t WHERE channel = 'web';
SELECT customer_id FROM c INTERSECT SELECT customer_id FROM t WHERE product LIKE 'c%';
SELECT c.customer_id, coalesce(sum(t.amount), 0) AS total, CASE WHEN count(t.transaction_id) > 5 THEN 'many' WHEN count(t.transaction_id) > 0 THEN 'some' ELSE 'none' END AS band FROM c LEFT JOIN t ON t.customer_id = c.customer_id AND t.channel = 'store' GROUP BY c.customer_id;
SELECT date_trunc('month', created_at) AS m, count(DISTINCT customer_id) AS buyers, sum(points) FROM t GROUP BY date_trunc('month', created_at) HAVING count(*) > 10;
SELECT transaction_id, amount FROM t WHERE amount > (SELECT avg(amount) * 1.9 FROM t);
SELECT DISTINCT channel FROM t UNION ALL SELECT DISTINCT product FROM t;
SELECT upper(substring(name, 1, 3)) AS p, length(email), email LIKE '%@%' AS has_at FROM c WHERE customer_id % 97 = 0;
WITH per AS (SELECT customer_id, count(*) AS n FROM t GROUP BY customer_id) SELECT customer_id, n, (SELECT max(n) FROM per) - n AS gap FROM per WHERE n >= 3;
SELECT t1.customer_id, t1.transaction_id, (SELECT count(*) FROM t t2 WHERE t2.customer_id = t1.customer_id) AS n FROM t t1 WHERE t1.customer_id < 30;
SELECT op, count(*), count(DISTINCT transaction_id) FROM (SELECT * FROM cdc QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY modified_at DESC) = 1) GROUP BY op;
SELECT a.customer_id, b.customer_id FROM c a FULL OUTER JOIN (SELECT DISTINCT customer_id FROM t WHERE points < 3) b ON a.customer_id = b.customer_id WHERE a.customer_id IS NULL OR b.customer_id IS NULL OR a.customer_id < 20;
SELECT channel, product, points, count(*) FROM t WHERE points BETWEEN 10 AND 20 AND (channel = 'web' OR product IN ('coffee', 'tea')) GROUP BY channel, product, points;
SELECT customer_id, count(*) AS n, min(amount), max(amount), avg(points), max(created_at) FROM t GROUP BY customer_id HAVING count(*) > 1;
SELECT x, count(*) FROM (SELECT CASE WHEN amount < 100 THEN 'low' WHEN amount < 500 THEN 'mid' ELSE 'high' END AS x FROM t) GROUP BY x ORDER BY x;
-- generators in the SELECT list (Spark's explode is DuckDB's unnest; sql_diff.mjs renames it)
SELECT customer_id, explode(array_agg(points)) AS x, count(*) AS n FROM t WHERE customer_id < 50 GROUP BY customer_id;
SELECT DISTINCT explode(array_agg(channel)) AS ch FROM t;
SELECT p, count(*) FROM (SELECT customer_id, explode(array_agg(product)) AS p FROM t GROUP BY customer_id) GROUP BY p;
SELECT customer_id, explode(array_agg(amount)) AS a FROM t GROUP BY customer_id ORDER BY a DESC, customer_id LIMIT 20;
-- ROLLUP / CUBE / GROUPING SETS with grouping(); DuckDB's grouping_id(a, b) is Spark's with the full key list
SELECT product, channel, count(*), sum(amount), count(DISTINCT customer_id), grouping(product), grouping(channel) FROM t GROUP BY ROLLUP(product, channel);
SELECT product, channel, sum(points), min(created_at), grouping_id(product, channel) FROM t GROUP BY CUBE(product, channel);
SELECT channel, date_trunc('month', created_at) AS m, count(*), max(amount) FROM t GROUP BY GROUPING SETS ((channel, date_trunc('month', created_at)), (channel), ());
SELECT channel, product, avg(amount), min(points) FROM t WHERE points < 50 GROUP BY channel, ROLLUP(product) HAVING grouping(product) = 1 OR count(*) > 100;
SELECT c.customer_id % 3 AS g, t.channel, count(*), sum(t.amount) FROM t JOIN c ON t.customer_id = c.customer_id GROUP BY CUBE(c.customer_id % 3, t.channel);
