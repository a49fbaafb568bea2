// tests/node/pq_meta_check.mjs: checks a Parquet file's metadata against what the writer meant
// (the NAME.meta.tsv that tests/tools/pq_write_sample writes), using DuckDB's parquet_schema(),
// parquet_metadata() and parquet_file_metadata() as the oracle, plus a small page-header walker
// (Thrift compact protocol, written here) for page types and data-page encodings, which DuckDB
// does not report.
//   node tests/node/pq_meta_check.mjs FILE.parquet META.tsv
// Prints one "FAIL ..." line per mismatch and exits 1 if there is any.
// META.tsv lines (tab-separated):
//   rows N | row_groups N | codec NAME | page_type DATA_PAGE|DATA_PAGE_V2 | page_index 0|1
//   kv KEY VALUE
//   schema name type type_length repetition num_children converted scale precision field_id logical duckdb_type
//       (in schema order after the root; \N = absent; logical in a short form, see shortLogical)
//   data_enc_has PATH ENC | data_enc_not PATH ENC | data_enc_only PATH ENC   (data pages of every chunk)
//   fstats PATH NULLS VALUES [MIN MAX]   (pq_file_stats; checked against DuckDB's own aggregates
//       for top-level primitive columns)
import fs from 'node:fs';
import { openDuck } from './canon.mjs';

const [file, metaPath] = process.argv.slice(2);
if (!file || !metaPath) { process.stderr.write('usage: node pq_meta_check.mjs FILE META.tsv\n'); process.exit(2); }
const con = await openDuck();
const q = async (sql) => (await con.runAndReadAll(sql)).getRowsJS();
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";
let fails = 0;
const fail = (msg) => { fails++; console.log(`FAIL ${file}: ${msg}`); };

// ---- DuckDB's logical_type text -> short form ----------------------------------------------
function shortLogical(lt) {
  if (lt === null || lt === undefined) return '\\N';
  let m;
  if (lt === 'StringType()') return 'STRING';
  if (lt === 'UUIDType()') return 'UUID';
  if (lt === 'DateType()') return 'DATE';
  if (lt === 'ListType()') return 'LIST';
  if (lt === 'MapType()') return 'MAP';
  if ((m = /^DecimalType\(scale=(\d+), precision=(\d+)\)$/.exec(lt))) return `DECIMAL(${m[2]},${m[1]})`;
  if ((m = /^IntType\(bitWidth=([\s\S]), isSigned=(\d)\)$/.exec(lt))) return `INT(${m[1].charCodeAt(0)},${m[2] === '1' ? 'signed' : 'unsigned'})`;
  if ((m = /^(Timestamp|Time)Type\(isAdjustedToUTC=(\d), unit=TimeUnit\((.*)\)\)$/.exec(lt))) {
    const unit = /MILLIS=MilliSeconds/.test(m[3]) ? 'MILLIS' : /MICROS=MicroSeconds/.test(m[3]) ? 'MICROS' : 'NANOS';
    return `${m[1].toUpperCase()}(${unit},${m[2] === '1' ? 'UTC' : 'local'})`;
  }
  return lt;
}
const txt = (v) => (v === null || v === undefined ? '\\N' : String(v));

