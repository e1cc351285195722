/**
 * The index's LSP work-done progress (window/workDoneProgress/create, then $/progress begin,
 * report, end): "Refcount Lens: indexing" with "reading 120/1,540 files", then "120/1,540
 * files", cancellable (window/workDoneProgress/cancel). A client without work-done progress
 * gets nothing and never cancels. Reports go out when the percentage moves, so a large tree
 * sends about a hundred of them.
 */
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver';

export const INDEX_PROGRESS_TITLE = 'Refcount Lens: indexing';

const count = (n: number): string => n.toLocaleString('en-US');

export class IndexProgress {
  private lastPercent = -1;

  private constructor(private readonly reporter?: WorkDoneProgressServerReporter) {}

  /** Begins a progress; `cancel` runs when the user cancels it. */
  static async begin(connection: Connection, cancel: () => void): Promise<IndexProgress> {
    let reporter: WorkDoneProgressServerReporter | undefined;
    try {
      reporter = await connection.window.createWorkDoneProgress();
    } catch {
      return new IndexProgress(); // the client refused the token: index without showing it
    }
    reporter.token.onCancellationRequested(cancel);
    reporter.begin(INDEX_PROGRESS_TITLE, 0, 'reading the workspace folders', true);
    return new IndexProgress(reporter);
  }

  /** Files read, of all found: the first tenth of the bar. */
  reading(done: number, total: number): void {
    this.report(Math.floor((10 * done) / Math.max(1, total)), `reading ${count(done)}/${count(total)} files`);
  }

  /** Files whose summaries are final, of all. */
  indexing(done: number, total: number): void {
    this.report(10 + Math.floor((90 * done) / Math.max(1, total)), `${count(done)}/${count(total)} files`);
  }

  end(): void {
    this.reporter?.done();
  }

  private report(percent: number, message: string): void {
    if (percent === this.lastPercent) return;
    this.lastPercent = percent;
    this.reporter?.report(percent, message);
  }
}
