/**
 * Where a model entry is written. Steps name the entry that produced them
 * (`freebsd:dev_ref` for a preset, `/abs/.refcount-lens.json:spa_open` for a user file);
 * for user files a hint links to the line of that entry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Location } from 'vscode-languageserver';
import { splitSource } from '../view/sources';
import { pathToUri } from './settings';

interface Cached {
  mtimeMs: number;
  lines: string[];
}

const files = new Map<string, Cached>();

/** The location of a user model file's entry, or undefined for presets and unreadable files. */
export function modelEntryLocation(source: string | undefined): Location | undefined {
  const parts = source ? splitSource(source) : undefined;
  if (!parts || !path.isAbsolute(parts.file)) return undefined;
  const lines = linesOf(parts.file);
  if (!lines) return undefined;
  const key = new RegExp(`"${parts.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`);
  const line = Math.max(
    0,
    lines.findIndex((l) => key.test(l)),
  );
  const character = Math.max(0, (lines[line] ?? '').indexOf(`"${parts.name}"`));
  return {
    uri: pathToUri(parts.file),
    range: { start: { line, character }, end: { line, character: character + parts.name.length + 2 } },
  };
}

function linesOf(file: string): string[] | undefined {
  try {
    const mtimeMs = fs.statSync(file).mtimeMs;
    const hit = files.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.lines;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    files.set(file, { mtimeMs, lines });
    return lines;
  } catch {
    return undefined;
  }
}
