/**
 * Commands and custom requests: `refcountLens/functionPaths` and `refcountLens/functions`
 * (the path view's data), `refcountLens.reanalyze`, and `refcountLens.showPaths` for clients
 * without a path view of their own (Neovim): it answers with the function's paths and shows
 * them as a message.
 */
import { MessageType, ShowMessageNotification, type CancellationToken, type Connection } from 'vscode-languageserver';
import type { FunctionResult, PathClass } from '../analysis/result';
import { Commands, FunctionPathsRequest, FunctionsRequest, type FunctionSummary } from '../shared/protocol';
import type { DocumentStore } from './documents';

export interface CommandContext {
  connection: Connection;
  documents: DocumentStore;
  reanalyze(): Promise<void>;
  log(msg: string): void;
}

/** The commands this server executes (the VS Code client shows paths itself). */
export function serverCommands(clientShowsPaths: boolean): string[] {
  return clientShowsPaths ? [Commands.reanalyze] : [Commands.reanalyze, Commands.showPaths];
}

export async function functionAt(
  ctx: CommandContext,
  uri: string,
  line: number,
  token?: CancellationToken,
): Promise<FunctionResult | null> {
  const snap = await ctx.documents.snapshot(uri, token);
  if (!snap) return null;
  return snap.result.functions.find((f) => line >= f.range.line && line <= f.range.endLine) ?? null;
}

export async function functionList(
  ctx: CommandContext,
  uri: string,
  token?: CancellationToken,
): Promise<FunctionSummary[]> {
  const snap = await ctx.documents.snapshot(uri, token);
  if (!snap) return [];
  return snap.result.functions
    .filter((f) => f.paths.length || f.truncated)
    .map((f) => ({
      name: f.name,
      line: f.line,
      endLine: f.endLine,
      paths: f.paths.length,
      roles: f.roles,
      truncated: f.truncated,
    }));
}

export function registerCommands(ctx: CommandContext): void {
  const { connection } = ctx;
  connection.onRequest(FunctionPathsRequest.type, (p, token) => {
    if (!p || typeof p.uri !== 'string' || typeof p.line !== 'number') return null;
    return functionAt(ctx, p.uri, p.line, token);
  });
  connection.onRequest(FunctionsRequest.type, (p, token) => {
    if (!p || typeof p.uri !== 'string') return [];
    return functionList(ctx, p.uri, token);
  });
  connection.onExecuteCommand(async (p, token) => {
    switch (p.command) {
      case Commands.reanalyze:
        await ctx.reanalyze();
        return null;
      case Commands.showPaths:
        return showPaths(ctx, p.arguments ?? [], token);
      default:
        ctx.log(`unknown command ${p.command}: ignored`);
        return null;
    }
  });
}

/** Arguments as the code lenses pass them: uri, function line, optional path id. */
async function showPaths(
  ctx: CommandContext,
  args: unknown[],
  token: CancellationToken,
): Promise<FunctionResult | null> {
  const [uri, line, pathId] = args;
  if (typeof uri !== 'string' || typeof line !== 'number') return null;
  const fn = await functionAt(ctx, uri, line, token);
  if (!fn) return null;
  const paths = typeof pathId === 'number' ? fn.paths.filter((p) => p.id === pathId) : fn.paths;
  const counts = (p: PathClass) =>
    p.deltas.map((d) => `${d.object} ${d.delta > 0 ? '+' : ''}${d.delta}`).join(', ') || 'nothing counted';
  const text = paths
    .map((p) => `#${p.id} exit line ${p.exit.line} returns ${p.exit.returns}: ${counts(p)}; lines ${p.lines.join(' ')}`)
    .join('\n');
  // a notification, not window/showMessageRequest: there is nothing to answer
  void ctx.connection.sendNotification(ShowMessageNotification.type, {
    type: MessageType.Info,
    message: `${fn.name}():\n${text}`,
  });
  return fn;
}
