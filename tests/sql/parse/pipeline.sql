-- tests/sql/parse/pipeline.sql: a realistic ~200-line declarative pipeline
-- (bronze -> silver -> gold, flows, CDC) used to measure parse speed
-- (tests/unit/sql/test_roundtrip.c sql_parse_speed_pipeline). Every statement
-- must also parse and round-trip.

-- ---------------------------------------------------------------- bronze
CREATE OR REFRESH STREAMING TABLE orders_bronze
  COMMENT 'raw orders, one row per JSON record'
  TBLPROPERTIES ('pipelines.reset.allowed' = 'false', 'quality' = 'bronze')
AS SELECT *, _metadata.file_path AS source_file, _metadata.file_modification_time AS file_ts
FROM STREAM read_files(
  '/landing/orders/',
  format => 'json',
  schemaHints => 'amount DECIMAL(18,2), order_ts TIMESTAMP',
  `cloudFiles.maxFilesPerTrigger` => 500
);

CREATE OR REFRESH STREAMING TABLE customers_bronze
  COMMENT 'customer snapshots from the CRM export'
AS SELECT * FROM STREAM read_files('/landing/customers/*.csv', format => 'csv', header => true);

CREATE OR REFRESH STREAMING TABLE payments_bronze
AS SELECT
  CAST(payment_id AS BIGINT) AS payment_id,
  CAST(order_id AS BIGINT) AS order_id,
  TRY_CAST(amount AS DECIMAL(18,2)) AS amount,
  to_timestamp(paid_at, 'yyyy-MM-dd HH:mm:ss') AS paid_at,
  upper(trim(currency)) AS currency,
  _metadata.file_path AS source_file
FROM STREAM read_files('/landing/payments/', format => 'parquet');

CREATE OR REFRESH STREAMING LIVE TABLE events_bronze_legacy
AS SELECT * FROM cloud_files('/landing/events/', 'json', map('cloudFiles.inferColumnTypes', 'true'));

-- ---------------------------------------------------------------- silver
CREATE OR REFRESH STREAMING TABLE orders_silver (
  CONSTRAINT valid_id      EXPECT (order_id IS NOT NULL)          ON VIOLATION FAIL UPDATE,
  CONSTRAINT positive_amt  EXPECT (amount > 0)                    ON VIOLATION DROP ROW,
  CONSTRAINT sane_date     EXPECT (order_date <= current_date()),
  CONSTRAINT known_status  EXPECT (status IN ('new', 'paid', 'shipped', 'cancelled'))
)
PARTITIONED BY (order_date)
COMMENT 'cleaned orders'
AS SELECT
  order_id,
  customer_id,
  CAST(amount AS DECIMAL(18,2)) AS amount,
  CAST(order_ts AS DATE) AS order_date,
  order_ts,
  lower(status) AS status,
  coalesce(channel, 'web') AS channel,
  CASE WHEN amount >= 1000 THEN 'large' WHEN amount >= 100 THEN 'medium' ELSE 'small' END AS size_class,
  details:shipping.address.city AS ship_city,
  details:items[0].sku AS first_sku,
  size(from_json(details:items, 'ARRAY<STRUCT<sku: STRING, qty: INT>>')) AS n_items
FROM STREAM(orders_bronze)
WHERE order_id IS NOT NULL AND _rescued_data IS NULL;

CREATE OR REFRESH STREAMING TABLE payments_silver (
  CONSTRAINT has_order EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW
)
AS SELECT p.*, o.customer_id
FROM STREAM(payments_bronze) p
LEFT JOIN orders_silver o ON p.order_id = o.order_id
WHERE p.amount IS NOT NULL;

CREATE OR REFRESH STREAMING TABLE customers;

CREATE FLOW customers_cdc AS AUTO CDC INTO customers
FROM STREAM(customers_cdc_feed)
KEYS (customer_id)
IGNORE NULL UPDATES
APPLY AS DELETE WHEN op = 'd'
APPLY AS TRUNCATE WHEN op = 't'
SEQUENCE BY struct(ts, lsn)
COLUMNS * EXCEPT (op, lsn, _rescued_data)
STORED AS SCD TYPE 1;

CREATE OR REFRESH STREAMING TABLE customers_history;

CREATE FLOW customers_hist_cdc AS AUTO CDC INTO customers_history
FROM STREAM(customers_cdc_feed)
KEYS (customer_id)
APPLY AS DELETE WHEN op = 'd'
SEQUENCE BY lsn
COLUMNS * EXCEPT (op, lsn)
STORED AS SCD TYPE 2
TRACK HISTORY ON * EXCEPT (last_login);

CREATE OR REFRESH STREAMING TABLE customers_all;
CREATE FLOW us_west AS INSERT INTO customers_all BY NAME SELECT * FROM STREAM(customers_us_west);
CREATE FLOW us_east AS INSERT INTO customers_all BY NAME SELECT * FROM STREAM(customers_us_east);
CREATE FLOW eu AS INSERT INTO customers_all BY NAME
  SELECT *, 'eu' AS region FROM STREAM(customers_eu) WHERE country_code IN ('DE', 'FR', 'IT', 'ES');

