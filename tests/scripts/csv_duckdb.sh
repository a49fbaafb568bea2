#!/usr/bin/env bash
# tests/scripts/csv_duckdb.sh BUILD_DIR: differential test of lago's CSV reader
# against DuckDB's read_csv (the npm oracle in tests/node). A generated file of
# a few thousand random rows (quotes, separators, newlines and unicode inside
# quoted strings, NULLs, doubles over the whole exponent range, decimals,
# timestamps, booleans) is read by both; lago's rows (tests/tools/csv_dump,
# canonical text of vec/value_text.h) must equal DuckDB's rows rendered in the
# same canonical text. Checked serially and with the parallel scan (2 threads,
# small ranges so that quoted newlines fall on range boundaries).
NAME=csv_duckdb
. "$(dirname "$0")/lib/duckdb_diff.sh"

# ---- generator + DuckDB side (one node script) ----
cat > "$T/duck_csv.mjs" <<'JS'
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
const [mode, file, rowsArg, seedArg] = process.argv.slice(2);
const { fmtDouble, rng } = await import(process.env.LAGO_ROOT + '/tests/node/textgen.mjs');
if (mode === 'gen') {
  const rnd = rng(seedArg);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const pieces = ['a', 'b', 'xyz', ' ', ',', '"', '""', '\n', '\r\n', 'é', '日本', '🦆', "'", ';', '\\', 'tab\there', 'NULL', '0'];
  const lines = ['id,s,n,d,t,b,i'];
  const N = Number(rowsArg);
  for (let r = 0; r < N; r++) {
    const f = [String(r)];
    if (rnd() < 0.08) f.push(''); else {
      let str = ''; const k = 1 + Math.floor(rnd() * 6); for (let j = 0; j < k; j++) str += pick(pieces);
      f.push('"' + str.replace(/"/g, '""') + '"');
    }
    if (rnd() < 0.08) f.push(''); else {
      const kind = Math.floor(rnd() * 4);
      const v = kind === 0 ? (rnd() - 0.5) * 1e6 : kind === 1 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300)
              : kind === 2 ? Math.round((rnd() - 0.5) * 1e5) / 100 : Math.floor(rnd() * 1e9);
      f.push(kind === 1 ? v.toExponential() : String(v));
    }
    if (rnd() < 0.08) f.push(''); else f.push(((rnd() < 0.5 ? '-' : '') + Math.floor(rnd() * 1e8) + '.' + String(Math.floor(rnd() * 1000)).padStart(3, '0')));
    if (rnd() < 0.08) f.push(''); else {
      const ms = Math.floor(rnd() * 4e12) - 1e12; const d = new Date(ms);
      let t = d.toISOString().replace('T', ' ').replace('Z', '');
      if (rnd() < 0.5) t = t.slice(0, 19); else t = t + String(Math.floor(rnd() * 1000)).padStart(3, '0');
      f.push(t);
    }
    f.push(rnd() < 0.08 ? '' : rnd() < 0.5 ? 'true' : 'false');
    f.push(rnd() < 0.08 ? '' : String(Math.floor((rnd() - 0.5) * 4e9)));
    lines.push(f.join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + (rnd() < 2 ? '\n' : ''));
} else {
  const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await inst.connect();
  await con.run("SET TimeZone = 'UTC'");
  const q = `SELECT id::VARCHAR, CASE WHEN s IS NULL THEN NULL ELSE '"' || replace(s, '"', '""') || '"' END, n,
    d::VARCHAR, t::VARCHAR, b::VARCHAR, i::VARCHAR
    FROM read_csv('${file}', header=true, quote='"', escape='"', delim=',', auto_detect=false,
      columns={'id':'BIGINT','s':'VARCHAR','n':'DOUBLE','d':'DECIMAL(12,3)','t':'TIMESTAMP','b':'BOOLEAN','i':'INTEGER'})`;
  const res = await con.runAndReadAll(q);
  const out = ['id,s,n,d,t,b,i'];
  for (const row of res.getRows()) out.push(row.map((v, c) => v === null ? '\\N' : c === 2 ? fmtDouble(v) : String(v)).join(','));
  process.stdout.write(out.join('\n') + '\n');
}
JS

SCHEMA='STRUCT<id: BIGINT, s: STRING, n: DOUBLE, d: DECIMAL(12,3), t: TIMESTAMP_NTZ, b: BOOLEAN, i: INT>'
for seed in 7 11; do
  F="$T/gen$seed.csv"
  oracle "$T/duck_csv.mjs" "$F" 3000 "$seed" "$T/duck$seed.txt" || continue
  for threads in 0 2; do
    same_rows "seed $seed threads $threads" "$T/duck$seed.txt" "$T/lago$seed-$threads.txt" \
      "$B/csv_dump" -o header=true -o multiLine=true -o escape='"' -s "$SCHEMA" -t $threads -r 4096 "$F"
  done
  enough_rows "$T/duck$seed.txt" 1000
done
finish
