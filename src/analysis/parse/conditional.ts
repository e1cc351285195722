/**
 * Conditional compilation for the pre-pass: evaluates `#if`/`#ifdef` lines
 * against a set of defined macros. Unknown identifiers are 0, as in C.
 */

export type MacroValues = ReadonlyMap<string, string>;

/**
 * The macros a file is read against. A name ending in `*` defines every macro with that
 * prefix (Linux's `CONFIG_*`: an allyesconfig reading, so code under `#ifdef CONFIG_ACPI`
 * is analysed); an explicit `#undef` or `--undef` still wins over the pattern.
 */
export class MacroTable extends Map<string, string> {
  private readonly prefixes: [string, string][] = [];
  private readonly removed = new Set<string>();

  constructor(entries: Iterable<readonly [string, string]> = []) {
    super();
    for (const [k, v] of entries) this.set(k, v);
    if (entries instanceof MacroTable) {
      this.prefixes.push(...entries.prefixes);
      for (const r of entries.removed) this.removed.add(r);
    }
  }

  override set(name: string, value: string): this {
    if (name.endsWith('*')) {
      this.prefixes.push([name.slice(0, -1), value]);
      return this;
    }
    this.removed.delete(name);
    return super.set(name, value);
  }

  override delete(name: string): boolean {
    this.removed.add(name);
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
        // function-like macro use: unknown, skip its arguments
        let depthP = 0;
        do {
          const t = toks[i++];
          if (!t) break;
          if (t.t === 'op' && t.v === '(') depthP++;
          if (t.t === 'op' && t.v === ')') depthP--;
        } while (depthP > 0);
        return 0;
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
