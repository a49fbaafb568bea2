-- Bronze: incremental file ingestion (Auto Loader semantics), lineage column, protected from full refresh
CREATE OR REFRESH STREAMING TABLE orders_bronze
  COMMENT 'raw orders, one row per JSON record'
  TBLPROPERTIES ('pipelines.reset.allowed' = 'false')
AS SELECT *, _metadata.file_path AS source_file
FROM STREAM read_files(
  '/landing/orders/',
  format => 'json',
  schemaHints => 'amount DECIMAL(18,2)'
);

-- Legacy spelling still found in the wild (LIVE. prefix, cloud_files):
CREATE OR REFRESH STREAMING LIVE TABLE orders_bronze_legacy
AS SELECT * FROM cloud_files('/landing/orders/', 'json', map('cloudFiles.inferColumnTypes', 'true'));

-- Silver: expectations (warn / drop / fail)
CREATE OR REFRESH STREAMING TABLE orders_silver (
  CONSTRAINT valid_id      EXPECT (order_id IS NOT NULL)          ON VIOLATION FAIL UPDATE,
  CONSTRAINT positive_amt  EXPECT (amount > 0)                    ON VIOLATION DROP ROW,
  CONSTRAINT sane_date     EXPECT (order_date <= current_date())   -- warn: kept, counted
)
AS SELECT order_id, customer_id, CAST(amount AS DECIMAL(18,2)) AS amount, order_date
FROM STREAM(orders_bronze);

-- Gold: materialized view (always equals re-running the query; refreshed incrementally when possible)
CREATE OR REFRESH MATERIALIZED VIEW daily_revenue
AS SELECT order_date, sum(amount) AS revenue, count(*) AS n
FROM orders_silver GROUP BY order_date;

-- Pipeline-scoped view (not published)
CREATE TEMPORARY VIEW big_orders AS SELECT * FROM orders_silver WHERE amount > 1000;
-- (unpublished tables: CREATE OR REFRESH PRIVATE MATERIALIZED VIEW / PRIVATE STREAMING TABLE)

-- Several flows appending into one streaming table
CREATE OR REFRESH STREAMING TABLE customers_us;
CREATE FLOW us_west AS INSERT INTO customers_us BY NAME SELECT * FROM STREAM(customers_us_west);
CREATE FLOW us_east AS INSERT INTO customers_us BY NAME SELECT * FROM STREAM(customers_us_east);

-- CDC: SCD type 1 (current state). Target must be declared first.
CREATE OR REFRESH STREAMING TABLE customers;
CREATE FLOW customers_cdc AS AUTO CDC INTO customers
FROM STREAM(customers_cdc_feed)
KEYS (customer_id)
IGNORE NULL UPDATES
APPLY AS DELETE WHEN op = 'd'
APPLY AS TRUNCATE WHEN op = 't'                 -- SCD 1 only
SEQUENCE BY lsn                                 -- or STRUCT(ts, lsn) for tie-breaks
COLUMNS * EXCEPT (op, lsn, _rescued_data)
STORED AS SCD TYPE 1;

-- CDC: SCD type 2 (history) with tracked-column subset; adds __START_AT/__END_AT
CREATE OR REFRESH STREAMING TABLE customers_history;
CREATE FLOW customers_hist_cdc AS AUTO CDC INTO customers_history
FROM STREAM(customers_cdc_feed)
KEYS (customer_id)
APPLY AS DELETE WHEN op = 'd'
SEQUENCE BY lsn
COLUMNS * EXCEPT (op, lsn)
STORED AS SCD TYPE 2
TRACK HISTORY ON * EXCEPT (last_login);       -- must be the last clause

-- Older but still-accepted form (no CREATE FLOW):
APPLY CHANGES INTO LIVE.customers
FROM STREAM(LIVE.customers_cdc_feed)
KEYS (customer_id)
APPLY AS DELETE WHEN op = 'DELETE'
SEQUENCE BY sequence_num
COLUMNS * EXCEPT (op, sequence_num)
STORED AS SCD TYPE 2;

-- Event log / data-quality metrics
SELECT timestamp, details:flow_progress.data_quality.expectations
FROM event_log(TABLE(orders_silver))
WHERE event_type = 'flow_progress';
