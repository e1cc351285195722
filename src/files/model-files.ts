/**
 * Reads user model files from disk for the analysis, which reads no files itself: each
 * file's text (or why it could not be read), and, recursively, the files its `extends`
 * names, resolved against its directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileExtends, type ModelSource, type ModelSources } from '../analysis/model/load';

export function readModelSources(files: readonly string[]): ModelSources {
  const included = new Map<string, ModelSource>();
  const read = (file: string): ModelSource => {
    let source: ModelSource;
    try {
      source = { file, text: fs.readFileSync(file, 'utf8') };
    } catch (err) {
      return { file, unreadable: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
    const names = fileExtends(source.text!);
    if (names.length) {
      source.includes = names.map((name) => ({ name, file: path.resolve(path.dirname(file), name) }));
      for (const inc of source.includes) {
        if (included.has(inc.file)) continue;
        included.set(inc.file, { file: inc.file }); // a cycle stops here
        included.set(inc.file, read(inc.file));
      }
    }
    return source;
  };
  const top = files.map((f) => read(path.resolve(f)));
  return { files: top, included: [...included.values()] };
}
