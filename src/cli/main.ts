#!/usr/bin/env node
/**
 * refcount-lens analyze FILE|DIR... [options]
 * Exit 0: no problems; 1: problems found; 2: bad usage or unreadable input.
 */
import * as fs from 'node:fs';
import { parseArgs, UsageError, type CliArgs } from './args';
import { SUBCOMMANDS, type SubcommandHandler } from './subcommands';
import { analyzeCommand, VERSION } from './analyze';
import { tuneV8ForBatch } from './v8-tuning';

export { parseArgs, UsageError, type CliArgs, SUBCOMMANDS, type SubcommandHandler, analyzeCommand };

SUBCOMMANDS.set('analyze', analyzeCommand);
// Other subcommands register themselves here, one side-effect import each:
import './trace-command';
import './diff-command';
import './fix-command';

const USAGE = `usage: refcount-lens analyze FILE|DIR... [options]
       refcount-lens trace FILE [--scenario NAME|FILE]   (trace --help)
       refcount-lens diff OLD.c NEW.c | diff BASE [HEAD] [-- PATHS...]   (diff --help)
       refcount-lens fix FILE|DIR... [--in-place]   (fix --help)
  --model FILE            a model file (repeatable); .refcount-lens.json beside the inputs is read too
  --preset NAME           freebsd, linux or auto (default: auto, from the includes)
  --format text|json|sarif
  --define NAME[=VALUE]   take a macro as defined for #if (repeatable); --undef NAME removes one
  --no-inference          no zero-config *_get/*_put pair inference
  --max-states N          path states per function before the analysis is cut (default 20000)
  --max-states-per-file N path states per file; past them the remaining functions are not analysed (default 100000)
  --output FILE           write the report to FILE instead of standard output
directories:
  --exclude GLOB          skip matching paths (gitignore syntax, repeatable)
  --no-gitignore          walk directories without reading .gitignore files
  --jobs N, -j N          worker threads (default: the number of cores; 0: none)
  --progress              progress lines on stderr even when it is not a terminal
  --no-progress           no progress bar on a terminal either
  --no-summary            no closing summary (shown when more than one file is analysed)
  --no-cache              do not read or write the result cache
  --cache-dir DIR         where cached results live (default $XDG_CACHE_HOME/refcount-lens/results,
                          or ~/.cache/refcount-lens/results)
  --timeout S             watchdog: a file still running after S seconds (default 60) gets an error and the run goes on
  --max-memory MB         heap limit of one worker thread (default 512)
  --max-file-size MB      refuse larger files (default 2)
tree mode:
  --root DIR              index every C file and header under DIR (repeatable) and report PATHS with what the
                          whole tree knows (callees in other files, the headers' inline functions and macros);
                          the index lives beside the cache (--cache-dir DIR/index) and is reused by the next run
                          diff and fix take it too: each side of a diff, and each fix's verification, in its tree
  --unknown-calls P       evidence|hand-on: whether a callee nobody describes (no body, no model row) may keep
                          an argument only when the evidence says so, or always (default: the model's unknownCalls)
exit status: 0 no problems, 1 problems found, 2 bad usage or unreadable input`;

/** Writes to a file opened on first use (so a usage error leaves no empty report). */
function fileWriter(file: string): { write(s: string): void; close(): void } {
  let fd: number | undefined;
  return {
    write(s) {
      fd ??= fs.openSync(file, 'w');
      fs.writeSync(fd, s);
    },
    close() {
      if (fd === undefined) fd = fs.openSync(file, 'w');
      fs.closeSync(fd);
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');
  let sink: ReturnType<typeof fileWriter> | undefined;
  try {
    if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(USAGE + '\n');
      return argv.length ? 0 : 2;
    }
    if (argv[0] === '--version') {
      process.stdout.write(VERSION + '\n');
      return 0;
    }
    const args = parseArgs(argv);
    const handler = SUBCOMMANDS.get(args.command);
    if (!handler)
      throw new UsageError(`unknown command "${args.command}" (try: ${[...SUBCOMMANDS.keys()].join(', ')})`);
    if (args.output) sink = fileWriter(args.output);
    const out = (s: string) => {
      if (sink) sink.write(s);
      else process.stdout.write(s);
    };
    const code = await handler(args, out, err);
    sink?.close();
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`refcount-lens: ${e.message}\n${USAGE.split('\n')[0]}`);
      return 2;
    }
    err(`refcount-lens: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  tuneV8ForBatch();
  // `refcount-lens analyze tree | head`: a closed pipe ends the run quietly
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
