// Times as Google's JSON APIs write them: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits
// (proto3 JSON's Timestamp), kept as nanoseconds since the epoch so that Cloud Logging's
// nanosecond timestamps compare and order exactly.

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/** Nanoseconds since the epoch, or undefined when `text` is not RFC 3339. */
export function parseTimestamp(text: string): bigint | undefined {
  const match = RFC3339.exec(text.trim());
  if (!match) return undefined;
  const [, whole, fraction, zone] = match as unknown as [string, string, string | undefined, string];
  const seconds = Date.parse(`${whole}${zone.toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((fraction ?? '').padEnd(9, '0'));
}

/** RFC 3339 in UTC with the fewest of 0, 3, 6 or 9 fractional digits that keep every nanosecond. */
export function formatTimestamp(nanos: bigint): string {
  const millis = nanos / 1_000_000n;
  const rest = Number(nanos % 1_000_000_000n);
  const whole = new Date(Number(millis - (millis % 1000n))).toISOString().slice(0, 19);
  if (rest === 0) return `${whole}Z`;
  const digits = String(rest).padStart(9, '0');
  const kept = digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits;
  return `${whole}.${kept}Z`;
}

export const millisToNanos = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

export const nowNanos = (): bigint => millisToNanos(Date.now());