APPLY CHANGES INTO LIVE.products
FROM STREAM(LIVE.products_feed)
KEYS (product_id)
APPLY AS DELETE WHEN op = 'DELETE'
SEQUENCE BY sequence_num
COLUMNS * EXCEPT (op, sequence_num)
STORED AS SCD TYPE 2;

-- ---------------------------------------------------------------- gold
CREATE OR REFRESH MATERIALIZED VIEW daily_revenue
COMMENT 'revenue per day and channel'
AS SELECT order_date, channel, sum(amount) AS revenue, count(*) AS n, avg(amount) AS avg_amount
FROM orders_silver
WHERE status <> 'cancelled'
GROUP BY order_date, channel;

CREATE OR REFRESH MATERIALIZED VIEW customer_ltv
AS SELECT
  c.customer_id,
  c.name,
  sum(o.amount) AS lifetime_value,
  count(DISTINCT o.order_id) AS orders,
  max(o.order_ts) AS last_order,
  datediff(current_date(), max(o.order_date)) AS days_since_last
FROM customers c
JOIN orders_silver o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.name
HAVING sum(o.amount) > 0;

CREATE OR REFRESH MATERIALIZED VIEW top_customers_per_region
AS SELECT * FROM (
  SELECT region, customer_id, lifetime_value,
         row_number() OVER (PARTITION BY region ORDER BY lifetime_value DESC) AS rk
  FROM customer_ltv JOIN customers USING (customer_id)
) WHERE rk <= 10;

CREATE OR REFRESH MATERIALIZED VIEW hourly_events
AS SELECT
  date_trunc('HOUR', event_ts) AS hour,
  event_type,
  count(*) AS n,
  count(*) FILTER (WHERE user_id IS NULL) AS anonymous,
  percentile_approx(latency_ms, 0.95) AS p95_latency
FROM events_bronze_legacy
GROUP BY ALL;

CREATE OR REFRESH PRIVATE MATERIALIZED VIEW order_items_exploded
AS SELECT o.order_id, item.sku, item.qty
FROM orders_silver o
LATERAL VIEW explode(from_json(o.details:items, 'ARRAY<STRUCT<sku: STRING, qty: INT>>')) t AS item;

CREATE OR REFRESH MATERIALIZED VIEW sku_sales
AS SELECT sku, sum(qty) AS units, sum(qty) OVER (ORDER BY sku ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
FROM order_items_exploded
GROUP BY sku;

CREATE TEMPORARY VIEW big_orders AS SELECT * FROM orders_silver WHERE amount > 1000;

CREATE TEMPORARY LIVE VIEW recent_payments AS
SELECT * FROM LIVE.payments_silver WHERE paid_at >= current_timestamp() - INTERVAL 7 DAYS;

CREATE OR REFRESH MATERIALIZED VIEW payment_mismatch
AS SELECT o.order_id, o.amount AS ordered, p.amount AS paid, o.amount - p.amount AS diff
FROM orders_silver o
FULL OUTER JOIN recent_payments p ON o.order_id = p.order_id
WHERE o.amount IS DISTINCT FROM p.amount;

CREATE OR REFRESH MATERIALIZED VIEW quality_report
AS SELECT timestamp, details:flow_progress.data_quality.expectations AS expectations
FROM event_log(TABLE(orders_silver))
WHERE event_type = 'flow_progress';

CREATE OR REFRESH MATERIALIZED VIEW weekly_cohorts
AS WITH first_orders AS (
  SELECT customer_id, min(order_date) AS first_date
  FROM orders_silver
  GROUP BY customer_id
), weekly AS (
  SELECT o.customer_id,
         date_trunc('WEEK', f.first_date) AS cohort_week,
         floor(datediff(o.order_date, f.first_date) / 7) AS week_n
  FROM orders_silver o JOIN first_orders f ON o.customer_id = f.customer_id
)
SELECT cohort_week, week_n, count(DISTINCT customer_id) AS active
FROM weekly
GROUP BY cohort_week, week_n
ORDER BY cohort_week, week_n;

CREATE OR REFRESH MATERIALIZED VIEW channel_mix
AS SELECT order_date,
          sum(CASE WHEN channel = 'web' THEN amount ELSE 0 END) AS web,
          sum(CASE WHEN channel = 'app' THEN amount ELSE 0 END) AS app,
          sum(CASE WHEN channel NOT IN ('web', 'app') THEN amount ELSE 0 END) AS other
FROM orders_silver
GROUP BY order_date;

CREATE OR REFRESH MATERIALIZED VIEW late_shipments
AS SELECT o.order_id, o.order_ts, s.shipped_ts,
          (unix_timestamp(s.shipped_ts) - unix_timestamp(o.order_ts)) / 3600.0 AS hours_to_ship
FROM orders_silver o
JOIN shipments s ON s.order_id = o.order_id
WHERE s.shipped_ts > o.order_ts + INTERVAL 2 DAYS
  AND o.status = 'shipped'
QUALIFY row_number() OVER (PARTITION BY o.order_id ORDER BY s.shipped_ts) = 1;
