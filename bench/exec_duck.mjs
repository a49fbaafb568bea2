// bench/exec_duck.mjs: the exec_bench workloads in DuckDB, for comparison on the same machine.
//   tests/node/setup.sh && cp bench/exec_duck.mjs tests/node/ && node tests/node/exec_duck.mjs [threads...]
// (ES modules resolve '@duckdb/node-api' next to the script, hence the copy; ONLY=agg,join limits workloads.)
// Data is generated inside DuckDB (same sizes and key distributions as bench/exec_bench.c, not the
// same random values); timings are wall seconds of the query alone (best of 3).
import { DuckDBInstance } from '@duckdb/node-api';

const threads = process.argv.slice(2).map(Number);
if (!threads.length) threads.push(1, 2);
const only = process.env.ONLY || '';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
async function q(sql) { return con.runAndReadAll(sql); }
await q(`CREATE TABLE t AS SELECT (hash(i) % 1000000)::BIGINT k, (i % 1000)::BIGINT v FROM range(10000000) r(i)`);
await q(`CREATE TABLE b AS SELECT i::BIGINT k, (i % 1000)::BIGINT w FROM range(1000000) r(i)`);
await q(`CREATE TABLE s AS SELECT (hash(i) >> 1)::BIGINT v, i::BIGINT id FROM range(10000000) r(i)`);
await q(`CREATE TABLE c AS SELECT (hash(i) % 1000000)::BIGINT pk, (1700000000000000 + (i * 2654435761) % 100000000)::BIGINT ts FROM range(1000000) r(i)`);
const work = {
  agg: [10e6, `SELECT count(*), sum(n) FROM (SELECT k, count(*) n, sum(v) s FROM t GROUP BY k)`],
  join: [10e6, `SELECT count(*), sum(b.w) FROM t JOIN b ON t.k = b.k`],
  sort: [10e6, `SELECT count(*) FROM (SELECT * FROM s ORDER BY v OFFSET 1)`],
  dedupe: [1e6, `SELECT count(*) FROM (SELECT * FROM c QUALIFY row_number() OVER (PARTITION BY pk ORDER BY ts DESC) = 1)`],
};
for (const [name, [rows, sql]] of Object.entries(work)) {
  if (only && !only.includes(name)) continue;
  for (const t of threads) {
    await q(`SET threads = ${t}`);
    let best = 1e9;
    for (let r = 0; r < 3; r++) {
      const t0 = process.hrtime.bigint();
      await q(sql);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (dt < best) best = dt;
    }
    console.log(`duckdb ${name.padEnd(7)} threads=${t}  wall ${best.toFixed(3)} s  ${(rows / best / 1e6).toFixed(1)} M rows/s`);
  }
}
