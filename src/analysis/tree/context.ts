/**
 * What the analysis of one file knows of the rest of its tree: plain data, so that it
 * crosses into a worker thread as it is. The tree run (src/index/tree-run.ts) builds it
 * from the plan and the summaries known so far; the analyser reads it instead of taking
 * every callee defined elsewhere as unknown.
 */
import type { MacroDefinition } from '../parse/prepass';
import type { Summary } from '../paths/summary';
import type { CalleeEvidence } from '../model/unknown-calls';

export interface TreeFileContext {
  /**
   * The summaries of callees defined elsewhere in the tree, by the name this file calls them
   * (a function with no counted effect has one too: what it keeps of its parameters). A name
   * not here has no body in the tree, or its summary is not known (a file whose analysis
   * failed, the first round of a cycle of files): the call is unknown.
   */
  externals: Record<string, Summary>;
  /**
   * Functions of this file with no counted effect of their own, and the parameters they keep
   * (store, or pass on to a function that keeps them), from the whole tree's evidence.
   */
  kept: Record<string, number[]>;
  /**
   * Of `kept`, the parameters a body stores (their own, or through callees with bodies), not those only the
   * unknown-call policy supposes a callee without a body keeps: handing a member's address to such a function
   * links the structure (`Summary.supposed`).
   */
  keptByBody: Record<string, number[]>;
  /**
   * Functions of this file that the tree finds can touch a count (through callees elsewhere):
   * they are analysed, and their summaries reported, even when the file alone would not say so.
   */
  relevant: string[];
  /** What the tree says of the callees without a body that this file calls (their prototypes, their uses). */
  evidence?: Record<string, CalleeEvidence>;
  /** Function-like macros of the tree's headers that this file uses. */
  macros: MacroDefinition[];
  /**
   * Members the tree shows to be reference counts (tree/count-fields.ts) that this file's
   * functions add to or take from, sorted: each increment is an acquire of the member, each
   * decrement a release.
   */
  countFields?: string[];
  /**
   * Macros of the tree's headers spelled like variables that stand for a number (`GNTST_okay`: `0`;
   * parse/number-macros.ts), each defined to one number in every header that defines it.
   */
  numbers?: Record<string, string>;
}

/** What one visit of a file found: the summaries of its functions that can touch a count, by name. */
export interface TreeVisit {
  exports: Record<string, Summary>;
}
