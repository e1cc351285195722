/**
 * One file read for a tree run, or the reason it cannot be part of the tree: not a regular
 * file, unreadable, a link that loops, gone, too large (checked on its size before it is
 * read, so a 50 MB header is never loaded), or binary.
 */
import * as fs from 'node:fs';
import { looksBinary } from '../analysis/analyzer';

export type TreeFileRead = { text: string } | { refused: string };

/**
 * `limitName` says what sets `maxFileChars` in the message of a file over it (if anything). `overlay`: the
 * text to take instead of the disk's (an open document), checked as the disk's would be.
 */
export function readTreeFile(abs: string, maxFileChars: number, limitName: string, overlay?: string): TreeFileRead {
  let text = overlay;
  if (text === undefined) {
    try {
      vanishFault(abs);
      const st = fs.statSync(abs);
      if (!st.isFile()) return { refused: 'not a regular file' };
      if (st.size > maxFileChars * 4) return { refused: tooLarge(st.size, maxFileChars, limitName) };
      text = fs.readFileSync(abs, 'utf8');
    } catch (e) {
      return { refused: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
  }
  if (text.length > maxFileChars) return { refused: tooLarge(text.length, maxFileChars, limitName) };
  if (looksBinary(text)) return { refused: 'not a C source file: it looks binary' };
  return { text };
}

function tooLarge(size: number, limit: number, limitName: string): string {
  const mb = (n: number, digits: number) => (n / 1048576).toFixed(digits);
  return `file too large (${mb(size, 1)} MB; the limit is ${mb(limit, 0)} MB${limitName ? `, ${limitName}` : ''})`;
}

/**
 * Test hook, inert unless REFCOUNT_LENS_FAULT holds `vanish:NAME`: the file whose path contains
 * NAME is gone by the time it is read, as a file deleted while the tree is indexed.
 */
function vanishFault(file: string): void {
  for (const part of (process.env.REFCOUNT_LENS_FAULT ?? '').split(',')) {
    if (part.startsWith('vanish:') && part.length > 7 && file.includes(part.slice(7))) {
      throw Object.assign(new Error(`${file}: gone`), { code: 'ENOENT' });
    }
  }
}
