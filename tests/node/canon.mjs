// tests/node/canon.mjs: DuckDB (the independent oracle) reads a Parquet file and prints its rows
// in the canonical text of shared/conformance/parquet/README.md ("Canonical text format"):
//   node tests/node/canon.mjs FILE.parquet
// Output: a header line of the quoted column names, then one line per row in file order
// (read_parquet with file_row_number, checked to come back 0, 1, 2, ...), fields joined by ','.
// Rendering by DuckDB type:
//   FLOAT/DOUBLE   shortest round-trip digits computed here (not DuckDB's float text), laid out
//                  as the README says; the sign of a top-level NaN comes from DuckDB's CAST text
//   VARCHAR        "..." with '"' doubled;  BLOB 0x + lowercase hex;  NULL \N anywhere
//   INTERVAL       "M months D days U micros";  LIST [a,b];  STRUCT {"f":v};  MAP {k:v}
//   everything else (integers, DECIMAL, DATE, TIME*, TIMESTAMP*, UUID, BOOLEAN): DuckDB's own
//                  CAST(... AS VARCHAR) text at top level, the node-api value text inside nested
//                  values (the same text: node-api mirrors DuckDB's casts)
// Settings as the conformance generator: threads=1, TimeZone UTC, insertion order kept.
import { DuckDBInstance, DuckDBTypeId as T } from '@duckdb/node-api';

// ---- floats -------------------------------------------------------------------------------

// Exact decimal digits of a positive finite double: { digits, exp } with value = d1.d2d3... x 10^exp.
function exactDigits(x) {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  const bits = b.readBigUInt64BE();
  const be = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2;
  if (be === 0) e2 = -1074;
  else { mant |= 1n << 52n; e2 = be - 1075; }
  let num, scale; // value = num / 10^scale
  if (e2 >= 0) { num = mant << BigInt(e2); scale = 0; } else { num = mant * 5n ** BigInt(-e2); scale = -e2; }
  const s = num.toString();
  return { digits: s, exp: s.length - 1 - scale };
}

// p significant digits of x > 0, rounded to nearest, ties to even (as printf's %.*e): [mantissa bigint, exp].
function roundTo(x, p) {
  const { digits, exp } = exactDigits(x);
  let head = BigInt(digits.slice(0, p).padEnd(p, '0'));
  const rest = digits.slice(p);
  let e = exp;
  if (rest.length) {
    const first = rest.charCodeAt(0) - 48;
    const tail = /[1-9]/.test(rest.slice(1));
    if (first > 5 || (first === 5 && (tail || head % 2n === 1n))) head += 1n;
    if (head === 10n ** BigInt(p)) { head /= 10n; e += 1; }
  }
  return [head, e];
}

const sci = (m, e) => { const d = m.toString(); return `${d[0]}${d.length > 1 ? '.' + d.slice(1) : ''}e${e}`; };

// Shortest digits that read back as x (x > 0, finite); isFloat: binary32.
function shortest(x, isFloat) {
  const back = (s) => (isFloat ? Math.fround(Number(s)) : Number(s)) === x;
  for (let p = 1; p <= (isFloat ? 9 : 17); p++) {
    let [m, e] = roundTo(x, p);
    if (back(sci(m, e))) return [m, e];
    // the p-digit neighbour on the other side of x can read back when x is a power of two
    const pow = 10n ** BigInt(p);
    if (Number(sci(m, e)) < x) { m += 1n; if (m === pow) { m = pow / 10n; e += 1; } }
    else { m -= 1n; if (m < pow / 10n) { m = pow - 1n; e -= 1; } }
    if (back(sci(m, e))) return [m, e];
  }
  throw new Error(`no shortest form for ${x}`);
}

export function fmtFloating(x, isFloat) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [m, e] = shortest(Math.abs(x), isFloat);
  const digits = m.toString().replace(/0+$/, '') || '0';
  if (e < -4 || e >= 16) {
    const mant = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '');
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e >= 0) {
    const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
    return `${sign}${int}.${digits.slice(e + 1) || '0'}`;
  }
  return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
}

