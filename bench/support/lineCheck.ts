// The benchmark step's lines as a reader receives them: each line says its number and the time
// the container wrote it ("BENCH <n> <epoch ns> <padding>"), so a reader can check that every line
// came exactly once and in order, and how long each took from the container's write to it.
// Container and reader share this machine's clock.

export const LINE_PATTERN = /^BENCH (\d+) (\d+) /;

/** The step the log benchmarks run: `count` numbered, timestamped lines of about 100 bytes, as fast as Python writes. */
export const SPEW_STEP = `"""Prints numbered, timestamped lines as fast as it can (stepops' log benchmark)."""

import sys
import time

from zenml import step

PAD = "x" * 64


@step
def spew(count: int = 100000) -> int:
    write = sys.stdout.write
    now = time.time_ns
    for i in range(count):
        write("BENCH %d %d %s\\n" % (i, now(), PAD))
    sys.stdout.flush()
    return count
`;

export interface LineSummary {
  readonly expected: number;
  /** Distinct line numbers received. */
  readonly received: number;
  readonly duplicates: number;
  /** Lines that came after a line with a higher number. */
  readonly outOfOrder: number;
  readonly inOrderOnce: boolean;
  /** From the first line's write to the last line's delivery. */
  readonly linesPerSecond: number;
  /** From the first line's write to the last one's, in ms: how fast the step itself wrote. */
  readonly writeSpanMs: number;
  readonly p50LatencyMs: number;
  readonly p95LatencyMs: number;
  readonly maxLatencyMs: number;
}

export class LineCheck {
  private readonly seen: Uint8Array;
  private readonly latencies: Float64Array;
  private received = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private highest = -1;
  private firstWrite = Infinity;
  private lastWrite = 0;
  private lastDelivery = 0;
  private partial = '';

  constructor(readonly expected: number) {
    this.seen = new Uint8Array(expected);
    this.latencies = new Float64Array(expected);
  }

  /** One delivered line (other lines, such as the runtime's own, are ignored). */
  line(text: string, deliveredAt = Date.now()): void {
    const match = LINE_PATTERN.exec(text);
    if (!match) return;
    const n = Number(match[1]);
    const writtenAt = Number(BigInt(match[2]!) / 1000n) / 1000;
    if (n >= this.expected) return;
    if (this.seen[n]) {
      this.duplicates++;
      return;
    }
    this.seen[n] = 1;
    this.received++;
    if (n < this.highest) this.outOfOrder++;
    this.highest = Math.max(this.highest, n);
    this.latencies[n] = deliveredAt - writtenAt;
    this.firstWrite = Math.min(this.firstWrite, writtenAt);
    this.lastWrite = Math.max(this.lastWrite, writtenAt);
    this.lastDelivery = Math.max(this.lastDelivery, deliveredAt);
  }

  /** A chunk of a text stream (a pipe): lines are cut at newlines, the rest kept for the next chunk. */
  chunk(text: string, deliveredAt = Date.now()): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const part of parts) this.line(part, deliveredAt);
  }

  get complete(): boolean {
    return this.received === this.expected;
  }

  summary(): LineSummary {
    const delivered = [...this.latencies].filter((_, i) => this.seen[i]).sort((a, b) => a - b);
    const at = (q: number) =>
      delivered.length ? delivered[Math.min(delivered.length - 1, Math.floor(q * delivered.length))]! : NaN;
    const spanMs = this.lastDelivery - this.firstWrite;
    return {
      expected: this.expected,
      received: this.received,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      inOrderOnce: this.received === this.expected && this.duplicates === 0 && this.outOfOrder === 0,
      linesPerSecond: spanMs > 0 ? (this.received * 1000) / spanMs : 0,
      writeSpanMs: this.lastWrite - this.firstWrite,
      p50LatencyMs: at(0.5),
      p95LatencyMs: at(0.95),
      maxLatencyMs: delivered.length ? delivered[delivered.length - 1]! : NaN,
    };
  }
}

/** "100,000/100,000 once, in order" or what went wrong. */
export function deliveryWords(s: LineSummary): string {
  if (s.inOrderOnce) return `${s.received.toLocaleString('en')}/${s.expected.toLocaleString('en')} once, in order`;
  const problems = [
    `${s.received.toLocaleString('en')}/${s.expected.toLocaleString('en')} lines`,
    ...(s.duplicates ? [`${s.duplicates} repeated`] : []),
    ...(s.outOfOrder ? [`${s.outOfOrder} out of order`] : []),
  ];
  return problems.join(', ');
}

export function linesPerSecond(value: number): string {
  return `${Math.round(value).toLocaleString('en')} lines/s`;
}
