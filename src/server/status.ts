/**
 * What the user sees of the server's work besides results: `refcountLens/status`
 * notifications (the status bar: analysing / N problems) and a log line per analysis with
 * its timings (the output channel).
 */
import type { Connection } from 'vscode-languageserver';
import type { FileResult } from '../analysis/result';
import { StatusNotification, type StatusParams } from '../shared/protocol';

export class StatusReporter {
  private readonly problems = new Map<string, number>();
  private readonly running = new Set<string>();

  constructor(private readonly connection: Connection) {}

  log(msg: string): void {
    this.connection.console.log(`[${new Date().toISOString().slice(11, 23)}] ${msg}`);
  }

  analysing(uri: string): void {
    this.running.add(uri);
    this.send({ state: 'analysing', problems: this.total(), uri });
  }

  analysed(uri: string, version: number, result: FileResult, problems: number, ms: number, inWorker: boolean): void {
    this.running.delete(uri);
    this.problems.set(uri, problems);
    const message = result.error ?? (result.truncated ? `analysis cut short: ${result.truncatedReason}` : undefined);
    const fns = result.functions.filter((f) => !f.quiet).length;
    this.log(
      `${shortName(uri)} v${version}: ${ms.toFixed(1)} ms${inWorker ? ' in a worker' : ''} ` +
        `(parse ${result.timing.parseMs} ms, analysis ${result.timing.analyzeMs} ms), ` +
        `${result.functions.length} functions, ${fns} counted, ${problems} problems${message ? `; ${message}` : ''}`,
    );
    this.send({
      state: this.running.size ? 'analysing' : 'idle',
      problems: this.total(),
      uri,
      ms: Math.round(ms),
      message,
    });
  }

  closed(uri: string): void {
    this.running.delete(uri);
    this.problems.delete(uri);
    this.send({ state: this.running.size ? 'analysing' : 'idle', problems: this.total() });
  }

  disabled(): void {
    this.running.clear();
    this.problems.clear();
    this.send({ state: 'disabled', problems: 0 });
  }

  /** A problem outside any document (a broken model file): shown until the next analysis. */
  notice(message: string): void {
    this.log(message);
    this.send({ state: this.running.size ? 'analysing' : 'idle', problems: this.total(), message });
  }

  private total(): number {
    let n = 0;
    for (const v of this.problems.values()) n += v;
    return n;
  }

  private send(p: StatusParams): void {
    void this.connection.sendNotification(StatusNotification.type, p);
  }
}

function shortName(uri: string): string {
  return decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
}