// ---- a minimal Thrift compact reader for PageHeader -----------------------------------------
function pageHeader(buf, pos) {
  const start = pos;
  const varint = () => { let r = 0n, s = 0n; for (;;) { const b = buf[pos++]; r |= BigInt(b & 0x7f) << s; s += 7n; if (!(b & 0x80)) return r; } };
  const zz = () => { const v = varint(); return Number((v >> 1n) ^ -(v & 1n)); };
  function skip(type) {
    switch (type) {
      case 1: case 2: return;
      case 3: pos++; return;
      case 4: case 5: case 6: varint(); return;
      case 7: pos += 8; return;
      case 8: { const n = Number(varint()); pos += n; return; }
      case 9: case 10: { const h = buf[pos++]; let n = h >> 4; const et = h & 15; if (n === 15) n = Number(varint()); for (let i = 0; i < n; i++) skip(et); return; }
      case 12: struct(() => false); return;
      default: throw new Error(`thrift type ${type}`);
    }
  }
  // calls onField(id, type) which must consume the value (or return false to skip it)
  function struct(onField) {
    let last = 0;
    for (;;) {
      const h = buf[pos++];
      if (h === 0) return;
      const type = h & 15;
      const id = (h >> 4) ? last + (h >> 4) : zz();
      last = id;
      if (onField(id, type) === false) skip(type);
    }
  }
  const ph = {};
  struct((id, type) => {
    if (type === 5 && id <= 3) { ph[['', 'type', 'usize', 'csize'][id]] = zz(); return true; }
    if (type === 12 && (id === 5 || id === 8)) {
      struct((fid, ft) => { if (fid === (id === 5 ? 2 : 4) && ft === 5) { ph.encoding = zz(); return true; } return false; });
      return true;
    }
    return false;
  });
  ph.headerLen = pos - start;
  return ph;
}
// Generic Thrift compact decoder: a struct becomes { fieldId: value }, lists become arrays,
// binaries Buffers, integers Numbers (BigInt when beyond 2^53).
function decodeStruct(buf, pos) {
  const varint = () => { let r = 0n, s = 0n; for (;;) { const b = buf[pos++]; r |= BigInt(b & 0x7f) << s; s += 7n; if (!(b & 0x80)) return r; } };
  const num = (v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v);
  const zz = () => { const v = varint(); return num((v >> 1n) ^ -(v & 1n)); };
  function value(type) {
    switch (type) {
      case 1: return true; case 2: return false;
      case 3: return buf[pos++];
      case 4: case 5: case 6: return zz();
      case 7: pos += 8; return buf.readDoubleLE(pos - 8);
      case 8: { const n = Number(varint()); pos += n; return buf.subarray(pos - n, pos); }
      case 9: case 10: {
        const h = buf[pos++]; let n = h >> 4; const et = h & 15; if (n === 15) n = Number(varint());
        const out = [];
        for (let i = 0; i < n; i++) out.push(et === 1 || et === 2 ? buf[pos++] === 1 : value(et));
        return out;
      }
      case 12: return struct();
      default: throw new Error(`thrift type ${type} at ${pos}`);
    }
  }
  function struct() {
    const o = {}; let last = 0;
    for (;;) {
      const h = buf[pos++];
      if (h === 0) return o;
      const type = h & 15;
      const id = (h >> 4) ? last + (h >> 4) : zz();
      last = id;
      o[id] = value(type);
    }
  }
  const o = struct();
  return { value: o, end: pos };
}

const PAGE_TYPES = ['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'];
const ENCODINGS = ['PLAIN', 'GROUP_VAR_INT', 'PLAIN_DICTIONARY', 'RLE', 'BIT_PACKED', 'DELTA_BINARY_PACKED',
  'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'];

// ---- read the expectations and the file -------------------------------------------------------
const unesc = (s) => s.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
const meta = fs.readFileSync(metaPath, 'utf8').split('\n').filter((l) => l).map((l) => (l.startsWith('fstats\t') ? l.split('\t').map(unesc) : l.split('\t')));
const fileBuf = fs.readFileSync(file);
const fm = (await q(`SELECT num_rows, num_row_groups, created_by FROM parquet_file_metadata(${lit(file)})`))[0] || [];
const kvRows = await q(`SELECT decode(key), decode(value) FROM parquet_kv_metadata(${lit(file)})`);
const schema = (await q(`SELECT name, type, type_length, repetition_type, num_children, converted_type, scale, precision, field_id, logical_type, duckdb_type FROM parquet_schema(${lit(file)})`)).slice(1);
const chunks = (await q(`SELECT row_group_id, path_in_schema, compression, encodings, dictionary_page_offset, data_page_offset, total_compressed_size, num_values, row_group_num_rows FROM parquet_metadata(${lit(file)})`))
  .map((r) => { r[1] = r[1].split(', ').join('.'); return r; }); // DuckDB joins the path with ', '

// pages of every chunk
const dataEnc = new Map(); // path -> Set of data page encodings
const pageTypes = new Set();
const dataPages = new Map(); // "rg/column index" -> [{ offset, size }]
let chunkNo = 0, lastRg = -1;
for (const [rg, path, , , dictOff, dataOff, size] of chunks) {
  if (rg !== lastRg) { chunkNo = 0; lastRg = rg; }
  let pos = Number(dictOff !== null && dictOff > 0 ? dictOff : dataOff);
  const end = pos + Number(size);
  const list = [];
  while (pos < end) {
    const ph = pageHeader(fileBuf, pos);
    const t = PAGE_TYPES[ph.type];
    if (t !== 'DICTIONARY_PAGE') {
      pageTypes.add(t);
      if (!dataEnc.has(path)) dataEnc.set(path, new Set());
      dataEnc.get(path).add(ENCODINGS[ph.encoding]);
      list.push({ offset: pos, size: ph.headerLen + ph.csize });
    }
    pos += ph.headerLen + ph.csize;
  }
  dataPages.set(`${rg}/${chunkNo++}`, list);
  if (pos !== end) fail(`row group ${rg} column ${path}: pages end at ${pos}, the chunk at ${end}`);
}

