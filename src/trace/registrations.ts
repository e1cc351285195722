/**
 * Which functions of the analysed file the kernel calls, and in which role: read from the
 * analyser's facts (registrations found by the model presets, function-pointer bindings) and,
 * as fallbacks, from declarations in the text (module declarations, parameter-list shapes).
 * Nothing here names a driver: the environment model says what to look for.
 */
import type { FileResult, FunctionResult, Parameter } from '../analysis/result';
import type { EnvironmentModel, RoleSpec } from './environment';
import type { SourceText } from './source';
import { pattern } from './patterns';

/** A parameter of a function of the file, with its position. */
export interface Param extends Parameter {
  index: number;
}

export interface DiscoveredRole {
  role: string;
  title: string;
  function: string;
  /** Where the registration or binding is (or the function itself for a signature match). */
  line: number;
  /** How it was found: "EVENTHANDLER_REGISTER at line 116", ".create_f in req at line 138". */
  how: string;
  /** Binding container or registration line, to pair create and destroy functions of one cloner. */
  group?: string;
  synthetic?: boolean;
}

export interface FileRoles {
  all: DiscoveredRole[];
  byRole: Map<string, DiscoveredRole[]>;
  /** Device names the file declares (cdevsw d_name, make_dev formats, dev_stdclone bases), in order. */
  deviceNames: string[];
  modules: { name: string; handler?: string; line: number }[];
  functions: Map<string, FunctionResult>;
  params: Map<string, Param[]>;
}

const discovered = new WeakMap<FileResult, { src: SourceText; env: EnvironmentModel; roles: FileRoles }>();

/**
 * discoverRoles, worked out once per analysis result and text (a diff or the editor runs several
 * scenarios over one): a copy whose role lists the caller may extend (a what-if adds a role).
 */
export function rolesOf(result: FileResult, src: SourceText, env: EnvironmentModel): FileRoles {
  let hit = discovered.get(result);
  if (hit?.src !== src || hit.env !== env) {
    hit = { src, env, roles: discoverRoles(result, src, env) };
    discovered.set(result, hit);
  }
  const r = hit.roles;
  return { ...r, all: [...r.all], byRole: new Map([...r.byRole].map(([k, v]) => [k, [...v]])) };
}

export function discoverRoles(result: FileResult, src: SourceText, env: EnvironmentModel): FileRoles {
  const functions = new Map(result.functions.map((f) => [f.name, f]));
  const params = new Map<string, Param[]>();
  for (const f of result.functions)
    params.set(
      f.name,
      (f.params ?? []).map((p, index) => ({ ...p, index })),
    );
  const all: DiscoveredRole[] = [];
  const add = (spec: RoleSpec, r: Omit<DiscoveredRole, 'role' | 'title'>) => {
    if (!functions.has(r.function)) return;
    if (all.some((x) => x.role === spec.id && x.function === r.function)) return;
    all.push({ role: spec.id, title: spec.title, ...r });
  };
  for (const spec of env.roles) {
    for (const reg of result.facts.registrations) {
      if (reg.event && spec.registrationEvents?.includes(reg.event)) {
        add(spec, {
          function: reg.callback,
          line: reg.line,
          how: `${reg.registrar}(${reg.args.slice(0, 2).join(', ')}) at line ${reg.line}`,
          group: `line ${reg.line}`,
        });
      }
    }
    for (const b of result.facts.bindings) {
      if (spec.bindingFields?.some((re) => pattern(re).test(b.field))) {
        add(spec, {
          function: b.callback,
          line: b.line,
          how: `${b.container ? b.container + '.' : '.'}${b.field} = ${b.callback} at line ${b.line}`,
          group: b.container ? `${b.container}@${b.inFunction ?? ''}` : undefined,
        });
      }
    }
    for (const pat of spec.textPatterns ?? []) {
      const re = new RegExp(pat, 'g');
      let m: RegExpExecArray | null;
      while ((m = re.exec(src.text))) {
        if (m[1])
          add(spec, { function: m[1], line: src.lineOf(m.index), how: `declared at line ${src.lineOf(m.index)}` });
      }
    }
  }
  // shape fallbacks: only for roles nothing registered
  for (const spec of env.roles) {
    if (!spec.signature || all.some((r) => r.role === spec.id)) continue;
    for (const f of result.functions) {
      if (matchesSignature(params.get(f.name) ?? [], spec.signature)) {
        add(spec, {
          function: f.name,
          line: f.line,
          how: `its parameters (${types(params.get(f.name))}) have the shape of one; nothing in the file registers it`,
        });
      }
    }
  }
  const byRole = new Map<string, DiscoveredRole[]>();
  for (const r of all) byRole.set(r.role, [...(byRole.get(r.role) ?? []), r]);
  return { all, byRole, deviceNames: deviceNames(result, src, env), modules: modules(src, env), functions, params };
}

const types = (ps: Param[] | undefined) => (ps ?? []).map((p) => p.type).join(', ');

function matchesSignature(ps: Param[], sig: string[]): boolean {
  let i = 0;
  for (let k = 0; k < sig.length; k++) {
    if (sig[k] === '...') {
      // the rest must match at the end
      const tail = sig.slice(k + 1);
      if (ps.length - i < tail.length) return false;
      return tail.every((t, j) => pattern(`^(const )?${t}$`).test(ps[ps.length - tail.length + j].type));
    }
    if (!ps[i] || !pattern(`^(const )?${sig[k]}$`).test(ps[i].type)) return false;
    i++;
  }
  return i === ps.length;
}

/** Device names declared in the file, most telling first. */
export function deviceNames(result: FileResult, src: SourceText, env: EnvironmentModel): string[] {
  const out: string[] = [];
  const push = (s: string | undefined) => {
    if (!s) return;
    const base = /^([A-Za-z][A-Za-z_]*?)(%|\d|$)/.exec(s)?.[1];
    if (base && base.length <= 32 && !out.includes(base)) out.push(base);
  };
  for (const field of env.deviceNameFields) {
    const re = new RegExp(`\\.\\s*${field}\\s*=\\s*([^,}\\n]+)`, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(src.masked))) {
      const at = m.index + m[0].length - m[1].length;
      push(src.stringValue(src.text.slice(at, at + m[1].length).trim()));
    }
  }
  for (const f of result.functions) {
    for (const call of f.calls ?? []) {
      const k = env.deviceNameCalls[call.callee];
      if (k !== undefined) push(src.stringValue(call.args[k]));
    }
  }
  return out;
}

function modules(src: SourceText, env: EnvironmentModel): { name: string; handler?: string; line: number }[] {
  const out: { name: string; handler?: string; line: number }[] = [];
  for (const pat of env.moduleDeclarations) {
    const re = new RegExp(pat, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(src.text))) {
      const line = src.lineOf(m.index);
      // skip matches inside comments
      if (src.masked.slice(m.index, m.index + 4) !== src.text.slice(m.index, m.index + 4)) continue;
      if (!out.some((x) => x.name === m![1])) out.push({ name: m[1], handler: m[2], line });
    }
  }
  return out;
}
