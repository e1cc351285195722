/**
 * Where a model entry is written. Steps name the entry that produced them
 * (`freebsd:dev_ref` for a preset, `/abs/.refcount-lens.json:spa_open` for a user file);
 * for user files a hint links to the line of that entry.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Location } from 'vscode-languageserver';
import { pathToUri } from './settings';

interface Cached { mtimeMs: number; lines: string[] }

const files = new Map<string, Cached>();

export function splitSource(source: string): { file: string; name: string } | undefined {
  const colon = source.lastIndexOf(':');
  if (colon <= 0) return undefined;
  return { file: source.slice(0, colon), name: source.slice(colon + 1) };
}

/** The location of a user model file's entry, or undefined for presets and unreadable files. */
export function modelEntryLocation(source: string | undefined): Location | undefined {
  const parts = source ? splitSource(source) : undefined;
  if (!parts || !path.isAbsolute(parts.file)) return undefined;
  const lines = linesOf(parts.file);
  if (!lines) return undefined;
  const key = new RegExp(`"${parts.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`);
  const line = Math.max(0, lines.findIndex((l) => key.test(l)));
  const character = Math.max(0, (lines[line] ?? '').indexOf(`"${parts.name}"`));
  return {
    uri: pathToUri(parts.file),
    range: { start: { line, character }, end: { line, character: character + parts.name.length + 2 } },
  };
}

/** Short, human name of an entry's origin: "freebsd preset" or ".refcount-lens.json". */
export function describeSource(source: string | undefined): string | undefined {
  const parts = source ? splitSource(source) : undefined;
  if (!parts) return undefined;
  return path.isAbsolute(parts.file) ? `${path.basename(parts.file)} (${parts.name})` : `${parts.file} preset (${parts.name})`;
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
