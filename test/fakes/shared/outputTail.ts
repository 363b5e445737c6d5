// The end of what a job's container printed (on stderr, or wherever the cloud takes it from),
// kept so an emulator can quote a failure the way its cloud does: the last Python traceback (from
// its "Traceback" line on), or when there is none, the last lines.

const TRACEBACK_START = 'Traceback (most recent call last)';

export class OutputTail {
  private readonly lines: string[] = [];

  /** Keeps at most `capacity` lines (the newest). */
  constructor(private readonly capacity = 200) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  /** At most `max` lines: the last traceback's, or the last lines printed. */
  quote(max: number): string[] {
    let start = -1;
    for (let i = this.lines.length - 1; i >= 0 && start < 0; i--) {
      if (this.lines[i]!.startsWith(TRACEBACK_START)) start = i;
    }
    return (start >= 0 ? this.lines.slice(start) : this.lines).slice(-max);
  }
}
