-- identifiers and names
SELECT a, `b c`, `we``ird`, t.a, s.t.a, c.s.t.a FROM c.s.t;
SELECT date, timestamp, value, key, year, month, comment, location, type, time, `user` FROM t;
SELECT `select`, `from`.`where` FROM `table`;
SELECT * FROM LIVE.orders;
USE CATALOG main;
USE SCHEMA sales;
USE DATABASE sales;
USE main.sales;
