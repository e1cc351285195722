/**
 * Where the parser's two wasm files are, for the analysis, which reads no files itself:
 * beside the bundle (dist/), or in node_modules when running from the sources (tests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParserWasm } from '../analysis/parse/parser';

function findFile(name: string, packageDir: string): string {
  const candidates: string[] = [];
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    candidates.push(
      path.join(dir, name),
      path.join(dir, 'dist', name),
      path.join(dir, 'node_modules', packageDir, name),
    );
    dir = path.dirname(dir);
  }
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`cannot find ${name} (looked beside the bundle and in node_modules/${packageDir})`);
}

let found: ParserWasm | undefined;

/** The runtime's location and the C grammar's bytes (found once per process). */
export function parserWasm(): ParserWasm {
  found ??= {
    runtime: findFile('tree-sitter.wasm', 'web-tree-sitter'),
    language: fs.readFileSync(findFile('tree-sitter-c.wasm', 'tree-sitter-c')),
  };
  return found;
}
