/** Diagnostics as lines of text, for the editor's problem list and the CLI's report. */
import type { Diagnostic, Related } from '../analysis/result';

/** `tunclone(): dev_clone handler ...`: the message after its function's name. */
export function problemLine(d: Diagnostic): string {
  return `${d.function ? `${d.function}(): ` : ''}${d.message}`;
}

/** The editor's message: the line, and whether the object's pair was only inferred. */
export function editorMessage(d: Diagnostic): string {
  return `${problemLine(d)}${d.inferred ? ' (inferred)' : ''}`;
}

/** A related entry as the editor lists it: `path #4: leaked on the path ...`, `paths #4, #5: ...`. */
export function relatedLine(r: Related): string {
  if (r.paths && r.paths.length > 1) return `paths ${r.paths.map((p) => `#${p}`).join(', ')}: ${r.message}`;
  return r.path !== undefined ? `path #${r.path}: ${r.message}` : r.message;
}
