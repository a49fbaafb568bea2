// tests/node/upsell_replay.mjs: DuckDB, the independent oracle, reads upsell-sim's Parquet files
// (examples/upsell/sim.c) and checks them against the generator's documented mix, then replays
// both CDC semantics in SQL and compares every version with the simulator's own expected states.
//   node tests/node/upsell_replay.mjs RAW_DIR EXPECTED_DIR
// RAW_DIR is <volume>/raw/<schema>; EXPECTED_DIR is upsell-sim --expected DIR.
// Checks, per table:
//   - full load: row count = initial_rows, keys 1..n, no duplicates
//   - each batch: row and op counts equal the plan of shared/bench/gen.mjs (computed here from the
//     formula, not read from the manifest), modified_at unique inside the batch, duplicate keys
//     present, late rows (older than the batch's window) present in batches >= 2 and absent in 1
//   - both semantics (shared/bench/README.md "Semantics"), every version: DuckDB's replay in SQL
//     rendered as canonical text sorted by key equals EXPECTED/<semantics>/<table>/vNNNN.csv
// Prints FAIL lines and ends with "upsell_replay: N passed, M failed".
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [raw, expected] = process.argv.slice(2);
const man = JSON.parse(fs.readFileSync(path.join(expected, 'manifest.json'), 'utf8'));
const inst = await DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false' });
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");
let pass = 0, fail = 0, ignoredTotal = 0;
const ok = (cond, what) => { if (cond) pass++; else { fail++; console.log(`FAIL ${what}`); } };
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const jround = (x) => Math.floor(x + 0.5);
const DAY_MS = 86400000;
const T_NEW = Date.UTC(2025, 0, 1);

function plan(n0, b) {
  const B = Math.max(20, jround(0.1 * n0));
  const a = jround(0.5 * B), dU = jround(0.1 * B), nI = jround(0.3 * B), nIU = jround(0.02 * B);
  const nD = jround(0.1 * B), nID = Math.max(1, jround(0.005 * B));
  return { R: a + dU + nI + nIU + nD + nID, I: nI, U: a + dU + nIU, D: nD + nID, maxPrev: n0 + (b - 1) * nI };
}

