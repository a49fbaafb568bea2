SELECT a AS date, b AS value FROM t;
