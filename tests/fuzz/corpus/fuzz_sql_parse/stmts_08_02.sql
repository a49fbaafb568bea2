SELECT * FROM table_changes('t', 0, 10);
SELECT * FROM cloud_files('p', 'json', map('a', 'b'));
SELECT * FROM event_log(TABLE(x));
SELECT * FROM event_log(TABLE(SELECT * FROM x));
SELECT * FROM STREAM read_files('/in', format => 'json');
SELECT * FROM STREAM(t);
SELECT * FROM STREAM t;
SELECT * FROM STREAM(LIVE.t) AS s;
