#!/usr/bin/env bash
# tests/scripts/jsonl_duckdb.sh BUILD_DIR: differential test of lago's JSON
# reader against DuckDB's read_json (the npm oracle in tests/node). A
# generated JSON Lines file of a few thousand random records (nested structs,
# arrays, maps, arrays of structs, unicode and every escape, doubles over the
# whole exponent range, decimals, timestamps, nulls, missing and unknown
# members, random member order and whitespace) is read by both with the same
# explicit schema; lago's rows (tests/tools/jsonl_dump, canonical text of
# vec/value_text.h) must equal DuckDB's rows rendered in the same canonical
# text. Checked with one reader, with the parallel scan (2 threads, small
# ranges), and as one multi-line JSON array (multiLine=true vs format='array').
NAME=jsonl_duckdb
. "$(dirname "$0")/lib/duckdb_diff.sh"

cat > "$T/duck_json.mjs" <<'JS'
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
const [mode, file, rowsArg, seedArg] = process.argv.slice(2);
// Column types, as DuckDB spells them and as the renderer needs them.
const COLS = [
  ['id', 'BIGINT', 'int'], ['s', 'VARCHAR', 'str'], ['n', 'DOUBLE', 'dbl'], ['d', 'DECIMAL(12,3)', 'raw'],
  ['t', 'TIMESTAMP', 'raw'], ['b', 'BOOLEAN', 'raw'], ['i', 'INTEGER', 'int'], ['arr', 'INTEGER[]', ['list', 'int']],
  ['obj', 'STRUCT(x INTEGER, y VARCHAR[])', ['struct', [['x', 'int'], ['y', ['list', 'str']]]]],
  ['m', 'MAP(VARCHAR, INTEGER)', ['map', 'str', 'int']],
  ['kv', 'STRUCT(k VARCHAR, v DOUBLE)[]', ['list', ['struct', [['k', 'str'], ['v', 'dbl']]]]],
];
const { fmtDouble, rng } = await import(process.env.LAGO_ROOT + '/tests/node/textgen.mjs');
function render(v, t) {
  if (v === null || v === undefined) return '\\N';
  if (t === 'str') return '"' + String(v).replace(/"/g, '""') + '"';
  if (t === 'dbl') return fmtDouble(Number(v));
  if (t === 'int' || t === 'raw') return String(v);
  if (t[0] === 'list') return '[' + v.items.map((x) => render(x, t[1])).join(',') + ']';
  if (t[0] === 'struct') return '{' + t[1].map(([n, ft]) => '"' + n + '":' + render(v.entries[n], ft)).join(',') + '}';
  if (t[0] === 'map') return '{' + v.entries.map((e) => render(e.key, t[1]) + ':' + render(e.value, t[2])).join(',') + '}';
  throw new Error('type ' + t);
}
if (mode === 'gen') {
  const rnd = rng(seedArg);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const ws = () => (rnd() < 0.2 ? pick([' ', '  ', '\t', ' \t ']) : '');
  const pieces = ['a', 'xyz', ' ', ',', '"', '\\', '\n', '\t', '\r', '\b', '\f', '/', 'é', '日本', '🦆', "'", '{', '}', '[', ']',
                  '\u0001', '\u001f', '\u007f', '\u2028', 'NULL', '0', 'a long piece of text to go over twelve bytes'];
  const str = () => { let x = ''; const k = Math.floor(rnd() * 5); for (let j = 0; j < k; j++) x += pick(pieces); return x; };
  // JSON string literal with a random choice of escapes for each character.
  const lit = (x) => {
    let o = '"';
    for (const ch of x) {
      const c = ch.codePointAt(0);
      if (ch === '"') o += '\\"'; else if (ch === '\\') o += '\\\\';
      else if (c < 0x20) o += { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c] ?? '\\u' + c.toString(16).padStart(4, '0');
      else if (ch === '/' && rnd() < 0.5) o += '\\/';
      else if (c > 0x7f && rnd() < 0.3) {
        if (c > 0xffff) { const h = Math.floor((c - 0x10000) / 0x400) + 0xd800, l = ((c - 0x10000) % 0x400) + 0xdc00; o += '\\u' + h.toString(16) + '\\u' + l.toString(16).toUpperCase(); }
        else o += '\\u' + c.toString(16).padStart(4, '0');
      } else if (c < 0x7f && rnd() < 0.05) o += '\\u' + c.toString(16).padStart(4, '0').toUpperCase();
      else o += ch;
    }
    return o + '"';
  };
  const dbl = () => {
    const k = Math.floor(rnd() * 5);
    if (k === 0) return String(Math.round((rnd() - 0.5) * 1e6) / 1000);
    if (k === 1) return ((rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300)).toExponential();
    if (k === 2) return String(Math.floor(rnd() * 1e9));
    if (k === 3) return ((rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)).toPrecision(1 + Math.floor(rnd() * 17)).replace('e+', rnd() < 0.5 ? 'e' : 'E+');
    return String(rnd());
  };
  const intv = () => String(Math.floor((rnd() - 0.5) * 4e9) % 2147483647);
  const ts = () => {
    const ms = Math.floor(rnd() * 4e12) - 1e12; let t = new Date(ms).toISOString().replace('Z', '');
    if (rnd() < 0.5) t = t.replace('T', ' ');
    const f = Math.floor(rnd() * 3);
    return f === 0 ? t.slice(0, 19) : f === 1 ? t : t + String(Math.floor(rnd() * 1000)).padStart(3, '0');
  };
  const maybe = (f) => (rnd() < 0.1 ? 'null' : f());
  const lines = [];
  const N = Number(rowsArg);
  for (let r = 0; r < N; r++) {
    const m = [];
    m.push(['id', String(rnd() < 0.05 ? -9007199254740991 + r : r)]);
    m.push(['s', maybe(() => lit(str()))]);
    m.push(['n', maybe(dbl)]);
    m.push(['d', maybe(() => ((rnd() < 0.5 ? '-' : '') + Math.floor(rnd() * 1e8) + (rnd() < 0.8 ? '.' + String(Math.floor(rnd() * 1000)).padStart(3, '0').replace(/0+$/, '0') : '')))]);
    m.push(['t', maybe(() => '"' + ts() + '"')]);
    m.push(['b', maybe(() => (rnd() < 0.5 ? 'true' : 'false'))]);
    m.push(['i', maybe(intv)]);
    m.push(['arr', maybe(() => '[' + ws() + Array.from({ length: Math.floor(rnd() * 4) }, () => maybe(intv)).join(',' + ws()) + ']')]);
    m.push(['obj', maybe(() => {
      const f = [];
      if (rnd() < 0.8) f.push('"x":' + maybe(intv));
      if (rnd() < 0.8) f.push('"y":' + maybe(() => '[' + Array.from({ length: Math.floor(rnd() * 3) }, () => maybe(() => lit(str()))).join(',') + ']'));
      if (rnd() < 0.2) f.push('"unknown":{"deep":[1,{"z":"' + r + '"}]}');
      if (rnd() < 0.5) f.reverse();
      return '{' + ws() + f.join(',' + ws()) + '}';
    })]);
    m.push(['m', maybe(() => '{' + Array.from({ length: Math.floor(rnd() * 3) }, (_, j) => lit('k' + j + str()) + ':' + maybe(intv)).join(',') + '}')]);
    m.push(['kv', maybe(() => '[' + Array.from({ length: Math.floor(rnd() * 3) }, () => maybe(() => '{"k":' + maybe(() => lit(str())) + ',"v":' + maybe(dbl) + '}')).join(',') + ']')]);
    if (rnd() < 0.3) m.push(['extra_' + Math.floor(rnd() * 3), pick(['1', '"x"', '[1,2]', '{"a":null}', 'true'])]);
    const kept = m.filter((kv) => kv[0] === 'id' || rnd() < 0.9);
    for (let j = kept.length - 1; j > 0; j--) if (rnd() < 0.3) { const k = Math.floor(rnd() * (j + 1)); [kept[j], kept[k]] = [kept[k], kept[j]]; }
    lines.push(ws() + '{' + ws() + kept.map(([k, v]) => '"' + k + '"' + ws() + ':' + ws() + v).join(',' + ws()) + ws() + '}' + ws());
    if (rnd() < 0.02) lines.push(rnd() < 0.5 ? '' : '   ');
  }
  fs.writeFileSync(file, lines.join(seedArg % 2 ? '\r\n' : '\n') + (rnd() < 0.5 ? '\n' : ''));
} else if (mode === 'array') {
  // The same records as one multi-line JSON document (an array), for multiLine=true.
  const recs = fs.readFileSync(file, 'utf8').split(/\r\n|\n/).filter((l) => l.trim() !== '');
  fs.writeFileSync(rowsArg, '[\n' + recs.map((l) => '  ' + l).join(',\n') + '\n]\n');
} else {
  const fmt = mode === 'duckarray' ? 'array' : 'newline_delimited';
  const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await inst.connect();
  await con.run("SET TimeZone = 'UTC'");
  const cols = COLS.map(([n, t]) => `'${n}':'${t}'`).join(',');
  const res = await con.runAndReadAll(`SELECT * FROM read_json('${file}', format='${fmt}', columns={${cols}})`);
  const out = [COLS.map((c) => c[0]).join(',')];
  for (const row of res.getRows()) out.push(row.map((v, c) => render(v, COLS[c][2])).join(','));
  process.stdout.write(out.join('\n') + '\n');
}
JS

SCHEMA='STRUCT<id: BIGINT, s: STRING, n: DOUBLE, d: DECIMAL(12,3), t: TIMESTAMP_NTZ, b: BOOLEAN, i: INT, arr: ARRAY<INT>, obj: STRUCT<x: INT, y: ARRAY<STRING>>, m: MAP<STRING, INT>, kv: ARRAY<STRUCT<k: STRING, v: DOUBLE>>>'
for seed in 7 12; do
  F="$T/gen$seed.jsonl"
  oracle "$T/duck_json.mjs" "$F" 4000 "$seed" "$T/duck$seed.txt" || continue
  for threads in 0 2; do
    same_rows "seed $seed threads $threads" "$T/duck$seed.txt" "$T/lago$seed-$threads.txt" \
      "$B/jsonl_dump" -o mode=FAILFAST -s "$SCHEMA" -t $threads -r 8192 "$F"
  done
  # The same records as a multi-line JSON array (multiLine=true; DuckDB format='array').
  A="$T/gen$seed.json"
  if node "$T/duck_json.mjs" array "$F" "$A" && node "$T/duck_json.mjs" duckarray "$A" > "$T/ducka$seed.txt" 2>"$T/duck.err"; then
    if "$B/jsonl_dump" -o multiLine=true -o mode=FAILFAST -s "$SCHEMA" "$A" > "$T/lagoa$seed.txt" 2>"$T/lago.err" &&
       cmp -s "$T/lagoa$seed.txt" "$T/ducka$seed.txt" && cmp -s "$T/ducka$seed.txt" "$T/duck$seed.txt"; then ok; else
      bad "seed $seed multiLine array: lago and DuckDB differ $(head -2 "$T/lago.err")"; diff "$T/lagoa$seed.txt" "$T/ducka$seed.txt" | head -6
    fi
  else
    bad "seed $seed: array document: $(head -3 "$T/duck.err")"
  fi
  enough_rows "$T/duck$seed.txt" 3000
done
finish
