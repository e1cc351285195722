/**
 * Object-like macros that stand for a number but whose spelling does not read as a constant
 * (`#define GNTST_okay (0)`, `#define GNTST_bad_domain (-2)`): without their definition such a
 * name is taken for a global variable, so a function returning it has no return class and a
 * caller's `rc < 0` cannot tell its exits apart. A name spelled as a constant (`EBUSY`, `FOO_OK`)
 * is kept by name, as the messages and return classes have always shown it, unless it is a null
 * pointer (`#define NOCRED ((kauth_cred_t)0)`): a test against it is a NULL test, whatever its name.
 */
import { CONST_NAME, normNumber } from '../paths/values';
import type { MacroDefinition } from './prepass';

const NUMBER_BODY = /^\(?\s*(-?)\s*(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\s*\)?$/;
/** `((struct ucred *)0)`, `((cred_t) NULL)`: a null pointer of one type. */
const NULL_CAST_BODY = /^\(\s*\(\s*(?:(?:const|struct|union)\s+)*[A-Za-z_]\w*\s*\**\s*\)\s*(?:0|NULL)\s*\)$/;

/** The number each such macro of `defines` stands for (decimal text: `0`, `-2`), by name. */
export function numberMacros(defines: readonly MacroDefinition[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const d of defines) {
    if (d.params !== undefined) continue;
    const body = d.body
      .replace(/\/\*.*?\*\//gs, ' ')
      .replace(/\/\/.*$/, '')
      .trim();
    if (NULL_CAST_BODY.test(body)) {
      out[d.name] = '0';
      continue;
    }
    if (CONST_NAME.test(d.name)) continue;
    const m = NUMBER_BODY.exec(body);
    if (!m) continue;
    const n = normNumber(m[2]);
    out[d.name] = m[1] && n !== '0' ? `-${n}` : n;
  }
  return out;
}
