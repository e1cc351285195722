/**
 * web-tree-sitter with tree-sitter-c's wasm. Both .wasm files ship beside the
 * bundle (dist/); from the sources (tests) they are found in node_modules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, type Tree, type Node, type Edit } from 'web-tree-sitter';

export type { Tree, Node, Edit };

let ready: Promise<Language> | undefined;

function findFile(name: string, packageDir: string): string {
  const candidates: string[] = [];
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(dir, name), path.join(dir, 'dist', name), path.join(dir, 'node_modules', packageDir, name));
    dir = path.dirname(dir);
  }
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`cannot find ${name} (looked beside the bundle and in node_modules/${packageDir})`);
}

export function loadC(): Promise<Language> {
  if (!ready) {
    ready = (async () => {
      const runtime = findFile('tree-sitter.wasm', 'web-tree-sitter');
      await Parser.init({ locateFile: () => runtime });
      return Language.load(fs.readFileSync(findFile('tree-sitter-c.wasm', 'tree-sitter-c')));
    })();
  }
  return ready;
}

export async function createParser(): Promise<Parser> {
  const lang = await loadC();
  const p = new Parser();
  p.setLanguage(lang);
  return p;
}
