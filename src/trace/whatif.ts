/**
 * What-if runs: the same scenario over the same analysis with one change, cheap because
 * nothing is re-analysed.
 *   add-remove-method   a PR_METHOD_REMOVE method that detaches the cloners of the jail's VNET
 *   drop-line:N         leave out the counted calls (and kernel calls) at line N
 *   fact:KEY=VALUE      override a fact for the whole scenario
 */
import { nameTable } from '../analysis/tables';
import { KNOWN_FACTS } from './scenario';

export interface WhatIf {
  list: string[];
  addRemoveMethod: boolean;
  dropLines: Set<number>;
  facts: Record<string, string>;
  problems: string[];
}

/** The what-ifs: `id` as the CLI and the requests take it, `label` for a button, `title` for its tooltip. */
export const WHAT_IFS = [
  {
    id: 'add-remove-method',
    label: 'What if it had a remove method?',
    title: "Run again with a PR_METHOD_REMOVE method that detaches the cloners of the jail's VNET",
  },
  { id: 'drop-line:N', label: 'What if line N were left out?', title: 'Run again without the calls at line N' },
  { id: 'fact:KEY=VALUE', label: 'What if a fact were different?', title: 'Run again with a fact overridden' },
];

/** A what-if as given (`drop-line:412`) in words ("line 412 left out"). */
export function describeWhatIf(id: string): string {
  if (id === 'add-remove-method') return 'a PR_METHOD_REMOVE method added';
  const drop = /^drop-(?:line|step):(\d+)$/.exec(id);
  if (drop) return `line ${drop[1]} left out`;
  const fact = /^fact:([^=]+)=(.+)$/.exec(id);
  if (fact) return `fact ${fact[1].trim()}: ${fact[2].trim()}`;
  return id;
}

export function parseWhatIf(items: string[]): WhatIf {
  const w: WhatIf = {
    list: [],
    addRemoveMethod: false,
    dropLines: new Set(),
    facts: nameTable<string>(),
    problems: [],
  };
  for (const raw of items
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (raw === 'add-remove-method') {
      w.addRemoveMethod = true;
      w.list.push(raw);
      continue;
    }
    const drop = /^drop-(?:line|step):(\d+)$/.exec(raw);
    if (drop) {
      w.dropLines.add(Number(drop[1]));
      w.list.push(raw);
      continue;
    }
    const fact = /^fact:([^=]+)=(.+)$/.exec(raw);
    if (fact) {
      const key = fact[1].trim().toLowerCase(),
        value = fact[2].trim().toLowerCase();
      const known = KNOWN_FACTS[key];
      if (!known?.values.includes(value)) {
        w.problems.push(
          `what-if "${raw}": facts are ${Object.entries(KNOWN_FACTS)
            .map(([k, v]) => `${k}=${v.values.join('|')}`)
            .join(', ')}`,
        );
        continue;
      }
      w.facts[key] = value;
      w.list.push(raw);
      continue;
    }
    w.problems.push(`unknown what-if "${raw}" (known: add-remove-method, drop-line:N, fact:KEY=VALUE)`);
  }
  return w;
}
