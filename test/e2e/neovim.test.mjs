// The second real client: Debian's Neovim (0.7.2), headless, with the Lua config of
// docs/neovim.md attaching `node dist/server.js --stdio` to the vpipe fixture. Proof that
// Refcount Lens is a language server, not a VS Code-only plugin.
// Run: node --test test/e2e/neovim.test.mjs (needs `npm run build` and `nvim` on PATH).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workspace = path.join(root, 'test/fixtures/workspace');
const nvimDir = path.join(root, 'test/e2e/nvim');
const haveNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs nvim headless on `file` with init.lua + driver.lua; resolves with the driver's JSON. */
async function runNeovim(file) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-nvim-'));
  const outFile = path.join(tmp, 'out.json');
  const env = {
    ...process.env,
    HOME: tmp,
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
    XDG_DATA_HOME: path.join(tmp, 'data'),
    XDG_STATE_HOME: path.join(tmp, 'state'),
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    REFCOUNT_LENS_SERVER: path.join(root, 'dist/server.js'),
    REFCOUNT_LENS_ROOT: workspace,
    REFCOUNT_LENS_NVIM_OUT: outFile,
  };
  const args = [
    '--headless',
    '-n',
    '-i',
    'NONE',
    '-u',
    path.join(nvimDir, 'init.lua'),
    '-c',
    `luafile ${path.join(nvimDir, 'driver.lua')}`,
    file,
  ];
  // its own process group, so the language server it starts ends with it
  const nvim = spawn('nvim', args, { env, cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  nvim.stdout.on('data', (d) => {
    log += d;
  });
  nvim.stderr.on('data', (d) => {
    log += d;
  });
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-nvim.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      resolve('timeout');
    }, 90_000);
    nvim.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  try {
    process.kill(-nvim.pid, 'SIGKILL');
  } catch {
    /* the group is gone already */
  }
  try {
    if (!existsSync(outFile)) throw new Error(`nvim exited (${code}) without results:\n${log}`);
    return JSON.parse(readFileSync(outFile, 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('Neovim (headless) gets the hover, the diagnostics, the code lenses and the inlay hints', {
  skip: !haveNvim && 'nvim not installed (npm run setup:e2e)',
  timeout: 120_000,
}, async () => {
  assert.ok(existsSync(path.join(root, 'dist/server.js')), 'dist/server.js missing: run `npm run build` first');
  const r = await runNeovim(path.join(workspace, 'vpipe.c'));
  assert.deepEqual(r.errors, []);

  const contract = r.diagnostics.find((d) => d.code === 'contract');
  assert.ok(contract, JSON.stringify(r.diagnostics, null, 2));
  assert.equal(contract.severity, 1); // vim.diagnostic.severity.ERROR
  assert.equal(contract.source, 'refcount-lens');
  const handsOut = /^vpipe_lookup\(\): dev_clone handler hands out \+2 on \*dev beyond the existence reference/;
  assert.match(contract.message, new RegExp(handsOut.source + / \(expected \+1; total \+3\)/.source));
  assert.ok(contract.related.length >= 3, 'related information reaches Neovim');

  assert.match(r.hover, /\*\*vpipe_lookup\(\)\*\* — dev_clone handler/);
  assert.match(r.hover, /\| path \| conditions \| exit line \| returns \| `\*dev \(cdev\)` \|/);
  assert.match(r.hover, /\| #4 \| .* \| 77 \| void \| \+3 \(\+1 existence, \+2 refs\) \|/);

  const titles = r.codelenses.map((l) => l.title);
  assert.ok(titles.includes('contract: dev_clone handler hands out +2 (expected +1)'), titles.join('\n'));
  assert.ok(titles.includes('*dev cdev: +3 new · +1 existing · 0 on 3 paths'), titles.join('\n'));

  const labels = r.inlayHints.map((h) => h.label);
  assert.ok(labels.includes('+2 cdev (MAKEDEV_REF)') && labels.includes('+1 cdev'), labels.join(', '));
});
