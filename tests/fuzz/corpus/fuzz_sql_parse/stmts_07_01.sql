SELECT * FROM a, b, c WHERE a.x = b.x;
SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.y = b.y;
SELECT * FROM (a JOIN b ON a.x = b.x) AS ab;
SELECT * FROM t AS x JOIN u y ON x.a = y.a;
SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.a = t.a) l;
SELECT * FROM t JOIN LATERAL (SELECT t.a) AS l ON TRUE;
SELECT * FROM t LATERAL VIEW explode(arr) e AS x;
SELECT * FROM t LATERAL VIEW OUTER explode(m) e AS k, v LATERAL VIEW posexplode(a) p AS pos, val;
