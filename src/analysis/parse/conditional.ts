/**
 * Conditional compilation for the pre-pass: evaluates `#if`/`#ifdef` lines
 * against a set of defined macros. Unknown identifiers are 0, as in C.
 */

export type MacroValues = ReadonlyMap<string, string>;

/** A function-like macro: `IS_USED(module)` with the body `module`. */
export interface FunctionMacro {
  params: string[];
  body: string;
}

const FUNCTION_LIKE = /^([A-Za-z_]\w*)\(\s*([^)]*)\)$/;

/**
 * The macros a file is read against. A name ending in `*` defines every macro with that
 * prefix (Linux's `CONFIG_*`: an allyesconfig reading, so code under `#ifdef CONFIG_ACPI`
 * is analysed); an explicit `#undef` or `--undef` still wins over the pattern. A name with
 * parameters, `IS_USED(module)`, is a function-like macro `#if` expressions can call.
 */
export class MacroTable extends Map<string, string> {
  private readonly prefixes: [string, string][] = [];
  private readonly removed = new Set<string>();
  private readonly functions = new Map<string, FunctionMacro>();

  constructor(entries: Iterable<readonly [string, string]> = []) {
    super();
    for (const [k, v] of entries) this.set(k, v);
    if (entries instanceof MacroTable) {
      this.prefixes.push(...entries.prefixes);
      for (const r of entries.removed) this.removed.add(r);
      for (const [k, f] of entries.functions) this.functions.set(k, f);
    }
  }

  override set(name: string, value: string): this {
    if (name.endsWith('*')) {
      this.prefixes.push([name.slice(0, -1), value]);
      return this;
    }
    const fn = FUNCTION_LIKE.exec(name);
    if (fn)
      return this.setFunction(
        fn[1],
        fn[2]
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        value,
      );
    this.removed.delete(name);
    this.functions.delete(name);
    return super.set(name, value);
  }

  /** `#define IS_USED(module) module`: defined, and callable from `#if`. */
  setFunction(name: string, params: string[], body: string): this {
    this.removed.delete(name);
    this.functions.set(name, { params, body });
    return super.set(name, body);
  }

  function(name: string): FunctionMacro | undefined {
    return this.functions.get(name);
  }

  override delete(name: string): boolean {
    this.removed.add(name);
    this.functions.delete(name);
    return super.delete(name);
  }

  override has(name: string): boolean {
    return super.has(name) || this.fromPrefix(name) !== undefined;
  }

  override get(name: string): string | undefined {
    return super.get(name) ?? this.fromPrefix(name);
  }

  private fromPrefix(name: string): string | undefined {
    if (this.removed.has(name)) return undefined;
    for (const [p, v] of this.prefixes) if (name.startsWith(p)) return v;
    return undefined;
  }
}

type Tok = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

function tokenize(expr: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(&&|\|\||==|!=|<=|>=|<<|>>|[!()<>+\-*/%&|^~?:,]))/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < expr.length && (m = re.exec(expr))) {
    if (m[1] !== undefined) out.push({ t: 'num', v: Number(m[1]) });
    else if (m[2] !== undefined) out.push({ t: 'id', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'op', v: m[3] });
    if (m[0].length === 0) break;
  }
  return out;
}

function tokText(t: Tok): string {
  return String(t.v);
}

/** A function-like macro's body with its parameters replaced by the argument tokens. */
function expand(fn: FunctionMacro, args: Tok[][]): string {
  const text = (arg: Tok[] = []) => {
    const t = arg.map(tokText).join(' ');
    return arg.length === 1 ? t : `(${t})`;
  };
  const byParam = new Map(fn.params.map((p, k) => [p, text(args[k])]));
  return tokenize(fn.body)
    .map((t) => (t.t === 'id' && byParam.has(t.v) ? byParam.get(t.v) : tokText(t)))
    .join(' ');
}