// ---- values -------------------------------------------------------------------------------

const NULL = '\\N';
const quote = (s) => '"' + s.replace(/"/g, '""') + '"';

function render(v, t) {
  if (v === null || v === undefined) return NULL;
  switch (t.typeId) {
    case T.BOOLEAN: return v ? 'true' : 'false';
    case T.FLOAT: return fmtFloating(v, true);
    case T.DOUBLE: return fmtFloating(v, false);
    case T.VARCHAR: return quote(v);
    case T.BLOB: return '0x' + Buffer.from(v.bytes).toString('hex');
    case T.INTERVAL: return `${v.months} months ${v.days} days ${v.micros} micros`;
    case T.LIST: case T.ARRAY: return '[' + v.items.map((x) => render(x, t.valueType)).join(',') + ']';
    case T.STRUCT:
      return '{' + t.entryNames.map((n, i) => quote(n) + ':' + render(v.entries[n], t.entryTypes[i])).join(',') + '}';
    case T.MAP:
      return '{' + v.entries.map((e) => render(e.key, t.keyType) + ':' + render(e.value, t.valueType)).join(',') + '}';
    default: return v.toString();
  }
}

const sqlStr = (s) => "'" + s.replace(/'/g, "''") + "'";
const ident = (s) => '"' + s.replace(/"/g, '""') + '"';

export async function canonText(con, file) {
  const src = `read_parquet(${sqlStr(file)}, file_row_number = true)`;
  const probe = await con.runAndReadAll(`SELECT * EXCLUDE (file_row_number) FROM ${src} LIMIT 0`);
  const names = probe.columnNames();
  const types = probe.columnTypes();
  const parts = [];
  names.forEach((n, i) => {
    const c = ident(n), id = types[i].typeId;
    if (id === T.BLOB) parts.push(`lower(hex(${c}))`);
    else if ([T.LIST, T.ARRAY, T.STRUCT, T.MAP, T.VARCHAR, T.INTERVAL, T.BOOLEAN].includes(id)) parts.push(c);
    else parts.push(c, `CAST(${c} AS VARCHAR)`);
  });
  parts.push('file_row_number');
  const res = await con.runAndReadAll(`SELECT ${parts.join(', ')} FROM ${src}`);
  const lines = [names.map(quote).join(',')];
  let rowNo = 0;
  for (const row of res.getRows()) {
    if (Number(row[row.length - 1]) !== rowNo) throw new Error(`${file}: row order not kept at row ${rowNo}`);
    rowNo++;
    const fields = [];
    let j = 0;
    types.forEach((t) => {
      const id = t.typeId;
      if (id === T.BLOB) { const h = row[j++]; fields.push(h === null ? NULL : '0x' + h); }
      else if ([T.LIST, T.ARRAY, T.STRUCT, T.MAP, T.VARCHAR, T.INTERVAL, T.BOOLEAN].includes(id)) fields.push(render(row[j++], t));
      else {
        const v = row[j++], txt = row[j++];
        if (txt === null) fields.push(NULL);
        else if (id === T.FLOAT || id === T.DOUBLE) fields.push(Number.isNaN(v) ? (txt === '-nan' ? '-nan' : 'nan') : render(v, t));
        else fields.push(txt);
      }
    });
    lines.push(fields.join(','));
  }
  return lines.join('\n') + '\n';
}

export async function openDuck() {
  const inst = await DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false' });
  const con = await inst.connect();
  await con.run("SET TimeZone = 'UTC'");
  await con.run('SET preserve_insertion_order = true');
  return con;
}

if (process.argv[1] && process.argv[1].endsWith('canon.mjs')) {
  const files = process.argv.slice(2);
  if (!files.length) { process.stderr.write('usage: node tests/node/canon.mjs FILE.parquet...\n'); process.exit(2); }
  const con = await openDuck();
  for (const f of files) process.stdout.write(await canonText(con, f));
}