// The page index, read from the footer with the generic decoder: OffsetIndex must list exactly
// the data pages found above, with first rows 0 < ...; ColumnIndex one entry per page whose null
// counts add up to the chunk's statistics.
function checkPageIndex(want) {
  const flen = fileBuf.readUInt32LE(fileBuf.length - 8);
  const footer = decodeStruct(fileBuf, fileBuf.length - 8 - flen).value;
  let withOi = 0, withCi = 0, total = 0;
  (footer[4] || []).forEach((rg, g) => {
    (rg[1] || []).forEach((cc, k) => {
      total++;
      const pages = dataPages.get(`${g}/${k}`) || [];
      if (cc[4] !== undefined) {
        withOi++;
        const oi = decodeStruct(fileBuf, Number(cc[4]));
        if (oi.end - Number(cc[4]) !== cc[5]) fail(`rg ${g} col ${k}: OffsetIndex length ${cc[5]}, decoded ${oi.end - Number(cc[4])}`);
        const locs = oi.value[1] || [];
        if (locs.length !== pages.length) fail(`rg ${g} col ${k}: OffsetIndex has ${locs.length} pages, the chunk ${pages.length}`);
        locs.forEach((l, i) => {
          if (!pages[i] || l[1] !== pages[i].offset || l[2] !== pages[i].size) fail(`rg ${g} col ${k} page ${i}: OffsetIndex ${l[1]}+${l[2]}, page at ${pages[i] && pages[i].offset}+${pages[i] && pages[i].size}`);
          if (i === 0 ? l[3] !== 0 : !(l[3] > locs[i - 1][3])) fail(`rg ${g} col ${k} page ${i}: first_row_index ${l[3]}`);
          if (l[3] >= rg[3]) fail(`rg ${g} col ${k} page ${i}: first_row_index ${l[3]} >= rows ${rg[3]}`);
        });
      }
      if (cc[6] !== undefined) {
        withCi++;
        const ci = decodeStruct(fileBuf, Number(cc[6]));
        if (ci.end - Number(cc[6]) !== cc[7]) fail(`rg ${g} col ${k}: ColumnIndex length mismatch`);
        const v = ci.value;
        if ((v[1] || []).length !== pages.length || (v[2] || []).length !== pages.length || (v[3] || []).length !== pages.length) fail(`rg ${g} col ${k}: ColumnIndex lists do not have ${pages.length} entries`);
        const nulls = (v[5] || []).reduce((s, x) => s + Number(x), 0);
        const st = cc[3] && cc[3][12];
        if (st && st[3] !== undefined && Number(st[3]) !== nulls) fail(`rg ${g} col ${k}: ColumnIndex nulls ${nulls}, chunk statistics ${st[3]}`);
        (v[1] || []).forEach((isNull, i) => { if (!isNull && v[2][i].length === 0 && v[3][i].length === 0 && cc[3][1] !== 6) fail(`rg ${g} col ${k} page ${i}: empty bounds on a non-null page`); });
      }
    });
  });
  if (want === '1' && withOi !== total) fail(`page index: ${withOi} of ${total} chunks have an OffsetIndex`);
  if (want === '1' && withCi === 0) fail('page index: no chunk has a ColumnIndex');
  if (want === '0' && (withOi || withCi)) fail('page index written but not asked for');
}

