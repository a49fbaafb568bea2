SELECT raw:store.bicycle, raw:store.fruit[0], raw:['owner'], raw:store.basket[*][0], raw:price::DOUBLE, details:flow_progress.data_quality.expectations;
SELECT struct(a, b), array(1, 2, 3), map('k', 1), named_struct('x', 1, 'y', 2), map_from_arrays(k, v);
SELECT current_date, current_timestamp, current_date(), current_timestamp(), current_user, user, session_user;
SELECT EXTRACT(YEAR FROM d), EXTRACT(dow FROM ts), POSITION('a' IN s), TRIM(s), TRIM(BOTH 'x' FROM s), TRIM(LEADING FROM s), TRIM(TRAILING 'y' FROM s), TRIM('z' FROM s);
SELECT SUBSTRING(s FROM 2 FOR 3), SUBSTRING(s FROM 2), substring(s, 1, 2), substr(s, 3), left(s, 2), right(s, 2), position('b', s);
SELECT read_files('/x', format => 'csv', header => TRUE), f(`cloudFiles.maxFilesPerTrigger` => 100);
SELECT * EXCEPT (a, b), t.*, t.* EXCEPT (c), s.t.* FROM t;
SELECT a AS x, b y, c AS `with space`, explode(m) AS (k, v) FROM t;
