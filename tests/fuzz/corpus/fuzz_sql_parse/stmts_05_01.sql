SELECT CAST(a AS INT), TRY_CAST(b AS DECIMAL(10,2)), c::STRING, d::ARRAY<INT>, CAST(e AS MAP<STRING, ARRAY<STRUCT<x: INT, y: STRING>>>), -1::STRING;
SELECT EXISTS (SELECT 1 FROM t WHERE t.a = u.a), (SELECT max(b) FROM t), NOT EXISTS (SELECT * FROM v);
SELECT count(*), count(DISTINCT a), count(ALL b), sum(x) FILTER (WHERE x > 0), first(x) IGNORE NULLS, last(y, TRUE), any_value(z) RESPECT NULLS;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), lag(x, 1) OVER (PARTITION BY a ORDER BY b), row_number() OVER w;
SELECT sum(x) OVER (PARTITION BY a, b ORDER BY c DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
SELECT sum(x) OVER (ORDER BY c RANGE BETWEEN 10 PRECEDING AND 5 FOLLOWING), avg(x) OVER (ROWS 3 PRECEDING), min(x) OVER (ORDER BY t RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND UNBOUNDED FOLLOWING);
SELECT transform(arr, x -> x + 1), filter(arr, x -> x > 0), aggregate(arr, 0, (acc, x) -> acc + x), exists(arr, x -> x IS NULL), zip_with(a, b, (x, y) -> x * y);
SELECT a.b.c, a[0], m['k'], a[0].b, s.arr[1].f, f(x).y, (a).b;