let si = 0;
for (const m of meta) {
  const [kind, ...a] = m;
  switch (kind) {
    case 'rows': if (String(fm[0]) !== a[0]) fail(`num_rows ${fm[0]}, want ${a[0]}`); break;
    case 'row_groups': if (String(fm[1]) !== a[0]) fail(`row groups ${fm[1]}, want ${a[0]}`); break;
    case 'codec':
      for (const c of chunks) if (c[2] !== a[0]) { fail(`column ${c[1]} row group ${c[0]}: codec ${c[2]}, want ${a[0]}`); break; }
      break;
    case 'page_type':
      if (pageTypes.size !== 1 || !pageTypes.has(a[0])) fail(`data page types ${[...pageTypes]}, want only ${a[0]}`);
      break;
    case 'page_index': checkPageIndex(a[0]); break;
    case 'kv': {
      const hit = kvRows.find((r) => r[0] === a[0]);
      if (!hit || hit[1] !== a[1]) fail(`key-value ${a[0]} = ${hit ? hit[1] : '(absent)'}, want ${a[1]}`);
      break;
    }
    case 'schema': {
      const got = schema[si++];
      if (!got) { fail(`schema element ${a[0]} missing`); break; }
      const norm = [txt(got[0]), txt(got[1]), txt(got[2]), txt(got[3]), txt(got[4]), txt(got[5]), txt(got[6]), txt(got[7]), txt(got[8]), shortLogical(got[9]), txt(got[10])];
      if (norm.join('\t') !== a.join('\t')) fail(`schema element ${si}:\n    got  ${norm.join(' | ')}\n    want ${a.join(' | ')}`);
      break;
    }
    case 'data_enc_has': case 'data_enc_not': case 'data_enc_only': {
      const set = dataEnc.get(a[0]) || new Set();
      if (kind === 'data_enc_has' && !set.has(a[1])) fail(`${a[0]}: data page encodings ${[...set]} lack ${a[1]}`);
      if (kind === 'data_enc_not' && set.has(a[1])) fail(`${a[0]}: data page encodings ${[...set]} include ${a[1]}`);
      if (kind === 'data_enc_only' && (set.size !== 1 || !set.has(a[1]))) fail(`${a[0]}: data page encodings ${[...set]}, want only ${a[1]}`);
      break;
    }
    case 'fstats': {
      // value count = levels: for a top-level column, the sum of num_values over its chunks
      const vals = chunks.filter((c) => c[1] === a[0]).reduce((s, c) => s + Number(c[7]), 0);
      if (String(vals) !== a[2]) fail(`${a[0]}: file stats value_count ${a[2]}, chunks hold ${vals}`);
      if (a[0].includes('.')) break;
      const col = '"' + a[0].replace(/"/g, '""') + '"';
      const types = await q(`SELECT typeof(${col}) FROM read_parquet(${lit(file)}) LIMIT 1`);
      const ty = types.length ? types[0][0] : '';
      const [[nulls]] = await q(`SELECT count(*) - count(${col}) FROM read_parquet(${lit(file)})`);
      if (String(nulls) !== a[1]) fail(`${a[0]}: file stats null_count ${a[1]}, DuckDB counts ${nulls}`);
      if (/^(FLOAT|DOUBLE)$/.test(ty)) {
        const [[nan]] = await q(`SELECT count(*) FILTER (WHERE isnan(${col})) FROM read_parquet(${lit(file)})`);
        if (Number(nan) > 0 && a.length > 3) fail(`${a[0]}: column holds NaN but file stats have min/max`);
        if (Number(nan) > 0) break;
      }
      if (ty === 'INTERVAL' || ty === 'BOOLEAN' || /^(FLOAT|DOUBLE)$/.test(ty)) break; // text forms differ; unit-tested in C
      const [[mn, mx, cnt]] = await q(`SELECT CAST(min(${col}) AS VARCHAR), CAST(max(${col}) AS VARCHAR), count(${col}) FROM read_parquet(${lit(file)})`);
      if (Number(cnt) === 0) { if (a.length > 3) fail(`${a[0]}: all null but file stats have min/max`); break; }
      if (a.length < 5) { fail(`${a[0]}: file stats lack min/max`); break; }
      const unq = (s) => (ty === 'VARCHAR' && s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);
      let wantMin = mn, wantMax = mx;
      if (ty === 'BLOB') {
        const [[hmn, hmx]] = await q(`SELECT lower(hex(min(${col}))), lower(hex(max(${col}))) FROM read_parquet(${lit(file)})`);
        wantMin = '0x' + hmn; wantMax = '0x' + hmx;
      }
      if (unq(a[3]) !== wantMin || unq(a[4]) !== wantMax) fail(`${a[0]} (${ty}): file stats min/max ${a[3]} / ${a[4]}, DuckDB min()/max() ${wantMin} / ${wantMax}`);
      break;
    }
    default: fail(`unknown meta line ${kind}`);
  }
}
if (si !== schema.length) fail(`file has ${schema.length} schema elements, expected ${si}`);
process.exit(fails ? 1 : 0);
