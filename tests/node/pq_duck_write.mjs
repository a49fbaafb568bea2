// tests/node/pq_duck_write.mjs: DuckDB writes Parquet files for tests/scripts/parquet_duckdb_read.sh
// (lago's reader must read what DuckDB writes):
//   node tests/node/pq_duck_write.mjs OUTDIR      writes OUTDIR/duck_<table>_<codec>_<version>_rg<N>.parquet
// Tables: `types` (every DuckDB type lago reads, nulls, extremes, NaN/inf/-0.0, strings that need
// quoting) and `nested` (lists, structs, maps, nested lists, null vs empty); codecs uncompressed,
// snappy, gzip, zstd, lz4_raw, brotli; PARQUET_VERSION V1 and V2; several ROW_GROUP_SIZEs.
// Prints the file names, one per line.
import { openDuck } from './canon.mjs';

const out = process.argv[2];
if (!out) { process.stderr.write('usage: node tests/node/pq_duck_write.mjs OUTDIR\n'); process.exit(2); }
const con = await openDuck();

const N = 3000;
// i = 0..N-1; NULL every 7th row (offset per column); edge values on the first rows.
const TYPES = `
SELECT
  CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 7 = 1 THEN NULL WHEN i = 2 THEN -128 WHEN i = 3 THEN 127 ELSE (i % 256 - 128) END::TINYINT AS i8,
  CASE WHEN i % 7 = 2 THEN NULL WHEN i = 3 THEN -32768 WHEN i = 4 THEN 32767 ELSE (i * 37 % 65536 - 32768) END::SMALLINT AS i16,
  CASE WHEN i % 7 = 3 THEN NULL WHEN i = 4 THEN -2147483648 WHEN i = 5 THEN 2147483647 ELSE i * 7919 - 12000000 END::INTEGER AS i32,
  CASE WHEN i % 7 = 4 THEN NULL WHEN i = 5 THEN (-9223372036854775807 - 1) WHEN i = 6 THEN 9223372036854775807 ELSE i * 1000003 * 1000003 - 5 END::BIGINT AS i64,
  CASE WHEN i % 7 = 5 THEN NULL ELSE i % 256 END::UTINYINT AS u8,
  CASE WHEN i % 7 = 6 THEN NULL ELSE i * 13 % 65536 END::USMALLINT AS u16,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i = 1 THEN 4294967295 ELSE i * 1000003 % 4294967296 END::UINTEGER AS u32,
  CASE WHEN i % 11 = 1 THEN NULL WHEN i = 2 THEN 18446744073709551615 ELSE i * 1000000007 END::UBIGINT AS u64,
  CASE WHEN i % 13 = 0 THEN NULL WHEN i = 1 THEN 'nan'::FLOAT WHEN i = 2 THEN 'inf'::FLOAT WHEN i = 3 THEN '-inf'::FLOAT
       WHEN i = 4 THEN '-0.0'::FLOAT ELSE (i * 1.1 - 1000)::FLOAT END AS f32,
  CASE WHEN i % 13 = 1 THEN NULL WHEN i = 2 THEN 'nan'::DOUBLE WHEN i = 3 THEN '-inf'::DOUBLE WHEN i = 5 THEN '-0.0'::DOUBLE
       WHEN i = 6 THEN 1e300 WHEN i = 7 THEN 5e-324 ELSE i / 7.0 END::DOUBLE AS f64,
  CASE WHEN i % 13 = 2 THEN NULL ELSE (i * 17 % 19999 - 9999) / 100 END::DECIMAL(4,2) AS d4,
  CASE WHEN i % 13 = 3 THEN NULL ELSE (i * 1000003 % 2000000000000 - 1000000000000) * 0.000001 END::DECIMAL(18,6) AS d18,
  CASE WHEN i % 13 = 4 THEN NULL WHEN i = 5 THEN 9999999999999999999999999999.9999999999
       WHEN i = 6 THEN -9999999999999999999999999999.9999999999 ELSE (i * 123456789012345) * 0.0000000001 END::DECIMAL(38,10) AS d38,
  CASE WHEN i % 17 = 0 THEN NULL WHEN i = 1 THEN '' WHEN i = 2 THEN 'with "quotes", commas' WHEN i = 3 THEN 'line
feed' WHEN i = 4 THEN 'é日本' ELSE 'value_' || (i % 97) END AS s,
  CASE WHEN i % 17 = 1 THEN NULL WHEN i = 2 THEN ''::BLOB ELSE ('\\x00\\xff' || (i % 50)::VARCHAR)::BLOB END AS bin,
  CASE WHEN i % 17 = 2 THEN NULL WHEN i = 3 THEN DATE '0001-01-01' WHEN i = 4 THEN DATE '9999-12-31'
       ELSE DATE '2000-01-01' + (i * 37 % 20000 - 10000)::INTEGER END AS dt,
  CASE WHEN i % 17 = 3 THEN NULL ELSE make_time(i % 24, i % 60, (i % 60) + (i % 1000) / 1000.0) END AS tm,
  CASE WHEN i % 17 = 4 THEN NULL ELSE make_timestamp(1600000000000000 + i * 1000000007) END AS ts,
  CASE WHEN i % 17 = 5 THEN NULL ELSE make_timestamp(1600000000000000 + i * 999999937)::TIMESTAMPTZ END AS tstz,
  CASE WHEN i % 17 = 6 THEN NULL ELSE make_timestamp(1600000000000000 + i * 999)::TIMESTAMP_NS END AS tsns,
  CASE WHEN i % 17 = 7 THEN NULL ELSE ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID END AS uid,
  CASE WHEN i % 17 = 8 THEN NULL ELSE to_months(i % 30) + to_days(i % 40) + to_milliseconds(i * 1234) END AS iv
FROM range(${N}) t(i)`;

const NESTED = `
SELECT
  i AS id,
  CASE WHEN i % 7 = 0 THEN NULL WHEN i % 7 = 1 THEN []::INTEGER[] ELSE list_transform(range(i % 5), x -> CASE WHEN x = 2 THEN NULL ELSE (i * x)::INTEGER END) END AS li,
  CASE WHEN i % 9 = 0 THEN NULL ELSE {'a': CASE WHEN i % 4 = 0 THEN NULL ELSE i END, 'b': 'str' || i, 'c': {'d': i / 4.0, 'e': [i, i + 1]}} END AS st,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i % 11 = 1 THEN MAP {}::MAP(VARCHAR, INTEGER) ELSE MAP {'k' || (i % 3): i, 'z': CASE WHEN i % 2 = 0 THEN NULL ELSE -i END} END AS mp,
  CASE WHEN i % 13 = 0 THEN NULL ELSE [[i, NULL], [], NULL, [i * 2]] END AS ll,
  CASE WHEN i % 5 = 0 THEN [] ELSE [{'x': i, 'y': 'v' || i}, NULL, {'x': NULL, 'y': NULL}] END AS ls
FROM range(${N}) t(i)`;

const CODECS = ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4_raw', 'brotli'];
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";
const files = [];
for (const [name, sql] of [['types', TYPES], ['nested', NESTED]]) {
  CODECS.forEach((codec, k) => {
    for (const version of ['V1', 'V2']) {
      const rg = [100000, 1000, 2048][(k + (version === 'V2' ? 1 : 0)) % 3];
      const f = `${out}/duck_${name}_${codec}_${version.toLowerCase()}_rg${rg}.parquet`;
      files.push([f, `COPY (${sql}) TO ${lit(f)} (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE ${rg})`]);
    }
  });
}
for (const [f, q] of files) { await con.run(q); console.log(f); }
