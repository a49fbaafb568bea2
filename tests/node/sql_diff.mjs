// tests/node/sql_diff.mjs: the DuckDB side of tests/scripts/sql_duckdb_diff.sh.
//   node tests/node/sql_diff.mjs DATA_DIR QUERIES.sql LAGO_OUT_DIR
// Runs every query of QUERIES.sql (one per ';'-terminated statement, '--' comments) in DuckDB over views
// c, t, cdc of the upsell data in DATA_DIR, reads lago's answer from LAGO_OUT_DIR/q<i>.csv (lago sql
// --format csv: header, canonical text, strings quoted, NULL as \N), and compares the two as multisets:
// numbers within a relative 1e-9, timestamps without lago's "+00" zone suffix. Prints one line per query
// ("ok qN" / "FAIL qN ...") and exits 1 if any differs.
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [data, qfile, outdir] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";
await con.run(`CREATE VIEW c AS SELECT * FROM read_parquet(${lit(data + '/raw/full_load/customers/*.parquet')})`);
await con.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${lit(data + '/raw/full_load/transactions/*.parquet')})`);
await con.run(`CREATE VIEW cdc AS SELECT * FROM read_parquet(${lit(data + '/raw/cdc/transactions/batch-0001-*.parquet')})`);

const text = fs.readFileSync(qfile, 'utf8').split('\n').filter((l) => !l.startsWith('--')).join('\n');
const queries = text.split(/;\s*\n/).map((q) => q.trim()).filter(Boolean);

function parseCsv(s) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false, wasQuoted = false;
  while (i < s.length) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"') { quoted = true; wasQuoted = true; i++; continue; }
    if (ch === ',' || ch === '\n') {
      row.push(!wasQuoted && field === '\\N' ? null : field);
      field = ''; wasQuoted = false;
      if (ch === '\n') { rows.push(row); row = []; }
      i++; continue;
    }
    field += ch; i++;
  }
  if (field !== '' || row.length) { row.push(!wasQuoted && field === '\\N' ? null : field); rows.push(row); }
  return rows;
}

const norm = (v) => {
  if (v === null || v === undefined) return 'NULL';
  let s = String(v);
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s)) {
    const x = Number(s);
    return Number.isFinite(x) ? String(Number(x.toPrecision(10))) : s;
  }
  s = s.replace(/\+00$/, '').replace(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d*?)0*$/, (m, a, b) => a + (b === '.' ? '' : b));
  return s;
};

// The few Spark spellings DuckDB lacks: explode(list) in a SELECT list is DuckDB's unnest(list).
const duckDialect = (q) => q.replace(/\bexplode\s*\(/gi, 'unnest(');

let bad = 0;
for (let k = 0; k < queries.length; k++) {
  const name = `q${k + 1}`;
  let duck;
  try {
    duck = (await con.runAndReadAll(duckDialect(queries[k]))).getRows().map((r) => r.map((v) => (v === null ? null : String(v))));
  } catch (e) {
    console.log(`FAIL ${name}: DuckDB: ${e.message}`); bad++; continue;
  }
  const f = `${outdir}/${name}.csv`;
  if (!fs.existsSync(f)) { console.log(`FAIL ${name}: no lago output`); bad++; continue; }
  const lago = parseCsv(fs.readFileSync(f, 'utf8')).slice(1);
  const a = duck.map((r) => r.map(norm).join('|')).sort();
  const b = lago.map((r) => r.map(norm).join('|')).sort();
  let diff = a.length !== b.length ? `${b.length} rows, DuckDB ${a.length}` : '';
  for (let i = 0; !diff && i < a.length; i++) if (a[i] !== b[i]) diff = `row ${i}: lago [${b[i]}] DuckDB [${a[i]}]`;
  if (diff) { console.log(`FAIL ${name}: ${diff}\n  ${queries[k].slice(0, 200)}`); bad++; } else console.log(`ok ${name} (${a.length} rows)`);
}
process.exit(bad ? 1 : 0);
