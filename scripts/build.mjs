// Bundles the CLI, the language server and the VS Code extension with esbuild, copies both
// .wasm files beside the bundles, draws the icon and writes the grammar (everything the
// build makes goes to dist/, never to a tracked folder), and compiles tests with tsc.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { writeGrammar } from './gen-grammar.mjs';
import { writeIcon } from './make-icon.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // web-tree-sitter's ESM entry uses import.meta; the .cjs entry bundles cleanly
  alias: { 'web-tree-sitter': path.join(root, 'node_modules/web-tree-sitter/tree-sitter.cjs') },
  external: ['vscode'],
};

const entries = [
  { in: 'src/cli/main.ts', out: 'cli.js' },
  { in: 'src/server/server.ts', out: 'server.js' },
  // the analysis workers of the CLI and of the language server
  { in: 'src/workers/worker.ts', out: 'worker.js' },
  { in: 'src/extension/extension.ts', out: 'extension.js' },
].filter((e) => existsSync(path.join(root, e.in)));

await Promise.all(
  entries.map((e) =>
    esbuild.build({
      ...common,
      entryPoints: [path.join(root, e.in)],
      outfile: path.join(dist, e.out),
      ...(e.banner ? { banner: { js: e.banner } } : {}),
    }),
  ),
);
chmodSync(path.join(dist, 'cli.js'), 0o755);
// the editor's highlighting of acquire/release names comes from the same presets
writeGrammar();
writeIcon();
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), path.join(dist, 'tree-sitter.wasm'));
copyFileSync(path.join(root, 'node_modules/tree-sitter-c/tree-sitter-c.wasm'), path.join(dist, 'tree-sitter-c.wasm'));

if (!process.argv.includes('--no-tests')) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}