/** Evaluates a `#if` expression; returns undefined when it cannot be read. */
export function evalIfExpression(expr: string, macros: MacroValues, depth = 0): number | undefined {
  const toks = tokenize(expr.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, ''));
  let i = 0;
  const peek = () => toks[i];
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v;
  const macroValue = (name: string): number => {
    const body = macros.get(name);
    if (body === undefined) return 0;
    if (body.trim() === '') return 1;
    if (depth > 8) return 0;
    return evalIfExpression(body, macros, depth + 1) ?? 0;
  };
  const primary = (): number => {
    const tok = toks[i++];
    if (!tok) throw new Error('unexpected end');
    if (tok.t === 'num') return tok.v;
    if (tok.t === 'id') {
      if (tok.v === 'defined') {
        const paren = isOp('(');
        if (paren) i++;
        const name = toks[i++];
        if (paren) i++;
        return name && name.t === 'id' && macros.has(name.v) ? 1 : 0;
      }
      if (isOp('(')) {
        // a function-like macro: its body with the arguments put in; one nothing defines is 0
        const args: Tok[][] = [[]];
        let depthP = 0;
        do {
          const t = toks[i++];
          if (!t) break;
          if (t.t === 'op' && t.v === '(' && depthP++ === 0) continue;
          if (t.t === 'op' && t.v === ')' && --depthP === 0) break;
          if (t.t === 'op' && t.v === ',' && depthP === 1) args.push([]);
          else args[args.length - 1].push(t);
        } while (depthP > 0);
        const fn = macros instanceof MacroTable ? macros.function(tok.v) : undefined;
        if (!fn || depth > 8) return 0;
        return evalIfExpression(expand(fn, args), macros, depth + 1) ?? 0;
      }
      return macroValue(tok.v);
    }
    if (tok.v === '(') {
      const v = ternary();
      i++;
      return v;
    }
    if (tok.v === '!') return primary() ? 0 : 1;
    if (tok.v === '-') return -primary();
    if (tok.v === '+') return primary();
    if (tok.v === '~') return ~primary();
    throw new Error(`unexpected ${tok.v}`);
  };
  const levels: string[][] = [
    ['*', '/', '%'],
    ['+', '-'],
    ['<<', '>>'],
    ['<', '>', '<=', '>='],
    ['==', '!='],
    ['&'],
    ['^'],
    ['|'],
    ['&&'],
    ['||'],
  ];
  const binary = (level: number): number => {
    if (level < 0) return primary();
    let left = binary(level - 1);
    while (peek()?.t === 'op' && levels[level].includes(String(peek()!.v))) {
      const op = toks[i++].v as string;
      const right = binary(level - 1);
      switch (op) {
        case '*':
          left = left * right;
          break;
        case '/':
          left = right === 0 ? 0 : Math.trunc(left / right);
          break;
        case '%':
          left = right === 0 ? 0 : left % right;
          break;
        case '+':
          left = left + right;
          break;
        case '-':
          left = left - right;
          break;
        case '<<':
          left = left << right;
          break;
        case '>>':
          left = left >> right;
          break;
        case '<':
          left = +(left < right);
          break;
        case '>':
          left = +(left > right);
          break;
        case '<=':
          left = +(left <= right);
          break;
        case '>=':
          left = +(left >= right);
          break;
        case '==':
          left = +(left === right);
          break;
        case '!=':
          left = +(left !== right);
          break;
        case '&':
          left = left & right;
          break;
        case '^':
          left = left ^ right;
          break;
        case '|':
          left = left | right;
          break;
        case '&&':
          left = +(!!left && !!right);
          break;
        case '||':
          left = +(!!left || !!right);
          break;
      }
    }
    return left;
  };
  const ternary = (): number => {
    const c = binary(levels.length - 1);
    if (isOp('?')) {
      i++;
      const a = ternary();
      i++;
      const b = ternary();
      return c ? a : b;
    }
    return c;
  };
  try {
    const v = ternary();
    return i >= toks.length ? v : undefined;
  } catch {
    return undefined;
  }
}