for (const [table, t] of Object.entries(man.tables)) {
  const pk = t.pk;
  const base = t.columns.slice(0, -2);
  const cols = base.map(([n]) => n);
  const full = path.join(raw, 'full_load', table, '*.parquet');
  // ---- full load ----
  const f = (await rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT ${pk})::BIGINT AS k, min(${pk})::BIGINT AS lo,
                                max(${pk})::BIGINT AS hi FROM read_parquet(${q(full)})`))[0];
  ok(+f.n === t.initial_rows && +f.k === t.initial_rows && +f.lo === 1 && +f.hi === t.initial_rows,
    `${table} full load: ${JSON.stringify(f)}, want ${t.initial_rows} keys 1..${t.initial_rows}`);
  const types = (await rows(`DESCRIBE SELECT * FROM read_parquet(${q(full)})`)).map((r) => r.column_type);
  const render = cols.map((c, i) => (types[i] === 'VARCHAR'
    ? `CASE WHEN "${c}" IS NULL THEN '\\N' ELSE '"' || replace("${c}", '"', '""') || '"' END`
    : `coalesce(CAST("${c}" AS VARCHAR), '\\N')`)).join(` || ',' || `);
  const header = cols.map((c) => `"${c}"`).join(',');
  const canon = async (tbl) => {
    const r = await rows(`SELECT ${render} AS line FROM ${tbl} ORDER BY ${pk}`);
    return [header, ...r.map((x) => x.line)].join('\n') + '\n';
  };
  const compare = async (sem, v, tbl) => {
    const file = path.join(expected, sem, table, `v${String(v).padStart(4, '0')}.csv`);
    const want = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    const got = await canon(tbl);
    if (want === got) { pass++; return; }
    fail++;
    const a = (want ?? '').split('\n'), b = got.split('\n');
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    console.log(`FAIL ${table} ${sem} v${v}: DuckDB replay differs from ${file} at line ${i + 1}:`);
    console.log(`  expected: ${a[i] ?? '(end)'}`);
    console.log(`  duckdb:   ${b[i] ?? '(end)'}`);
  };
  await con.run(`CREATE OR REPLACE TABLE seed AS SELECT * FROM read_parquet(${q(full)})`);
  await con.run(`CREATE OR REPLACE TABLE seq AS SELECT * FROM read_parquet(${q(full)})`);
  await con.run(`CREATE OR REPLACE TABLE seqs (k BIGINT PRIMARY KEY, s TIMESTAMPTZ)`);
  await compare('seed', 0, 'seed');
  await compare('sequenced', 0, 'seq');
  const set = cols.filter((c) => c !== pk).map((c) => `"${c}" = s."${c}"`).join(', ');
  const ins = `INSERT (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c) => `s."${c}"`).join(', ')})`;
  for (const bt of t.cdc) {
    const b = bt.batch;
    const glob = path.join(raw, 'cdc', table, `batch-${String(b).padStart(4, '0')}-*.parquet`);
    // ---- the batch's mix ----
    const p = plan(t.initial_rows, b);
    const m = (await rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT ${pk})::BIGINT AS k,
        count(*) FILTER (op = 'I')::BIGINT AS i, count(*) FILTER (op = 'U')::BIGINT AS u, count(*) FILTER (op = 'D')::BIGINT AS d,
        count(DISTINCT modified_at)::BIGINT AS m, epoch_ms(min(modified_at))::BIGINT AS first,
        count(*) FILTER (epoch_ms(modified_at) < ${T_NEW + (b - 1) * DAY_MS})::BIGINT AS late,
        count(*) FILTER (op = 'I' AND ${pk} <= ${p.maxPrev})::BIGINT AS bad_inserts
        FROM read_parquet(${q(glob)})`))[0];
    ok(+m.n === p.R && +m.i === p.I && +m.u === p.U && +m.d === p.D,
      `${table} batch ${b}: rows/ops ${m.n} I${m.i} U${m.u} D${m.d}, plan ${p.R} I${p.I} U${p.U} D${p.D}`);
    ok(+m.m === +m.n, `${table} batch ${b}: modified_at not unique (${m.m} distinct of ${m.n})`);
    ok(+m.k < +m.n, `${table} batch ${b}: no duplicate keys (${m.k} distinct of ${m.n})`);
    // late rows: none in batch 1; in later batches some, where late_pct% of the batch is at least 3 rows
    if (b === 1 || (man.late_pct * p.R) / 100 >= 3) ok(b === 1 ? +m.late === 0 : +m.late > 0, `${table} batch ${b}: ${m.late} late rows`);
    ok(+m.late === bt.late_rows, `${table} batch ${b}: ${m.late} late rows, manifest says ${bt.late_rows}`);
    ok(+m.bad_inserts === 0, `${table} batch ${b}: ${m.bad_inserts} inserts of keys that existed before the batch`);
    ok(+m.n === bt.rows && +m.i === bt.ops.I, `${table} batch ${b}: manifest counts differ from the files`);
    // ---- both semantics ----
    await con.run(`CREATE OR REPLACE TEMP TABLE latest AS SELECT * EXCLUDE (rn) FROM (SELECT *,
        row_number() OVER (PARTITION BY ${pk} ORDER BY modified_at DESC, op) AS rn FROM read_parquet(${q(glob)})) WHERE rn = 1`);
    await con.run(`MERGE INTO seed USING latest s ON seed.${pk} = s.${pk}
        WHEN MATCHED AND s.op = 'D' THEN DELETE
        WHEN MATCHED AND s.op = 'U' THEN UPDATE SET ${set}
        WHEN NOT MATCHED AND s.op IN ('I', 'U') THEN ${ins}`);
    await con.run(`CREATE OR REPLACE TEMP TABLE app AS SELECT l.* FROM latest l LEFT JOIN seqs ON seqs.k = l.${pk}
        WHERE seqs.s IS NULL OR l.modified_at > seqs.s`);
    await con.run(`MERGE INTO seq USING app s ON seq.${pk} = s.${pk}
        WHEN MATCHED AND s.op = 'D' THEN DELETE
        WHEN MATCHED THEN UPDATE SET ${set}
        WHEN NOT MATCHED AND s.op <> 'D' THEN ${ins}`);
    await con.run(`INSERT OR REPLACE INTO seqs SELECT ${pk}, modified_at FROM app`);
    const ign = (await rows(`SELECT (SELECT count(*) FROM latest) - (SELECT count(*) FROM app) AS n`))[0];
    const xv = man.expected[table].versions[b];
    ok(+ign.n === xv.sequenced_ignored_not_newer,
      `${table} batch ${b}: DuckDB ignores ${ign.n} changes under sequenced semantics, the simulator ${xv.sequenced_ignored_not_newer}`);
    ignoredTotal += +ign.n;
    await compare('seed', b, 'seed');
    await compare('sequenced', b, 'seq');
  }
  // the two semantics must differ somewhere when late rows exist (else the test could not tell them apart)
  if (t.cdc.length >= 2) {
    const d = (await rows(`SELECT count(*)::BIGINT AS n FROM ((SELECT * FROM seed EXCEPT SELECT * FROM seq)
                            UNION ALL (SELECT * FROM seq EXCEPT SELECT * FROM seed))`))[0];
    console.log(`${table}: final states differ between the semantics in ${d.n} rows`);
  }
}
console.log(`changes ignored under sequenced semantics: ${ignoredTotal}`);
console.log(`upsell_replay: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
