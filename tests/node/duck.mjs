// tests/node/duck.mjs: run SQL in DuckDB (the test oracle) from shell tests.
//   node tests/node/duck.mjs "SQL" [more SQL ...]   prints the last statement's rows as CSV (header, \N for NULL)
// Settings match the conformance generator: threads=1, TimeZone UTC, insertion order kept.
import { DuckDBInstance } from '@duckdb/node-api';

const inst = await DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false' });
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");
await con.run('SET preserve_insertion_order = true');
const stmts = process.argv.slice(2);
let last = null;
for (const s of stmts) last = await con.runAndReadAll(s);
if (last) {
  const cols = last.columnNames();
  const out = [cols.join(',')];
  for (const row of last.getRows()) out.push(row.map((v) => (v === null ? '\\N' : String(v))).join(','));
  process.stdout.write(out.join('\n') + '\n');
}
