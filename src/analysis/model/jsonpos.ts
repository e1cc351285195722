/**
 * A small JSON parser that remembers where each value starts, so a model file's
 * problems can be reported at their line.
 */

import { nameTable } from '../tables';
export interface Located {
  value: unknown;
  line: number;
  column: number;
}

export class JsonError extends Error {
  constructor(
    message: string,
    public line: number,
    public column: number,
  ) {
    super(message);
  }
}

/** Parses JSON; `positions` maps a JSON pointer ("/functions/dev_ref/acquire") to its location. */
export function parseJsonWithPositions(text: string): {
  value: unknown;
  positions: Map<string, { line: number; column: number }>;
} {
  const positions = new Map<string, { line: number; column: number }>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const err = (msg: string): never => {
    throw new JsonError(msg, line, i - lineStart + 1);
  };
  const ws = () => {
    for (;;) {
      const c = text[i];
      if (c === '\n') {
        line++;
        i++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else if (c === '/' && text[i + 1] === '/') {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (c === '/' && text[i + 1] === '*') {
        const e = text.indexOf('*/', i + 2);
        const stop = e < 0 ? text.length : e + 2;
        for (; i < stop; i++)
          if (text[i] === '\n') {
            line++;
            lineStart = i + 1;
          }
      } else break;
    }
  };
  const str = (): string => {
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) err('unterminated string');
      const c = text[i++];
      if (c === '"') return out;
      if (c === '\n') err('line break inside a string');
      if (c === '\\') {
        const e = text[i++];
        if (e === 'u') {
          out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else out += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
      } else out += c;
    }
  };
  const value = (ptr: string): unknown => {
    ws();
    positions.set(ptr, { line, column: i - lineStart + 1 });
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = nameTable<unknown>();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          err(`expected a property name in quotes, found ${JSON.stringify(text[i] ?? 'end of file')}`);
        const keyLine = line;
        const keyCol = i - lineStart + 1;
        const key = str();
        ws();
        if (text[i] !== ':') err(`expected ':' after "${key}"`);
        i++;
        const childPtr = `${ptr}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        obj[key] = value(childPtr);
        positions.set(childPtr + '#key', { line: keyLine, column: keyCol });
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === '}') err('trailing comma');
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        err(`expected ',' or '}' after the value of "${key}"`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(`${ptr}/${arr.length}`));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        err(`expected ',' or ']' in a list`);
      }
    }
    if (c === '"') return str();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) err(c === undefined ? 'unexpected end of file' : `unexpected ${JSON.stringify(c)}`);
    i += m![0].length;
    return m![0] === 'true' ? true : m![0] === 'false' ? false : m![0] === 'null' ? null : Number(m![0]);
  };
  const v = value('');
  ws();
  if (i < text.length) err('unexpected text after the end of the JSON value');
  return { value: v, positions };
}
