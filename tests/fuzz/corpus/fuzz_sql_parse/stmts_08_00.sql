-- table references
SELECT * FROM delta.`/data/events`;
SELECT * FROM parquet.`/data/p`, csv.`/x.csv`, json.`s3://b/k/`;
SELECT * FROM events VERSION AS OF 3;
SELECT * FROM events TIMESTAMP AS OF '2024-01-01';
SELECT * FROM events TIMESTAMP AS OF current_timestamp() - INTERVAL 12 HOURS;
SELECT * FROM events FOR SYSTEM_VERSION AS OF 3 AS e;
SELECT * FROM events FOR SYSTEM_TIME AS OF '2024-01-01';
SELECT * FROM events@v3;
