/**
 * refcount-lens fix FILE|DIR... [--in-place] [options as for analyze]
 * Prints one unified diff of the verified fix-its (paths relative to the current directory, for
 * `git apply`), or makes them in the files with --in-place. Diagnostics with no verified fix
 * are listed on stderr with the reason. Exit 0: nothing was fixed; 1: fixes were produced;
 * 2: bad usage or unreadable input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../analysis/analyzer';
import { combineFixes, fixDiagnostics } from '../analysis/fixes/fix-file';
import { unifiedDiff } from '../analysis/fixes/diff';
import { readModelSources } from '../files/model-files';
import { parserWasm } from '../files/parser-wasm';
import { checkRoots, excludeOf, UsageError, type CliArgs } from './args';
import { analyzerOptionsFor, findWorkspaceModel } from './analyze';
import { SUBCOMMANDS } from './subcommands';
import { FixTree } from './fix-tree';
import { errorResult } from '../analysis/result';
import { walkAll } from '../files/walk';

export const FIX_USAGE = `usage: refcount-lens fix FILE|DIR... [--in-place] [options]
  --in-place              make the edits in the files instead of printing the diff
  --root DIR              tree mode (repeatable): the diagnostics come from the whole tree (callees in other
                          files, the headers), each edit is verified by analysing the edited file again with
                          what the tree says of its callees, and a file's edits are dropped when they bring a
                          problem into a caller in another file; FILE defaults to the roots
  --model, --preset, --define, --undef, --no-inference, --max-states, --max-states-per-file,
  --exclude, --no-gitignore, --max-file-size, --output as for analyze; with --root also --jobs, --no-cache,
  --cache-dir
Every edit is verified before it is shown: the edited file is analysed again, and an edit is kept
only when it removes its diagnostic and brings no other. Diagnostics with no verified edit are
listed on stderr with the reason.
exit status: 0 nothing was fixed, 1 fixes were produced, 2 bad usage or unreadable input`;

const KNOWN = new Set(['--in-place', '--root', '--help']);

/** A path as the diff names it: relative to the current directory, with `/`. */
function diffPath(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel.split(path.sep).join('/');
}

export async function fixCommand(args: CliArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  for (const [flag] of args.rest) if (!KNOWN.has(flag)) throw new UsageError(`unknown option ${flag} for fix`);
  if (args.rest.has('--help')) {
    out(FIX_USAGE + '\n');
    return 0;
  }
  if (!args.inputs.length && !args.roots.length) throw new UsageError('fix needs at least one FILE or DIR');
  if (args.format !== 'text') throw new UsageError('fix prints a unified diff: --format does not apply');
  const inPlace = args.rest.has('--in-place');
  if (inPlace && args.output) throw new UsageError('--in-place edits the files: --output does not apply');
  checkRoots(args.roots);
  if (!args.inputs.length) args.inputs = [...args.roots];
  const exclude = excludeOf(args);

  const modelFiles = [...findWorkspaceModel([...args.inputs, ...args.roots]), ...args.models];
  const modelSources = readModelSources(modelFiles);
  const options = analyzerOptionsFor(args, modelSources);
  const analyzer = await Analyzer.create(options, parserWasm());
  const preset = args.preset === 'linux' ? 'linux' : 'freebsd';
  for (const p of analyzer.modelProblems(preset)) err(`refcount-lens: ${p.file}:${p.line}:${p.column}: ${p.message}`);

  let failed = 0;
  let fixed = 0;
  const files: string[] = [];
  for (const input of args.inputs) {
    if (!fs.existsSync(input)) {
      err(`refcount-lens: ${input}: no such file or directory`);
      failed++;
      continue;
    }
    for (const f of walkAll([input], { exclude, respectGitignore: args.gitignore })) files.push(f);
  }
  const tree = args.roots.length
    ? await FixTree.open(files, {
        args,
        options,
        modelSources,
        modelFiles,
        exclude,
        warn: (m) => err(`refcount-lens: ${m}`),
      })
    : undefined;
  try {
    for (const file of files) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        err(`refcount-lens: ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        failed++;
        continue;
      }
      if (text.length > args.maxFileSize * 1048576) {
        err(`refcount-lens: ${file}: file too large (the limit is ${args.maxFileSize} MB, --max-file-size)`);
        failed++;
        continue;
      }
      // in tree mode the file is read as the tree run read it, with its callees' final summaries
      const inTree = await tree?.contextOf(file);
      const context = typeof inTree === 'string' ? undefined : inTree;
      const result = typeof inTree === 'string' ? errorResult(file, inTree) : analyzer.analyzeText(file, text, context);
      if (result.error) {
        err(`refcount-lens: ${file}: ${result.error}`);
        failed++;
        continue;
      }
      const items = fixDiagnostics(analyzer, file, text, result, undefined, context);
      const combined = combineFixes(analyzer, file, text, result, items, context);
      const where = (line: number) => `${file}:${line}`;
      // in tree mode the edits must bring no problem into the other files of the tree either
      const elsewhere = tree && combined.applied.length ? await tree.elsewhere(file, text, combined.text) : undefined;
      if (elsewhere?.introduced.length) {
        const why = `the edits bring ${elsewhere.introduced[0]}`;
        for (const d of [...combined.applied.map((a) => a.diagnostic), ...combined.fixedAlong])
          err(`${where(d.line)}: ${d.rule} in ${d.function}(): no fix: ${why}`);
        for (const x of combined.skipped)
          err(`${where(x.diagnostic.line)}: ${x.diagnostic.rule} in ${x.diagnostic.function}(): no fix: ${x.reason}`);
        continue;
      }
      for (const a of combined.applied)
        err(`${where(a.diagnostic.line)}: ${a.diagnostic.rule} in ${a.diagnostic.function}(): fixed: ${a.fix.title}`);
      for (const c of [...(elsewhere?.changed ?? []), ...(elsewhere?.fixed ?? [])]) err(c);
      for (const d of combined.fixedAlong)
        err(`${where(d.line)}: ${d.rule} in ${d.function}(): fixed by the edits above`);
      for (const s of combined.skipped)
        err(`${where(s.diagnostic.line)}: ${s.diagnostic.rule} in ${s.diagnostic.function}(): no fix: ${s.reason}`);
      if (!combined.applied.length) continue;
      fixed += combined.applied.length;
      if (!inPlace) {
        const p = diffPath(file);
        out(unifiedDiff(text, combined.text, `a/${p}`, `b/${p}`));
        tree?.keep(file, combined.text);
        continue;
      }
      // written only over the text that was analysed
      let now: string | undefined;
      try {
        now = fs.readFileSync(file, 'utf8');
      } catch {
        now = undefined;
      }
      if (now !== text) {
        err(`refcount-lens: ${file}: the file changed since it was analysed: not written`);
        failed++;
        continue;
      }
      fs.writeFileSync(file, combined.text);
      tree?.keep(file, combined.text);
    }
  } finally {
    await tree?.close();
  }
  if (failed) return 2;
  return fixed ? 1 : 0;
}

SUBCOMMANDS.set('fix', fixCommand);
