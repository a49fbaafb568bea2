// tests/node/pq_bench.mjs: the DuckDB side of bench/parquet_write.sh.
//   node tests/node/pq_bench.mjs write N OUT.parquet [snappy|zstd]   COPY the synthetic table to Parquet
//   node tests/node/pq_bench.mjs write-table N OUT [codec]             same, from a table built first (COPY timed alone)
//   node tests/node/pq_bench.mjs idle                                  connect only (node + DuckDB baseline RSS)
//   node tests/node/pq_bench.mjs same A.parquet B.parquet              1 if both files hold the same rows
//   node tests/node/pq_bench.mjs meta F.parquet                        row groups, encodings per column
// The table is tests/tools/pq_write_bench.c's, computed by the same integer formulas over range(N).
// One thread, as the lago writer. Prints its own COPY time so node's start-up can be told apart.
import { DuckDBInstance } from '@duckdb/node-api';

const [cmd, ...args] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");
await con.run('SET preserve_insertion_order = true');
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";

const TABLE_SQL = (n) => `
  SELECT i + 1 AS transaction_id,
         (i * 7919) % 100000 + 1 AS customer_id,
         'product_' || ((i * 13) % 20) AS product,
         ((i * 37) % 1000)::INTEGER AS points,
         (((i * 7907) % 100000) * 0.01)::DECIMAL(12,2) AS amount,
         ['web','mobile','store','partner','phone'][(i * 3) % 5 + 1] AS channel,
         make_timestamp(1704067200000000 + i * 1000003)::TIMESTAMPTZ AS created_at
  FROM range(${Number(n)}) t(i)`;

if (cmd === 'write') {
  const [n, out, codec = 'snappy'] = args;
  const t0 = performance.now();
  await con.run(`COPY (${TABLE_SQL(n)}) TO ${lit(out)} (FORMAT parquet, COMPRESSION ${codec})`);
  const t1 = performance.now();
  console.log(`rows=${n} seconds=${((t1 - t0) / 1000).toFixed(3)}`);
} else if (cmd === 'write-table') {
  // Pure write cost: the rows are materialized in memory first and only COPY is timed.
  const [n, out, codec = 'snappy'] = args;
  await con.run(`CREATE TABLE t AS ${TABLE_SQL(n)}`);
  const t0 = performance.now();
  await con.run(`COPY t TO ${lit(out)} (FORMAT parquet, COMPRESSION ${codec})`);
  const t1 = performance.now();
  console.log(`rows=${n} seconds=${((t1 - t0) / 1000).toFixed(3)}`);
} else if (cmd === 'idle') {
  await con.run('SELECT 1');
  console.log('idle');
} else if (cmd === 'same') {
  const [a, b] = args;
  const r = await con.runAndReadAll(`SELECT
      (SELECT count(*) FROM read_parquet(${lit(a)})) AS na,
      (SELECT count(*) FROM read_parquet(${lit(b)})) AS nb,
      (SELECT count(*) FROM (SELECT * FROM read_parquet(${lit(a)}) EXCEPT ALL SELECT * FROM read_parquet(${lit(b)}))) AS d1,
      (SELECT count(*) FROM (SELECT * FROM read_parquet(${lit(b)}) EXCEPT ALL SELECT * FROM read_parquet(${lit(a)}))) AS d2`);
  const [na, nb, d1, d2] = r.getRows()[0].map(Number);
  console.log(na === nb && d1 === 0 && d2 === 0 ? 1 : `0 (rows ${na} vs ${nb}, ${d1} and ${d2} rows differ)`);
} else if (cmd === 'meta') {
  const [f] = args;
  const r = await con.runAndReadAll(`SELECT path_in_schema, count(*) AS row_groups, string_agg(DISTINCT encodings, ' / ') AS enc,
      sum(total_compressed_size) AS bytes FROM parquet_metadata(${lit(f)}) GROUP BY path_in_schema ORDER BY min(column_id)`);
  for (const row of r.getRows()) console.log(row.map(String).join('\t'));
} else {
  console.error('usage: node tests/node/pq_bench.mjs write N OUT [codec] | idle | same A B | meta F');
  process.exit(2);
}
