/**
 * The registry of `refcount-lens` subcommands. It depends on nothing, so a
 * subcommand module can register itself with one side-effect import in main.ts
 * (`import '../trace/cli';` doing `SUBCOMMANDS.set('trace', handler)`), whether it
 * imports SUBCOMMANDS from here or from ./main.
 */
import type { CliArgs } from './args';

export type SubcommandHandler = (args: CliArgs, out: (s: string) => void, err: (s: string) => void) => Promise<number>;

export const SUBCOMMANDS = new Map<string, SubcommandHandler>();
