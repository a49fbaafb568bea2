-- examples/upsell/silver.sql: silver tables of the upsell demo, rebuilt from bronze on every run.
-- silver_customers: cleaned (trimmed names, lower-case e-mails, no negative balances);
-- silver_transactions: every transaction with its customer and product (cleaned channel,
-- the day it happened); transactions of unknown customers are kept (LEFT JOIN).
CREATE OR REPLACE TABLE main.upsell.silver_customers AS
SELECT customer_id,
       trim(name) AS name,
       lower(email) AS email,
       greatest(points, 0) AS points,
       created_at,
       updated_at
FROM main.upsell.bronze_customers;

CREATE OR REPLACE TABLE main.upsell.silver_transactions AS
SELECT t.transaction_id,
       t.customer_id,
       c.name AS customer_name,
       t.product,
       p.category,
       t.points,
       t.amount,
       coalesce(t.channel, 'unknown') AS channel,
       t.created_at,
       CAST(t.created_at AS DATE) AS day
FROM main.upsell.bronze_transactions t
LEFT JOIN main.upsell.silver_customers c ON c.customer_id = t.customer_id
LEFT JOIN main.upsell.bronze_products p ON p.name = t.product;
