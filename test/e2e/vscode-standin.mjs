#!/usr/bin/env node
// Stand-in for the "VS Code executable" that @vscode/test-electron spawns (through
// @vscode/test-cli's `useInstallation: { fromPath }`). No Electron VS Code can be had on these
// machines, so this starts code-server (VS Code 1.100.3 served to a browser) and headless
// chromium, loads the extension under development and runs the test suite in the real Node
// extension host. Exits with the suite's exit code.
//
// Understands the arguments test-electron passes:
//   --extensionDevelopmentPath=P (repeatable)  --extensionTestsPath=P
//   --user-data-dir=D  --extensions-dir=D       a folder, a .code-workspace or a file to open
// and ignores Electron-only flags (--no-sandbox, --disable-updates, --skip-welcome, ...).
// `--install-extension X`, `--uninstall-extension X`, `--list-extensions` go to code-server's CLI.
//
// Environment:
//   REFCOUNT_LENS_E2E_TIMEOUT   seconds before giving up (default 180): everything is killed
//   REFCOUNT_LENS_E2E_VERBOSE=1 also print code-server's log and the page's console
//   REFCOUNT_LENS_CACHE / REFCOUNT_LENS_CODE_SERVER / REFCOUNT_LENS_CHROMIUM: see codeserver.mjs
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  codeServerCli,
  createLifecycle,
  exposeAutomationHooks,
  launchBrowser,
  startCodeServer,
  timeoutFromEnv,
  workbenchUrl,
} from './codeserver.mjs';

const NAME = 'vscode-standin';
const verbose = /^(1|true|yes)$/i.test(process.env.REFCOUNT_LENS_E2E_VERBOSE || '');
const say = (msg) => process.stdout.write(`[${NAME}] ${msg}\n`);

/** Parse the VS Code command line that test-electron builds. */
export function parseArgs(argv) {
  const r = {
    extensionDevelopmentPath: [],
    extensionTestsPath: undefined,
    userDataDir: undefined,
    extensionsDir: undefined,
    paths: [],
    cliCommand: [],
    ignored: [],
  };
  const valued = {
    '--extensionDevelopmentPath': (v) => r.extensionDevelopmentPath.push(path.resolve(v)),
    '--extensionTestsPath': (v) => {
      r.extensionTestsPath = path.resolve(v);
    },
    '--user-data-dir': (v) => {
      r.userDataDir = path.resolve(v);
    },
    '--extensions-dir': (v) => {
      r.extensionsDir = path.resolve(v);
    },
  };
  const cli = new Set(['--install-extension', '--uninstall-extension']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (valued[key]) {
      valued[key](eq > 0 && key !== a ? a.slice(eq + 1) : argv[++i]);
    } else if (cli.has(key)) {
      r.cliCommand.push(key, eq > 0 && key !== a ? a.slice(eq + 1) : argv[++i]);
    } else if (a === '--list-extensions' || a === '--show-versions' || a === '--force') {
      r.cliCommand.push(a);
    } else if (a.startsWith('-')) {
      r.ignored.push(a);
    } else {
      r.paths.push(path.resolve(a));
    }
  }
  return r;
}

/** First directory is the folder, a .code-workspace the workspace, the first other file is opened. */
function classifyPaths(paths) {
  let folder, workspace, openFile;
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) folder ??= p;
    else if (p.endsWith('.code-workspace')) workspace ??= p;
    else openFile ??= p;
  }
  return { folder, workspace, openFile };
}

async function main(life) {
  const args = parseArgs(process.argv.slice(2));

  if (args.cliCommand.length) {
    // Extension management: hand over to code-server's own CLI, in a throwaway HOME.
    const extra = [];
    if (args.extensionsDir) extra.push('--extensions-dir', args.extensionsDir);
    if (args.userDataDir) extra.push('--user-data-dir', args.userDataDir);
    const res = codeServerCli([...extra, ...args.cliCommand], { stdio: 'inherit' });
    process.exit(res.status ?? 1);
  }

  if (!args.extensionTestsPath) {
    say('no --extensionTestsPath: this stand-in only runs extension tests');
    return life.finish(2);
  }
  const { folder, workspace, openFile } = classifyPaths(args.paths);
  const t0 = Date.now();

  const cs = await startCodeServer({
    lifecycle: life,
    userDataDir: args.userDataDir,
    extensionsDir: args.extensionsDir,
    log: verbose ? (s) => process.stdout.write(`[code-server] ${s}`) : undefined,
  });
  cs.exitPromise.then(({ code, sig }) => {
    if (life.finishing) return;
    say(`code-server exited unexpectedly (${code ?? sig}); its log:\n${cs.output()}`);
    life.finish(1);
  });
  say(`code-server ${cs.baseUrl} (pid ${cs.proc.pid}) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const browser = await launchBrowser({ log: say, lifecycle: life });
  const { page } = browser;
  if (verbose) page.on('console', (m) => process.stdout.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on('crash', () => {
    say('the page crashed');
    life.finish(1);
  });
  page.on('close', () => {
    if (life.finishing) return;
    say('the page closed before the tests ended');
    life.finish(1);
  });

  const { exitCode } = await exposeAutomationHooks(page, { quiet: verbose ? [] : undefined });
  const url = workbenchUrl(cs, {
    folder,
    workspace,
    openFile,
    extensionDevelopmentPath: args.extensionDevelopmentPath,
    extensionTestsPath: args.extensionTestsPath,
  });
  if (verbose) say(`opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded' });

  const code = await exitCode;
  say(`tests finished with exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (code !== 0 && !verbose) {
    const tail = cs.output().split('\n').slice(-40).join('\n');
    say(`last lines of code-server's log:\n${tail}`);
  }
  return life.finish(code);
}

// Run only as a program, not when imported (parseArgs is exported for reuse).
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  const life = createLifecycle({ timeoutSeconds: timeoutFromEnv(180), log: say });
  main(life).catch((e) => {
    if (!life.finishing) say(`failed: ${e?.stack ?? e}`); // else: fallout of the cleanup
    life.finish(1);
  });
}
