/**
 * The server's view of the user's settings and model files: `refcountLens.*` (pulled with
 * workspace/configuration, or from initializationOptions for clients without it), the
 * workspace trust the client reports, and the `.refcount-lens.json` at each workspace root.
 * Its product is the AnalyzerOptions every analysis runs with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnalyzerOptions } from '../analysis/analyzer';
import { readModelSources } from '../files/model-files';
import { DEFAULT_SETTINGS, type SettingsShape } from '../shared/protocol';

export const MODEL_FILE_NAME = '.refcount-lens.json';

/** Coerces whatever a client sent into valid settings; returns what it had to fix, for the log. */
export function normaliseSettings(raw: unknown): { settings: SettingsShape; fixes: string[] } {
  const fixes: string[] = [];
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const bool = (v: unknown, d: boolean, name: string) => {
    if (v === undefined || v === null) return d;
    if (typeof v === 'boolean') return v;
    fixes.push(`${name} must be true or false`);
    return d;
  };
  const sub = (k: string) => (r[k] && typeof r[k] === 'object' ? r[k] : {}) as Record<string, unknown>;
  let preset = r.preset ?? DEFAULT_SETTINGS.preset;
  if (preset !== 'freebsd' && preset !== 'linux' && preset !== 'auto') {
    fixes.push(`refcountLens.preset "${String(preset)}" is not freebsd, linux or auto; using auto`);
    preset = 'auto';
  }
  let modelFiles = r.modelFiles ?? [];
  if (!Array.isArray(modelFiles) || modelFiles.some((f) => typeof f !== 'string')) {
    fixes.push('refcountLens.modelFiles must be a list of paths');
    modelFiles = [];
  }
  const index = sub('index');
  let exclude = index.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.some((g) => typeof g !== 'string')) {
    fixes.push('refcountLens.index.exclude must be a list of globs');
    exclude = [];
  }
  const budget = (name: 'maxStatesPerFunction' | 'maxStatesPerFile'): number => {
    const v = r[name] ?? DEFAULT_SETTINGS[name];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 1) return Math.floor(v);
    fixes.push(`refcountLens.${name} must be a positive number`);
    return DEFAULT_SETTINGS[name];
  };
  return {
    fixes,
    settings: {
      enable: bool(r.enable, true, 'refcountLens.enable'),
      inlayHints: { enabled: bool(sub('inlayHints').enabled, true, 'refcountLens.inlayHints.enabled') },
      codeLens: { enabled: bool(sub('codeLens').enabled, true, 'refcountLens.codeLens.enabled') },
      preset: preset as SettingsShape['preset'],
      modelFiles: modelFiles as string[],
      maxStatesPerFunction: budget('maxStatesPerFunction'),
      maxStatesPerFile: budget('maxStatesPerFile'),
      inference: bool(r.inference, true, 'refcountLens.inference'),
      index: { enabled: bool(index.enabled, true, 'refcountLens.index.enabled'), exclude: exclude as string[] },
    },
  };
}

export class Settings {
  current: SettingsShape = DEFAULT_SETTINGS;
  trusted = false;
  roots: string[] = [];

  /** Absolute paths of the model files that load (none in an untrusted workspace). */
  modelFiles(): string[] {
    if (!this.trusted) return [];
    const atRoots = this.roots.map((r) => path.join(r, MODEL_FILE_NAME)).filter((f) => fs.existsSync(f));
    const base = this.roots[0] ?? process.cwd();
    const configured = this.current.modelFiles.map((f) => path.resolve(base, expandHome(f)));
    return [...new Set([...atRoots, ...configured])];
  }

  /** Model files that would load if they existed: what to watch. */
  watchedModelFiles(): string[] {
    if (!this.trusted) return [];
    const base = this.roots[0] ?? process.cwd();
    return [
      ...this.roots.map((r) => path.join(r, MODEL_FILE_NAME)),
      ...this.current.modelFiles.map((f) => path.resolve(base, expandHome(f))),
    ];
  }

  analyzerOptions(): AnalyzerOptions {
    return {
      preset: this.current.preset,
      modelSources: readModelSources(this.modelFiles()),
      maxStatesPerFunction: this.current.maxStatesPerFunction,
      maxStatesPerFile: this.current.maxStatesPerFile,
      inference: this.current.inference,
      // each function's parameters and calls, for the lifecycle trace (refcountLens/trace)
      callSites: true,
    };
  }

  /** A key that changes exactly when analyses must be redone. */
  analysisKey(): string {
    const files = this.modelFiles().map((f) => `${f}@${mtimeOf(f)}`);
    return JSON.stringify([this.analyzerOptions(), files]);
  }
}

export function rootsFromUris(uris: (string | null | undefined)[]): string[] {
  return uris.map((u) => (u ? uriToPath(u) : undefined)).filter((p): p is string => !!p);
}

/** The file system path of a file: URI, or undefined for other schemes (untitled:, ...). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? '', p.slice(2)) : p;
}

function mtimeOf(f: string): number {
  try {
    return fs.statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}
