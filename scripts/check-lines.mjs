#!/usr/bin/env node
// Fails when a line of our code is longer than 120 characters. The formatter wraps code at that
// width but leaves long strings, comments and template literals alone: this names them.
// Fixtures are inputs, kept as written; JSON and Markdown cannot always break a line (a schema's
// description, a table row) and are left out.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 120;
const CODE = /\.(ts|mts|cts|js|mjs|cjs|css|sh|lua)$|^\.ci\/run$/;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const listed = ['ls-files', '-z', '--cached', '--others', '--exclude-standard'];
const files = execFileSync('git', listed, { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && CODE.test(f) && !f.startsWith('test/fixtures/'));
const long = [];
for (const f of files) {
  let text;
  try {
    text = readFileSync(path.join(root, f), 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX) long.push(`${f}:${i + 1}: ${line.length} characters`);
  });
}
if (long.length) {
  const inFiles = new Set(long.map((l) => l.split(':')[0])).size;
  console.error(long.join('\n'));
  console.error(`check-lines: ${long.length} lines over ${MAX} characters in ${inFiles} files`);
  process.exit(1);
}
console.log(`check-lines: ${files.length} files, no line over ${MAX} characters`);
