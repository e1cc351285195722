/**
 * Progress of a multi-file run on stderr: a bar redrawn in place on a TTY
 * (files done, rate, ETA), or plain lines (`--progress` when stderr is not a TTY).
 */

export type ProgressMode = 'bar' | 'lines' | 'off';

export interface ProgressStream {
  write(s: string): unknown;
  columns?: number;
}

export class Progress {
  private done = 0;
  private lines = 0;
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;
  private lastLine = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    readonly mode: ProgressMode,
    private readonly now = () => Date.now(),
  ) {
    this.started = now();
  }

  /** One more file finished (in any order). */
  tick(lines = 0): void {
    this.done++;
    this.lines += lines;
    if (this.mode === 'off') return;
    const t = this.now();
    if (this.mode === 'bar') {
      if (t - this.lastDraw >= 80 || this.done === this.total) {
        this.lastDraw = t;
        this.draw();
      }
    } else if (t - this.lastLine >= 2000 || this.done === this.total) {
      this.lastLine = t;
      this.stream.write(`refcount-lens: ${this.status()}\n`);
    }
  }

  /** Removes the bar before something else is written to the terminal. */
  clear(): void {
    if (this.mode === 'bar' && this.drawn) {
      this.stream.write('\r\u001b[2K');
      this.drawn = false;
    }
  }

  /** Draws the bar again after a clear(). */
  redraw(): void {
    if (this.mode === 'bar' && this.done < this.total) this.draw();
  }

  finish(): void {
    this.clear();
  }

  private rate(): number {
    const s = (this.now() - this.started) / 1000;
    return s > 0 ? this.done / s : 0;
  }

  status(): string {
    const rate = this.rate();
    const left = this.total - this.done;
    const eta = rate > 0 && left > 0 ? ` · ETA ${fmtDuration(left / rate)}` : '';
    const pct = this.total ? Math.floor((100 * this.done) / this.total) : 100;
    const perSecond = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
    return `${this.done}/${this.total} files (${pct}%) · ${perSecond} files/s${eta}`;
  }

  private draw(): void {
    let text = this.status();
    const cols = this.stream.columns || 80; // a pseudo-terminal without a size says 0
    if (text.length > cols - 1) text = text.slice(0, cols - 1);
    const width = Math.min(40, cols - text.length - 4);
    let bar = '';
    if (width >= 5) {
      const filled = this.total ? Math.round((width * this.done) / this.total) : width;
      bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] `;
    }
    this.stream.write(`\r\u001b[2K${bar}${text}`);
    this.drawn = true;
  }
}

export function fmtDuration(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
