/** `+2`, `0`, `-1`: the one way a change of a count is written (the view layer re-exports it). */
export const signed = (n: number): string => (n > 0 ? `+${n}` : `${n}`);
