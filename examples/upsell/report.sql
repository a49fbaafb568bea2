-- examples/upsell/report.sql: the demo's final query: the top of gold and the history of a bronze table.
SELECT customer_id, name, transactions, points_earned, amount_spent
FROM main.upsell.gold_points_per_customer
ORDER BY points_earned DESC, customer_id
LIMIT 10;

SELECT product, category, sum(points_earned) AS points_earned, sum(amount_spent) AS amount_spent
FROM main.upsell.gold_points_per_product_day
GROUP BY product, category
ORDER BY points_earned DESC
LIMIT 5;

DESCRIBE HISTORY main.upsell.bronze_transactions;
