// bench/exec_duck.mjs: the exec_bench workloads in DuckDB, for comparison on the same machine.
//   tests/node/setup.sh && cp bench/exec_duck.mjs tests/node/ && node tests/node/exec_duck.mjs [threads...]
// (ES modules resolve '@duckdb/node-api' next to the script, hence the copy; ONLY=agg,join limits workloads.)
// Data is generated inside DuckDB (same sizes and key distributions as bench/exec_bench.c, not the
// same random values); timings are the query alone, best wall of 3 runs, with the process CPU
// seconds (user + system, all DuckDB threads) of that run.
import { DuckDBInstance } from '@duckdb/node-api';

const threads = process.argv.slice(2).map(Number);
if (!threads.length) threads.push(1, 2);
const only = process.env.ONLY || '';
const want = (name) => !only || only.split(',').includes(name);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
async function q(sql) { return con.runAndReadAll(sql); }
const list = (a) => '[' + a.map((s) => `'${s}'`).join(', ') + ']';
const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth',
  'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Ana', 'Luis', 'Sofia', 'Mateo', 'Lucia', 'Hugo', 'Emma', 'Noah', 'Olivia', 'Liam',
  'Chen', 'Wei', 'Yuki', 'Hiro', 'Priya', 'Arjun', 'Fatima', 'Omar', 'Ingrid', 'Lars'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores'];
const PRODUCTS = ['coffee', 'espresso', 'latte', 'tea', 'muffin', 'bagel', 'sandwich', 'salad', 'juice', 'smoothie',
  'cookie', 'croissant', 'water', 'soda', 'wrap', 'soup', 'gift_card', 'merch_mug', 'merch_shirt', 'beans_1kg'];
const CHANNELS = ['web', 'mobile', 'store', 'partner', 'call_center'];
const NC = 1100000, NT = 11000000;

const work = {
  agg: [10e6, `SELECT count(*), sum(n) FROM (SELECT k, count(*) n, sum(v) s FROM t GROUP BY k)`],
  join: [10e6, `SELECT count(*), sum(b.w) FROM t JOIN b ON t.k = b.k`],
  sort: [10e6, `SELECT count(*) FROM (SELECT * FROM s ORDER BY v OFFSET 1)`],
  q1: [NT, `SELECT c.customer_id, c.name, count(*) n, sum(t.points) pts, sum(t.amount) amt
            FROM transactions t JOIN customers c USING (customer_id) GROUP BY ALL ORDER BY pts DESC LIMIT 100`],
  q2: [NT, `SELECT count(*) FROM (SELECT product, channel, date_trunc('day', created_at) d, count(*), avg(amount)
            FROM transactions GROUP BY ALL)`],
  dedupe: [1e6, `SELECT count(*) FROM (SELECT * FROM c QUALIFY row_number() OVER (PARTITION BY pk ORDER BY ts DESC) = 1)`],
};
if (want('agg') || want('join')) {
  await q(`CREATE TABLE t AS SELECT (hash(i) % 1000000)::BIGINT k, (i % 1000)::BIGINT v FROM range(10000000) r(i)`);
  await q(`CREATE TABLE b AS SELECT i::BIGINT k, (i % 1000)::BIGINT w FROM range(1000000) r(i)`);
}
if (want('sort')) await q(`CREATE TABLE s AS SELECT (hash(i) >> 1)::BIGINT v, i::BIGINT id FROM range(10000000) r(i)`);
if (want('dedupe'))
  await q(`CREATE TABLE c AS SELECT (hash(i) % 1000000)::BIGINT pk, (1700000000000000 + (i * 2654435761) % 100000000)::BIGINT ts FROM range(1000000) r(i)`);
if (want('q1') || want('q2')) {
  await q(`CREATE TABLE customers AS SELECT i::BIGINT customer_id,
             ${list(FIRST)}[1 + (hash(i, 1) % 40)::BIGINT] || ' ' || ${list(LAST)}[1 + (hash(i, 2) % 40)::BIGINT] AS name
           FROM range(1, ${NC + 1}) r(i)`);
  await q(`CREATE TABLE transactions AS SELECT
             (1 + floor(${NC} * u * u))::BIGINT customer_id,
             ${list(PRODUCTS)}[1 + (hash(i, 12) % 20)::BIGINT] AS product,
             (hash(i, 13) % 1000)::INTEGER points,
             ((hash(i, 14) % 200000)::DOUBLE / 100 + 0.5)::DECIMAL(12,2) amount,
             ${list(CHANNELS)}[1 + (hash(i, 15) % 5)::BIGINT] AS channel,
             TIMESTAMP '2024-01-01 00:00:00' + to_microseconds((hash(i, 16) % ${366 * 86400000000})::BIGINT) created_at
           FROM (SELECT i, (hash(i, 11) % 1000000000)::DOUBLE / 1e9 u FROM range(${NT}) r(i))`);
}
for (const [name, [rows, sql]] of Object.entries(work)) {
  if (!want(name)) continue;
  for (const t of threads) {
    await q(`SET threads = ${t}`);
    let best = 1e9, bestCpu = 0;
    for (let r = 0; r < 3; r++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await q(sql);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      if (dt < best) { best = dt; bestCpu = (c.user + c.system) / 1e6; }
    }
    console.log(`duckdb ${name.padEnd(7)} threads=${t}  wall ${best.toFixed(3)} s  ${(rows / best / 1e6).toFixed(1)} M rows/s  cpu ${bestCpu.toFixed(3)} s`);
  }
}
