DELETE FROM events WHERE event_date < '2017-01-01';
UPDATE people SET gender = 'Female' WHERE gender = 'F';
INSERT INTO events REPLACE WHERE start_date >= '2017-01-01' AND start_date < '2017-02-01' SELECT * FROM fixes;
INSERT WITH SCHEMA EVOLUTION INTO target_table SELECT * FROM source_table;
INSERT OVERWRITE events SELECT * FROM staging;

OPTIMIZE events;                                   -- bin-packing
OPTIMIZE events WHERE date >= '2024-01-01' ZORDER BY (event_type, user_id);
VACUUM events;                                     -- default retention (7 days)
VACUUM events RETAIN 240 HOURS DRY RUN;
VACUUM events LITE;
RESTORE TABLE events TO VERSION AS OF 42;
RESTORE TABLE events TO TIMESTAMP AS OF '2024-05-01 00:00:00';
DESCRIBE HISTORY events;
DESCRIBE HISTORY events LIMIT 1;
DESCRIBE DETAIL events;
CREATE TABLE events_dev SHALLOW CLONE events VERSION AS OF 42;
CREATE OR REPLACE TABLE events_bak DEEP CLONE events;
ALTER TABLE events SET TBLPROPERTIES (delta.enableChangeDataFeed = true,
                                      delta.deletedFileRetentionDuration = 'interval 30 days');
ALTER TABLE events ADD CONSTRAINT valid_date CHECK (event_date > '1900-01-01');
CONVERT TO DELTA parquet.`/data/events` PARTITIONED BY (date DATE);
