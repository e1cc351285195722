// Shared by the stand-in "VS Code executable" (vscode-standin.mjs) and the browser check
// (browser-check.mjs): start code-server (a real VS Code served to a browser) in its own
// sandboxed HOME and process group, and drive it with Debian's chromium via playwright-core.
// No Electron VS Code can be downloaded or shown on a headless CI machine: code-server is the same
// workbench and extension host, served to a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';

/** Where scripts/setup-e2e.sh puts code-server (REFCOUNT_LENS_CODE_SERVER overrides). */
export function codeServerBin() {
  if (process.env.REFCOUNT_LENS_CODE_SERVER) return process.env.REFCOUNT_LENS_CODE_SERVER;
  const cache = process.env.REFCOUNT_LENS_CACHE || path.join(os.homedir(), '.cache', 'refcount-lens');
  const bin = path.join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
  if (!existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}: run \`npm run setup:e2e\` (scripts/setup-e2e.sh) first`);
  }
  return bin;
}

export const chromiumPath = () => process.env.REFCOUNT_LENS_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
};

/** The environment code-server gets: its own HOME, XDG dirs and TMPDIR under `dir`. */
function sandboxEnv(dir, extra) {
  const home = path.join(dir, 'home');
  const env = {
    ...process.env,
    ...extra,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    TMPDIR: path.join(dir, 'tmp'),
  };
  // Variables of an enclosing VS Code / test-electron that must not leak into this one.
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.VSCODE_PID;
  for (const d of [env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME, env.TMPDIR])
    mkdirSync(d, { recursive: true });
  return env;
}

/**
 * Run code-server's own CLI (--install-extension, --list-extensions, ...) in a throwaway
 * HOME. Returns spawnSync's result (stdio: 'inherit' to show its output, default: captured).
 */
