// A terminal progress bar: redrawn in place on a TTY, plain lines otherwise (CI logs, pipes).

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Remaining time from the mean time per unit so far; null before the first unit. */
export function eta(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0) return null;
  return ((total - done) * elapsedMs) / done;
}

export function renderBar(done: number, total: number, width: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

export class Progress {
  private done = 0;
  private readonly startedAt: number;
  private label = '';
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  /** Sets what is running now (shown after the counts). */
  status(label: string): void {
    this.label = label;
    if (this.stream.isTTY) this.draw();
  }

  /** Prints a line above the bar (a TTY keeps the bar at the bottom). */
  log(line: string): void {
    if (this.stream.isTTY && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.stream.isTTY && this.drawn) this.draw();
  }

  /** `count` units (a prompt × repeat each) done, or skipped. */
  tick(detail = '', count = 1): void {
    this.done = Math.min(this.total, this.done + count);
    if (this.stream.isTTY) this.draw();
    else this.stream.write(`${this.line(false)}${detail ? `  ${detail}` : ''}\n`);
  }

  /** Ends the bar line on a TTY. */
  finish(): void {
    if (this.stream.isTTY && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  line(withStatus = true): string {
    const elapsed = this.now() - this.startedAt;
    const remaining = eta(this.done, this.total, elapsed);
    const pct = this.total > 0 ? Math.floor((100 * this.done) / this.total) : 100;
    return `${this.done}/${this.total} prompts (${pct}%) elapsed ${formatDuration(elapsed)} ETA ${remaining === null ? '?' : formatDuration(remaining)}${withStatus && this.label ? `  ${this.label}` : ''}`;
  }

  private draw(): void {
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70));
    let text = `${renderBar(this.done, this.total, width)} ${this.line()}`;
    const columns = this.stream.columns ?? 120;
    if (text.length > columns - 1) text = text.slice(0, columns - 2) + '…';
    this.stream.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }
}
