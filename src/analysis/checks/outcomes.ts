/**
 * How a function's exits read to its caller: which return classes mean failure and which success,
 * for the rules that compare an error path with the success paths (leak, inconsistent).
 */
import { ERRNO, NOT_A_FAILURE } from '../paths/values';
import type { State } from '../paths/state';

/** How a function's result says it failed: a NULL pointer, an error number, or `false`. */
export type Returns = 'pointer' | 'bool' | 'int';

export function returnsOf(exits: readonly State[], returnsBool: boolean | undefined): Returns {
  if (exits.some((s) => s.exit?.returnClass === 'NULL' || s.exit?.returnClass === 'non-NULL')) return 'pointer';
  return returnsBool ? 'bool' : 'int';
}

export function isError(cls: string, returns: Returns): boolean {
  if (returns === 'bool') return cls === '0';
  if (cls === 'negative' || /^-\d+$/.test(cls)) return true;
  if (ERRNO.test(cls)) return !NOT_A_FAILURE.has(cls.replace(/^-/, ''));
  if (cls === 'nonzero') return returns === 'int';
  if (cls === 'NULL') return returns === 'pointer';
  return false;
}

export function isSuccess(cls: string, returns: Returns): boolean {
  if (returns === 'bool') return cls !== '0' && cls !== 'unknown';
  return cls === '0' ? returns === 'int' : cls === 'non-NULL';
}
