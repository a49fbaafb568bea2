// tests/node/delta_duck.mjs: an independent Delta reader (JS log replay + DuckDB Parquet reads),
// the interop oracle for tables lago writes (tests/scripts/delta_interop.sh).
//   node tests/node/delta_duck.mjs TABLE_DIR
// Prints the latest version's rows in the canonical text (header of quoted names, then one
// record per row, sorted by bytes), like `lago table cat`. Written from PROTOCOL.md, sharing no
// code with lago:
//   - log: newest checkpoint by listing (_last_checkpoint only as a hint), read with DuckDB
//     (to_json of the add/remove/metaData/protocol columns), then the JSON commits after it;
//     reconciliation by (percent-decoded path, DV unique id), newest wins;
//   - deletion vectors: storage 'u' (file, CRC-32 checked) and 'i' (Z85 inline), RoaringBitmapArray
//     decoded here; rows dropped by DuckDB's file_row_number;
//   - partition values cast from their serialized text; column mapping by physical name.
import { DuckDBTypeId as T } from '@duckdb/node-api';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { openDuck, fmtFloating } from './canon.mjs';

const root = process.argv[2];
if (!root) { process.stderr.write('usage: node tests/node/delta_duck.mjs TABLE_DIR\n'); process.exit(2); }
const log = `${root}/_delta_log`;
const con = await openDuck();
const sqlStr = (s) => "'" + s.replace(/'/g, "''") + "'";
const ident = (s) => '"' + s.replace(/"/g, '""') + '"';
// percent-decode once, at the byte level (the path's other characters are UTF-8 already)
function pct(s) {
  const inb = Buffer.from(s, 'utf8'), out = [];
  for (let i = 0; i < inb.length; i++) {
    if (inb[i] === 0x25 && i + 2 < inb.length && /^[0-9A-Fa-f]{2}$/.test(String.fromCharCode(inb[i + 1], inb[i + 2]))) {
      out.push(parseInt(String.fromCharCode(inb[i + 1], inb[i + 2]), 16));
      i += 2;
    } else out.push(inb[i]);
  }
  return Buffer.from(out).toString('utf8');
}

// ---- log replay -------------------------------------------------------------------------
const names = readdirSync(log);
const commits = names.filter((n) => /^\d{20}\.json$/.test(n)).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b);
const cps = names.filter((n) => /^\d{20}\.checkpoint\.parquet$/.test(n)).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b);
const latest = Math.max(commits.length ? commits[commits.length - 1] : -1, cps.length ? cps[cps.length - 1] : -1);
const cp = cps.length ? cps[cps.length - 1] : -1;
let protocol = null, metadata = null;
const files = new Map(); // key -> {add|null}
const dvKey = (dv) => (dv ? dv.storageType + dv.pathOrInlineDv + (dv.offset != null ? '@' + dv.offset : '') : '');
// newest first: commits latest..cp+1, then the checkpoint
for (let v = latest; v > cp; v--) {
  const text = readFileSync(`${log}/${String(v).padStart(20, '0')}.json`, 'utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line);
    if (a.protocol && !protocol) protocol = a.protocol;
    if (a.metaData && !metadata) metadata = a.metaData;
    const f = a.add || a.remove;
    if (!f) continue;
    const key = pct(f.path) + '\u0001' + dvKey(f.deletionVector);
    if (!files.has(key)) files.set(key, a.add ? a.add : null);
  }
}
if (cp >= 0) {
  const file = `${log}/${String(cp).padStart(20, '0')}.checkpoint.parquet`;
  const res = await con.runAndReadAll(`SELECT to_json(add)::VARCHAR, to_json(remove)::VARCHAR, to_json(metaData)::VARCHAR,
     to_json(protocol)::VARCHAR FROM read_parquet(${sqlStr(file)})`);
  for (const [add, rem, md, pr] of res.getRows()) {
    if (pr && pr !== 'null' && !protocol) protocol = JSON.parse(pr);
    if (md && md !== 'null' && !metadata) {
      metadata = JSON.parse(md);
      // maps come back as {"key":k,"value":v} lists or objects depending on the DuckDB version
      if (Array.isArray(metadata.configuration)) metadata.configuration = Object.fromEntries(metadata.configuration.map((e) => [e.key, e.value]));
    }
    const a = add && add !== 'null' ? JSON.parse(add) : null;
    const r = rem && rem !== 'null' ? JSON.parse(rem) : null;
    const f = a || r;
    if (!f) continue;
    if (Array.isArray(f.partitionValues)) f.partitionValues = Object.fromEntries(f.partitionValues.map((e) => [e.key, e.value]));
    const key = pct(f.path) + '\u0001' + dvKey(f.deletionVector);
    if (!files.has(key)) files.set(key, a);
  }
}
if (!protocol || !metadata) throw new Error('no protocol or metaData');
const schema = JSON.parse(metadata.schemaString);
const mode = (metadata.configuration || {})['delta.columnMapping.mode'] || 'none';
const phys = (f) => (mode !== 'none' && f.metadata && f.metadata['delta.columnMapping.physicalName']) || f.name;

