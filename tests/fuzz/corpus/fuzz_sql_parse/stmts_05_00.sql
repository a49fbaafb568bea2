-- operators and precedence
SELECT a OR b AND c, NOT a = b, -2 * 3, a || b + c, 1 - 2 - 3, x BETWEEN 1 AND 2 AND y;
SELECT a + b * c - d / e % f DIV g, a & b | c ^ d, a << 2, a >> 1, a >>> 1, ~a, -a, +a, - -a, -(-a), -(2);
SELECT a = b, a == b, a <> b, a != b, a < b, a <= b, a > b, a >= b, a <=> b, !a, NOT NOT a;
SELECT a IS NULL, a IS NOT NULL, a IS TRUE, a IS NOT FALSE, a IS UNKNOWN, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b;
SELECT a BETWEEN 1 AND 10, a NOT BETWEEN b AND c, a IN (1, 2, 3), a NOT IN ('x'), a IN (SELECT b FROM u), (a, b) IN ((1, 2), (3, 4));
SELECT a LIKE 'x%', a NOT LIKE 'y' ESCAPE '!', a ILIKE 'Z%', a RLIKE '^a', a REGEXP 'b+', a NOT RLIKE 'c', a LIKE ANY ('a%', 'b%'), a LIKE ALL ('%x%', '%y%'), a NOT ILIKE SOME ('q');
SELECT (a + b) * c, a + (b * c), (a OR b) AND c, a - (b - c), (a = b) = c, a = (b = c), (a IS NULL) IS NULL;
SELECT CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END, CASE a WHEN 1 THEN 'one' END;
