-- examples/upsell/gold.sql: gold tables of the upsell demo, from silver.
-- gold_points_per_customer: points earned and money spent per customer;
-- gold_points_per_product_day: the same per product and day.
CREATE OR REPLACE TABLE main.upsell.gold_points_per_customer AS
SELECT customer_id,
       any_value(customer_name) AS name,
       count(*) AS transactions,
       sum(points) AS points_earned,
       sum(amount) AS amount_spent
FROM main.upsell.silver_transactions
GROUP BY customer_id;

CREATE OR REPLACE TABLE main.upsell.gold_points_per_product_day AS
SELECT product,
       category,
       day,
       count(*) AS transactions,
       sum(points) AS points_earned,
       sum(amount) AS amount_spent
FROM main.upsell.silver_transactions
GROUP BY product, category, day;
