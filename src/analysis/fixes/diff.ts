/**
 * A unified diff of two texts (`--- a/…`, `+++ b/…`, hunks with three lines of context), as
 * `git apply` and `patch -p1` read it. Lines are compared with Myers' algorithm; fix-its change
 * a few lines, so the work is the file's length times a small number of changes.
 */

const CONTEXT = 3;

/** Marks a last line that has no line break, so that it differs from the same text with one. */
const OPEN_END = '\u0000';

function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += OPEN_END;
  return lines;
}

type Op = { kind: ' ' | '-' | '+'; a: number; b: number };

/** The edit script from `a` to `b` (Myers, shortest). */
function script(a: string[], b: string[]): Op[] {
  const n = a.length,
    m = b.length,
    max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  trace.push(v);
  // walk back through the trace
  const ops: Op[] = [];
  let x = n,
    y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && prev[offset + k - 1] < prev[offset + k + 1]);
    const pk = down ? k + 1 : k - 1;
    const px = prev[offset + pk];
    const py = px - pk;
    while (x > px + (down ? 0 : 1) && y > py + (down ? 1 : 0)) {
      x--;
      y--;
      ops.push({ kind: ' ', a: x, b: y });
    }
    if (down) {
      y--;
      ops.push({ kind: '+', a: x, b: y });
    } else {
      x--;
      ops.push({ kind: '-', a: x, b: y });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push({ kind: ' ', a: x, b: y });
  }
  return ops.reverse();
}

/** The diff of `before` and `after` for one file; empty when they are equal. */
export function unifiedDiff(before: string, after: string, aPath: string, bPath: string): string {
  if (before === after) return '';
  const A = splitLines(before),
    B = splitLines(after);
  const ops = script(A, B);
  const out: string[] = [`--- ${aPath}`, `+++ ${bPath}`];
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    const from = Math.max(0, changed[i] - CONTEXT);
    let to = Math.min(ops.length, changed[i] + CONTEXT + 1);
    let j = i + 1;
    while (j < changed.length && changed[j] - CONTEXT <= to) {
      to = Math.min(ops.length, changed[j] + CONTEXT + 1);
      j++;
    }
    const hunk = ops.slice(from, to);
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${range(hunk[0].a, aLen)} +${range(hunk[0].b, bLen)} @@`);
    for (const o of hunk) {
      const line = o.kind === '+' ? B[o.b] : A[o.a];
      if (line.endsWith(OPEN_END)) out.push(o.kind + line.slice(0, -1), '\\ No newline at end of file');
      else out.push(o.kind + line);
    }
    i = j;
  }
  return out.join('\n') + '\n';
}

/** `start,length` of a hunk (1-based; an empty side names the line before it). */
function range(start: number, length: number): string {
  if (length === 0) return `${start},0`;
  return length === 1 ? `${start + 1}` : `${start + 1},${length}`;
}
