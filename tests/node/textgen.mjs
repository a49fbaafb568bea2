// tests/node/textgen.mjs: what the text-reader differential tests share
// (tests/scripts/csv_duckdb.sh and jsonl_duckdb.sh generate files and render
// DuckDB's rows with these): a seeded random generator and the canonical
// double text of util/numfmt.h.

// xorshift64 from a seed: a function returning numbers in [0, 1), the same sequence for a seed.
export function rng(seed) {
  let s = BigInt(seed || 1);
  return () => {
    s ^= s << 13n; s &= (1n << 64n) - 1n; s ^= s >> 7n; s ^= s << 17n; s &= (1n << 64n) - 1n;
    return Number(s >> 11n) / 2 ** 53;
  };
}

// Canonical double text (util/numfmt.h): shortest digits; plain when -4 <= X < 16, else d[.ddd]e(+|-)XX.
export function fmtDouble(x) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const neg = x < 0; const e = Math.abs(x).toExponential();
  const [mant, expS] = e.split('e'); const X = Number(expS); const digits = mant.replace('.', '');
  let out;
  if (X >= -4 && X < 16) {
    if (X >= 0) {
      const ip = digits.slice(0, X + 1).padEnd(X + 1, '0'); const fp = digits.slice(X + 1);
      out = ip + '.' + (fp.length ? fp : '0');
    } else out = '0.' + '0'.repeat(-X - 1) + digits;
  } else {
    const ax = Math.abs(X); out = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (X < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
  }
  return (neg ? '-' : '') + out;
}
