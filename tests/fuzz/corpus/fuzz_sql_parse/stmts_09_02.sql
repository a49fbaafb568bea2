CONVERT TO DELTA s.t;
COPY INTO t FROM '/landing/x' FILEFORMAT = CSV;
COPY INTO t FROM '/landing/x' FILEFORMAT = json FILES = ('a.json', 'b.json') FORMAT_OPTIONS ('multiLine' = 'true') COPY_OPTIONS ('mergeSchema' = 'true');
COPY INTO t FROM (SELECT _c0::INT AS id, _c1 AS name FROM '/landing/csv') FILEFORMAT = CSV PATTERN = '*.csv' FORMAT_OPTIONS ('header' = 'false');
SET;
SET -v;
SET spark.sql.shuffle.partitions;
SET spark.sql.shuffle.partitions = 8;
