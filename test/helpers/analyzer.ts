/** One real analyzer (real parser, real model) shared by a test file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer, type AnalyzerOptions } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import type { FileResult } from '../../src/analysis/result';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

let shared: Promise<Analyzer> | undefined;
export function analyzer(opts?: AnalyzerOptions): Promise<Analyzer> {
  if (opts) return Analyzer.create(opts, parserWasm());
  shared ??= Analyzer.create({}, parserWasm());
  return shared;
}

export async function analyzeSource(text: string, name = 'inline.c', opts?: AnalyzerOptions): Promise<FileResult> {
  return (await analyzer(opts)).analyzeText(name, text);
}

export async function analyzeFile(rel: string, opts?: AnalyzerOptions): Promise<FileResult> {
  const file = path.join(ROOT, rel);
  return (await analyzer(opts)).analyzeText(file, fs.readFileSync(file, 'utf8'));
}

export function fn(r: FileResult, name: string) {
  const f = r.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name} in ${r.path} (have ${r.functions.map((x) => x.name).join(', ')})`);
  return f;
}

/** The distinct raw deltas on `object` over all path classes of a function. */
export function deltasOf(r: FileResult, fname: string, object: string): number[] {
  const f = fn(r, fname);
  return [...new Set(f.paths.map((p) => p.deltas.find((d) => d.object === object)?.delta ?? 0))].sort((a, b) => a - b);
}

export function rules(r: FileResult): string[] {
  return r.diagnostics.filter((d) => d.rule !== 'parse' && d.rule !== 'budget').map((d) => `${d.rule}@${d.line}`);
}
