// tests/node/pq_read_bench.mjs: DuckDB's time for a full decode of Parquet files, the peer figure
// for tests/tools/pq_scan_bench.c (format/parquet/README.md, "Performance").
//   node tests/node/pq_read_bench.mjs THREADS REPEAT FILE...
// The query reads every column (min() of each, so every value is decoded; no output
// formatting) and prints the best wall time and best process CPU time (user + system, all
// threads; the steadier figure on a shared machine) of REPEAT runs, measured in-process.
import { DuckDBInstance } from '@duckdb/node-api';

const [threads, repeat, ...files] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads), autoinstall_known_extensions: 'false' });
const con = await inst.connect();
const list = '[' + files.map((f) => `'${f.replace(/'/g, "''")}'`).join(',') + ']';
const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${list})`)).getRows().map((r) => r[0]);
const sql = `SELECT count(*), ${cols.map((c) => `min("${c}")`).join(', ')} FROM read_parquet(${list})`;
let best = Infinity, bestCpu = Infinity, rows = null;
for (let i = 0; i < Number(repeat); i++) {
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  const r = await con.runAndReadAll(sql);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0), dc = (c.user + c.system) / 1e6;
  rows = r.getRows()[0][0];
  if (dt < best) best = dt;
  if (dc < bestCpu) bestCpu = dc;
}
console.log(`duckdb rows ${rows} time ${best.toFixed(3)} s cpu ${bestCpu.toFixed(3)} s (best of ${repeat}, ${threads} thread${threads == 1 ? '' : 's'})`);
