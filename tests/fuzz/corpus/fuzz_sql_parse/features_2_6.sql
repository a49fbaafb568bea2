SELECT * FROM read_files('/landing/orders/*.json', format => 'json');
SELECT * FROM read_files('/landing/csv/', format => 'csv', header => true, schemaHints => 'id BIGINT');
SELECT * FROM read_files('/landing/', format => 'parquet', partitionColumns => 'year,month');
-- Options with dots need backticks:  `cloudFiles.maxFilesPerTrigger` => 100   (verify naming per runtime)
CREATE OR REFRESH STREAMING TABLE raw AS SELECT * FROM STREAM read_files('/landing/', format => 'json');
SELECT * FROM cloud_files_state(TABLE(raw));     -- per-file ingestion state
