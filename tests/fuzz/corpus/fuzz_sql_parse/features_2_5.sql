SELECT * FROM table_changes('events', 0, 10);                                  -- versions, inclusive
SELECT * FROM table_changes('events', '2021-04-21 05:45:46', '2021-05-21 12:00:00');
SELECT * FROM table_changes('events', 5);                                      -- 5 .. latest
SELECT * FROM table_changes('db.`dotted.name`', 3);
SELECT * FROM table_changes_by_path('/data/events', '2021-04-21 05:45:46');
-- Columns added: _change_type ('insert'|'update_preimage'|'update_postimage'|'delete'),
--                _commit_version BIGINT, _commit_timestamp TIMESTAMP
