-- Upsert + delete-missing ("sync target to source")
MERGE INTO target t
USING source s
ON t.key = s.key
WHEN MATCHED AND s.deleted = true THEN DELETE
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
WHEN NOT MATCHED BY SOURCE THEN DELETE;

-- Explicit columns, conditional clauses, NOT MATCHED BY SOURCE update (target columns only)
MERGE INTO target t
USING source s
ON s.key = t.key
WHEN MATCHED THEN UPDATE SET t.last_seen = s.ts
WHEN NOT MATCHED BY TARGET THEN INSERT (key, last_seen, status) VALUES (s.key, s.ts, 'active')
WHEN NOT MATCHED BY SOURCE AND t.last_seen >= current_date() - INTERVAL '5' DAY
  THEN UPDATE SET t.status = 'inactive';

-- Insert-only dedup merge (safe to use as an append-only streaming source downstream)
MERGE INTO logs
USING new_logs
ON logs.unique_id = new_logs.unique_id AND logs.date > current_date() - INTERVAL 7 DAYS
WHEN NOT MATCHED AND new_logs.date > current_date() - INTERVAL 7 DAYS THEN INSERT *;

-- Schema evolution for one statement
MERGE WITH SCHEMA EVOLUTION INTO target t USING source s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;

-- CDC batch with MERGE: the source MUST be reduced to one row per key first
MERGE INTO customers c
USING (
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY id ORDER BY lsn DESC) AS rn FROM changes
  ) WHERE rn = 1
) s
ON c.id = s.id
WHEN MATCHED AND s.op = 'd' THEN DELETE
WHEN MATCHED AND s.lsn > c.lsn THEN UPDATE SET *      -- guard against out-of-order batches
WHEN NOT MATCHED AND s.op != 'd' THEN INSERT *;