// ---- deletion vectors --------------------------------------------------------------------
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
function z85(s) {
  const out = Buffer.alloc((s.length / 5) * 4);
  for (let i = 0; i < s.length; i += 5) {
    let v = 0;
    for (let k = 0; k < 5; k++) v = v * 85 + Z85.indexOf(s[i + k]);
    out.writeUInt32BE(v % 2 ** 32, (i / 5) * 4);
  }
  return out;
}
const CRC = new Int32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c; });
const crc32 = (b) => { let c = -1; for (const x of b) c = CRC[(c ^ x) & 255] ^ (c >>> 8); return (c ^ -1) >>> 0; };
function roaringArray(b) {
  if (b.readUInt32LE(0) !== 1681511377) throw new Error('bad DV magic');
  const rows = [];
  let p = 12;
  for (let n = Number(b.readBigUInt64LE(4)); n > 0; n--) {
    const high = b.readUInt32LE(p); p += 4;
    const cookie = b.readUInt32LE(p); p += 4;
    let count, runs = null, offsets;
    if ((cookie & 0xffff) === 12347) { count = (cookie >>> 16) + 1; runs = b.subarray(p, p + ((count + 7) >> 3)); p += (count + 7) >> 3; offsets = count >= 4; }
    else if (cookie === 12346) { count = b.readUInt32LE(p); p += 4; offsets = true; }
    else throw new Error('bad roaring cookie');
    const hdr = [];
    for (let i = 0; i < count; i++) { hdr.push([b.readUInt16LE(p), b.readUInt16LE(p + 2) + 1]); p += 4; }
    if (offsets) p += 4 * count;
    for (let i = 0; i < count; i++) {
      const base = high * 2 ** 32 + hdr[i][0] * 65536, card = hdr[i][1];
      if (runs && (runs[i >> 3] >> (i & 7)) & 1) {
        const nr = b.readUInt16LE(p); p += 2;
        for (let r = 0; r < nr; r++) { const s = b.readUInt16LE(p), l = b.readUInt16LE(p + 2) + 1; p += 4; for (let v = s; v < s + l; v++) rows.push(base + v); }
      } else if (card <= 4096) {
        for (let k = 0; k < card; k++) { rows.push(base + b.readUInt16LE(p)); p += 2; }
      } else {
        for (let w = 0; w < 1024; w++) { const word = b.readBigUInt64LE(p + w * 8); for (let bit = 0; bit < 64; bit++) if ((word >> BigInt(bit)) & 1n) rows.push(base + w * 64 + bit); }
        p += 8192;
      }
    }
  }
  return rows;
}
function dvRows(dv) {
  if (!dv) return [];
  if (dv.storageType === 'i') return roaringArray(z85(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes));
  if (dv.storageType !== 'u') throw new Error('DV storage ' + dv.storageType);
  const s = dv.pathOrInlineDv, u = z85(s.slice(-20)).toString('hex');
  const uuid = `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
  const file = `${root}/${s.length > 20 ? s.slice(0, -20) + '/' : ''}deletion_vector_${uuid}.bin`;
  const b = readFileSync(file), off = dv.offset ?? 1, size = b.readUInt32BE(off);
  if (size !== dv.sizeInBytes) throw new Error('DV size mismatch');
  const bm = b.subarray(off + 4, off + 4 + size);
  if (crc32(bm) !== b.readUInt32BE(off + 4 + size)) throw new Error('DV CRC mismatch');
  const rows = roaringArray(bm);
  if (rows.length !== dv.cardinality) throw new Error('DV cardinality mismatch');
  return rows;
}

// ---- types and rows ------------------------------------------------------------------------
function duckType(t) {
  if (typeof t === 'object') {
    if (t.type === 'array') return duckType(t.elementType) + '[]';
    if (t.type === 'map') return `MAP(${duckType(t.keyType)}, ${duckType(t.valueType)})`;
    return 'STRUCT(' + t.fields.map((f) => `${ident(f.name)} ${duckType(f.type)}`).join(', ') + ')';
  }
  const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (m) return `DECIMAL(${m[1]},${m[2]})`;
  return { string: 'VARCHAR', long: 'BIGINT', integer: 'INTEGER', short: 'SMALLINT', byte: 'TINYINT', double: 'DOUBLE',
    float: 'FLOAT', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMPTZ', timestamp_ntz: 'TIMESTAMP', binary: 'BLOB' }[t];
}
// a nested value built from the file's physical struct: rename fields to logical names
function logicalExpr(expr, t) {
  if (typeof t !== 'object' || mode === 'none') return expr;
  if (t.type === 'struct')
    return 'struct_pack(' + t.fields.map((f) => `${ident(f.name)} := ${logicalExpr(`(${expr}).${ident(phys(f))}`, f.type)}`).join(', ') + ')';
  return expr;
}
const parts = metadata.partitionColumns || [];
const selects = [];
for (const add of files.values()) {
  if (!add) continue;
  const path = `${root}/${pct(add.path)}`;
  const desc = await con.runAndReadAll(`SELECT name FROM parquet_schema(${sqlStr(path)})`);
  const have = new Set(desc.getRows().map((r) => r[0]));
  const cols = schema.fields.map((f) => {
    const ty = duckType(f.type);
    if (parts.includes(f.name)) {
      const v = (add.partitionValues || {})[phys(f)];
      if (v == null || v === '') return `CAST(NULL AS ${ty}) AS ${ident(f.name)}`;
      return `CAST(${sqlStr(v)} AS ${ty}) AS ${ident(f.name)}`;
    }
    if (!have.has(phys(f))) return `CAST(NULL AS ${ty}) AS ${ident(f.name)}`;
    return `${logicalExpr(ident(phys(f)), f.type)}::${ty} AS ${ident(f.name)}`;
  });
  const del = dvRows(add.deletionVector);
  const where = del.length ? ` WHERE file_row_number NOT IN (${del.join(',')})` : '';
  selects.push(`SELECT ${cols.join(', ')} FROM read_parquet(${sqlStr(path)}, file_row_number = true)${where}`);
}
const NULL = '\\N', quote = (s) => '"' + s.replace(/"/g, '""') + '"';
function render(v, t) {
  if (v === null || v === undefined) return NULL;
  switch (t.typeId) {
    case T.BOOLEAN: return v ? 'true' : 'false';
    case T.FLOAT: return fmtFloating(v, true);
    case T.DOUBLE: return fmtFloating(v, false);
    case T.VARCHAR: return quote(v);
    case T.BLOB: return '0x' + Buffer.from(v.bytes).toString('hex');
    case T.LIST: case T.ARRAY: return '[' + v.items.map((x) => render(x, t.valueType)).join(',') + ']';
    case T.STRUCT: return '{' + t.entryNames.map((n, i) => quote(n) + ':' + render(v.entries[n], t.entryTypes[i])).join(',') + '}';
    case T.MAP: return '{' + v.entries.map((e) => render(e.key, t.keyType) + ':' + render(e.value, t.valueType)).join(',') + '}';
    default: return v.toString();
  }
}
const header = schema.fields.map((f) => quote(f.name)).join(',');
const lines = [];
if (selects.length) {
  const q = selects.join(' UNION ALL BY NAME ');
  const probe = await con.runAndReadAll(`SELECT * FROM (${q}) LIMIT 0`);
  const types = probe.columnTypes(), colNames = probe.columnNames();
  const sel = colNames.map((n, i) => {
    const id = types[i].typeId;
    return [T.LIST, T.ARRAY, T.STRUCT, T.MAP, T.VARCHAR, T.BOOLEAN, T.FLOAT, T.DOUBLE, T.BLOB].includes(id) ? ident(n) : `CAST(${ident(n)} AS VARCHAR)`;
  });
  const res = await con.runAndReadAll(`SELECT ${sel.join(', ')} FROM (${q})`);
  for (const row of res.getRows())
    lines.push(row.map((v, i) => {
      const id = types[i].typeId;
      return [T.LIST, T.ARRAY, T.STRUCT, T.MAP, T.VARCHAR, T.BOOLEAN, T.FLOAT, T.DOUBLE, T.BLOB].includes(id) ? render(v, types[i]) : v === null ? NULL : v;
    }).join(','));
}
lines.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
process.stdout.write(header + '\n' + lines.map((l) => l + '\n').join(''));
if (existsSync(`${log}/_last_checkpoint`)) process.stderr.write(`read checkpoint ${cp} + ${latest - cp} commits\n`);
