SET spark.sql.ansi.enabled = true;
SET TIME ZONE 'UTC';
SET TIME ZONE LOCAL;
RESET;
RESET spark.sql.shuffle.partitions;
