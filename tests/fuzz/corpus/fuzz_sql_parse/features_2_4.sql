SELECT * FROM events VERSION AS OF 123;
SELECT * FROM events TIMESTAMP AS OF '2018-10-18T22:15:12.013Z';
SELECT * FROM events TIMESTAMP AS OF current_timestamp() - INTERVAL 12 HOURS;
SELECT * FROM events TIMESTAMP AS OF date_sub(current_date(), 1);
SELECT * FROM delta.`/data/events` VERSION AS OF 5;         -- path-based table
SELECT * FROM events@v123;                                   -- Spark 4.3+/Databricks shorthand
-- Not allowed: subqueries as the version/timestamp expression.
