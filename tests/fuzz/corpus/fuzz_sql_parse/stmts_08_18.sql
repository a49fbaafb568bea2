MERGE INTO t USING s@v3 ON t.id = s.id WHEN NOT MATCHED THEN INSERT *;
MERGE INTO t USING read_files('/x', format => 'json') AS s ON t.id = s.id WHEN MATCHED THEN DELETE;
