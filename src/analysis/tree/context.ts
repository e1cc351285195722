/**
 * What the analysis of one file knows of the rest of its tree: plain data, so that it
 * crosses into a worker thread as it is. The tree run (src/index/tree-run.ts) builds it
 * from the plan and the summaries known so far; the analyser reads it instead of taking
 * every callee defined elsewhere as unknown.
 */
import type { MacroDefinition } from '../parse/prepass';
import type { Summary } from '../paths/summary';

/** The tree's answer for a function the file calls but does not define. */
export type ExternalAnswer =
  /** Its summary (a function with no counted effect has one too: what it keeps of its parameters). */
  | { summary: Summary }
  /** Defined in the tree, its summary not computed yet: a caller waits (is deferred to a later visit). */
  | 'pending'
  /** Defined in the tree but in the same cycle of calls across files: taken as unknown, as recursion is. */
  | 'unknown';

export interface TreeFileContext {
  /**
   * Callees defined elsewhere in the tree, by the name this file calls them. Names not here have no
   * body in the tree.
   */
  externals: Record<string, ExternalAnswer>;
  /**
   * Calls that close a cycle across files (`caller` and `callee` joined by U+0001): the callee is
   * unknown to that caller, whatever `externals` says, as a recursive call within a file is.
   */
  cut: string[];
  /**
   * Functions of this file with no counted effect of their own, and the parameters they keep
   * (store, or pass on to a function that keeps them), from the whole tree's evidence.
   */
  kept: Record<string, number[]>;
  /**
   * Functions of this file that the tree finds can touch a count (through callees elsewhere):
   * they are analysed, and their summaries reported, even when the file alone would not say so.
   */
  relevant: string[];
  /** Function-like macros of the tree's headers that this file uses. */
  macros: MacroDefinition[];
}

/** What one visit of a file found. */
export interface TreeVisit {
  /** Summaries of the file's functions that can touch a count and were analysed in this visit, by name. */
  exports: Record<string, Summary>;
  /** Functions that wait for a pending callee: analysed in a later visit. */
  deferred: string[];
}
