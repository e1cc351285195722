/**
 * One file read for a tree run, or the reason it cannot be part of the tree: not a regular
 * file, unreadable, a link that loops, gone, too large (checked on its size before it is
 * read, so a 50 MB header is never loaded), or binary.
 */
import * as fs from 'node:fs';
import { looksBinary } from '../analysis/analyzer';
import { bodylessResult, type FileResult } from '../analysis/result';

/**
 * The text, or why the file is not part of the tree: `refused` (it cannot be read or used), or
 * `bodyless` (over the size limit without a single function body: skipped, not failed).
 */
export type TreeFileRead = { text: string } | { refused: string } | { bodyless: FileResult };

/** How big a file over the size limit may be and still be read, to find that it has no function body. */
export const BODYLESS_READ_LIMIT = 64 * 1048576;

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
      if (st.size > Math.max(maxFileChars * 4, BODYLESS_READ_LIMIT))
        return { refused: tooLarge(st.size, maxFileChars, limitName) };
      text = fs.readFileSync(abs, 'utf8');
    } catch (e) {
      return { refused: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
  }
  if (text.length > maxFileChars) {
    const bodyless = bodylessResult(abs, text);
    return bodyless ? { bodyless } : { refused: tooLarge(text.length, maxFileChars, limitName) };
  }
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
