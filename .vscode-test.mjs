// @vscode/test-cli configuration: `npx vscode-test` (npm run test:e2e).
// No Electron VS Code can be downloaded on our machines, so `useInstallation.fromPath` points
// at a stand-in executable that runs the suite in code-server (a real VS Code 1.100.3) driven
// by headless chromium; scripts/setup-e2e.sh installs both.
import { defineConfig } from '@vscode/test-cli';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  label: 'e2e',
  files: 'out/test/e2e/suite/**/*.test.js',
  workspaceFolder: path.join(root, 'test/fixtures/workspace'),
  extensionDevelopmentPath: root,
  useInstallation: { fromPath: path.join(root, 'test/e2e/vscode-standin.mjs') },
  mocha: { ui: 'tdd', timeout: 60_000 },
});