export function codeServerCli(args, { stdio = 'pipe', timeout = 120_000 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-cli-'));
  try {
    return spawnSync(codeServerBin(), args, { env: sandboxEnv(dir), cwd: dir, stdio, timeout, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A free TCP port on 127.0.0.1 (asks the kernel for one, then releases it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Cleanup functions run once, in reverse order of registration, on normal end, on timeout
 * and on SIGINT/SIGTERM/SIGHUP. `finish(code)` runs them and exits the process with `code`.
 */
export function createLifecycle({ timeoutSeconds, log = console.error } = {}) {
  const fns = [];
  let finishing = null;
  const lifecycle = {
    add(fn) {
      fns.push(fn);
      return fn;
    },
    async cleanup() {
      while (fns.length) {
        const fn = fns.pop();
        try {
          await fn();
        } catch (e) {
          log(`cleanup: ${e?.message ?? e}`);
        }
      }
    },
    get finishing() {
      return finishing !== null;
    },
    finish(code) {
      if (!finishing) {
        finishing = (async () => {
          clearTimeout(timer);
          await lifecycle.cleanup();
          process.exit(code);
        })();
      }
      return finishing;
    },
  };
  let timer; // not unref(): it also keeps a run with nothing else pending from ending as a pass
  if (timeoutSeconds > 0) {
    timer = setTimeout(() => {
      log(`timed out after ${timeoutSeconds} s (REFCOUNT_LENS_E2E_TIMEOUT)`);
      lifecycle.finish(124);
    }, timeoutSeconds * 1000);
  }
  for (const [sig, num] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ]) {
    process.on(sig, () => {
      log(`${sig}: cleaning up`);
      lifecycle.finish(128 + num);
    });
  }
  return lifecycle;
}

/** Seconds from REFCOUNT_LENS_E2E_TIMEOUT, else the given default. */
/** Runs named steps in order, logging each with its duration. */
export function stepper(say) {
  return async (name, fn) => {
    const t = Date.now();
    const r = await fn();
    say(`ok  ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    return r;
  };
}

export function timeoutFromEnv(def = 180) {
  const v = Number(process.env.REFCOUNT_LENS_E2E_TIMEOUT);
  return Number.isFinite(v) && v > 0 ? v : def;
}

/**
 * Start code-server on a free port in a fresh temp dir (its own HOME, XDG_CONFIG_HOME,
 * XDG_DATA_HOME, TMPDIR) and its own process group. Resolves once it listens.
 * Options: userDataDir, extensionsDir (default: inside the temp dir), settings (merged over
 * DEFAULT_SETTINGS into userDataDir/User/settings.json), env (added to its environment, and so
 * to the extension host's), extraArgs, log (function for its output; default: none, kept for
 * errors), keepTemp, lifecycle (from createLifecycle: stop() is registered with it as soon as
 * the process exists, so a signal during start-up ends it too).
 * Returns { port, host, baseUrl, tmp, userDataDir, extensionsDir, proc, output(), stop() }.
 */
export async function startCodeServer(opts = {}) {
  const bin = codeServerBin();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-cs-'));
  const env = sandboxEnv(tmp, opts.env);

  const userDataDir = path.resolve(opts.userDataDir || path.join(tmp, 'user-data'));
  const extensionsDir = path.resolve(opts.extensionsDir || path.join(tmp, 'extensions'));
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  let existing = {};
  try {
    existing = JSON.parse(readFileSync(settingsFile, 'utf8'));
  } catch {
    /* none or not plain JSON */
  }
  writeFileSync(settingsFile, JSON.stringify({ ...existing, ...DEFAULT_SETTINGS, ...opts.settings }, null, 2));

  const port = opts.port || (await freePort());
  const host = `127.0.0.1:${port}`;
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    host,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    ...(opts.extraArgs || []),
  ];
  const proc = spawn(bin, args, { env, cwd: tmp, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (d) => {
    const s = d.toString();
    out += s;
    if (out.length > 200_000) out = out.slice(-100_000);
    opts.log?.(s);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  let exited = null;
  const exitPromise = new Promise((r) =>
    proc.on('exit', (code, sig) => {
      exited = { code, sig };
      r(exited);
    }),
  );

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([exitPromise, sleep(3000)]);
    }
    // The group may hold the extension host, pty hosts, file watchers: end all of it.
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* group gone */
    }
    proc.stdout.destroy();
    proc.stderr.destroy();
    if (!opts.keepTemp) rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  };
  opts.lifecycle?.add(stop);

  const deadline = Date.now() + 30_000;
  while (!/HTTP server listening/.test(out)) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited (${exited.code ?? exited.sig}) before listening:\n${out}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not listen within 30 s:\n${out}`);
    }
    await sleep(100);
  }
  return {
    port,
    host,
    baseUrl: `http://${host}/`,
    tmp,
    userDataDir,
    extensionsDir,
    proc,
    output: () => out,
    exited: () => exited,
    exitPromise,
    stop,
  };
}

/** `vscode-remote://HOST/abs/path` for a path on this machine, as the web workbench wants. */
export const remoteUri = (host, p) => `vscode-remote://${host}${encodeURI(path.resolve(p))}`;

/**
 * The workbench URL for a folder or a .code-workspace file (both optional), with the payload for extension development
 * (extensionDevelopmentPath may be an array), tests, and a file to open.
 */
export function workbenchUrl(cs, { folder, workspace, extensionDevelopmentPath, extensionTestsPath, openFile } = {}) {
  const params = new URLSearchParams();
  if (folder) params.set('folder', path.resolve(folder));
  else if (workspace) params.set('workspace', path.resolve(workspace));
  const payload = [];
  for (const p of [extensionDevelopmentPath ?? []].flat())
    payload.push(['extensionDevelopmentPath', remoteUri(cs.host, p)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(cs.host, extensionTestsPath)]);
  if (openFile) payload.push(['openFile', remoteUri(cs.host, openFile)]);
  if (payload.length) params.set('payload', JSON.stringify(payload));
  const q = params.toString();
  return cs.baseUrl + (q ? `?${q}` : '');
}

/**
 * Headless chromium (Debian's, never a downloaded one) in a fresh profile, with its own HOME.
 * lifecycle (optional): close() is registered with it before the launch.
 * Returns { context, page, close() }.
 */
export async function launchBrowser({ viewport = { width: 1400, height: 900 }, log, lifecycle } = {}) {
  // HOME for chromium (its crash reporter and dconf write there).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-chromium-'));
  let context;
  let closed = false;
  let launching;
  const close = async () => {
    if (closed) return;
    closed = true;
    // Closing while the launch is under way: let it finish, else chromium outlives us.
    if (!context && launching) await Promise.race([launching.catch(() => {}), sleep(15_000)]);
    if (context) await Promise.race([context.close().catch(() => {}), sleep(5000)]);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  lifecycle?.add(close);
  // '' = a fresh temporary profile that playwright deletes itself, even when it has to kill
  // the browser at our exit.
  launching = chromium.launchPersistentContext('', {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: sandboxEnv(dir),
    // Our lifecycle handles signals; playwright's own handler would race it.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  try {
    context = await launching;
  } catch (e) {
    await close();
    throw e;
  }
  if (closed) {
    // closed (e.g. by a signal) while launching
    await context.close().catch(() => {});
    throw new Error('browser closed while launching');
  }
  const page = context.pages()[0] ?? (await context.newPage());
  if (log) {
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    page.on('crash', () => log('[page crashed]'));
  }
  return { context, page, close };
}

/** Workbench messages that say nothing about the tests (no gallery on this network). */
export const NOISE = [/ENOTFOUND open-vsx\.org/];

/**
 * Expose window.codeAutomationLog / codeAutomationExit (the hooks the web workbench calls
 * while running extension tests) before any navigation. Returns { exitCode }: a promise of the
 * suite's exit code (wrapped in an object, else awaiting this function would wait for the suite).
 */
export async function exposeAutomationHooks(page, { write = (s) => process.stdout.write(s), quiet = NOISE } = {}) {
  let resolveExit;
  const exitCode = new Promise((r) => {
    resolveExit = r;
  });
  await page.exposeFunction('codeAutomationLog', (_type, args) => {
    const list = Array.isArray(args) ? args : [args];
    const text = format(...list);
    if (quiet?.some((re) => re.test(text))) return;
    write(text + '\n');
  });
  await page.exposeFunction('codeAutomationExit', (code) => {
    resolveExit(Number(code) || 0);
  });
  return { exitCode };
}

/** The workbench is ready when the explorer shows the folder's rows (or, without a folder, the workbench exists). */
export async function waitForWorkbench(page, { folder = true, timeout = 60_000 } = {}) {
  await page.waitForSelector('.monaco-workbench', { timeout });
  if (folder) await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout });
}

/** Open a file of the workspace the way a person does: Ctrl+P, type its name, Enter. */
export async function quickOpen(page, name, { timeout = 30_000 } = {}) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout });
}

/** Run a command the way a person does: F1, type its title, Enter on its row. */
export async function runCommandFromPalette(page, title, { timeout = 30_000 } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
}
