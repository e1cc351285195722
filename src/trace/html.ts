/**
 * A self-contained HTML page of a trace: no scripts, no remote content, fixed colours that
 * follow the reader's light or dark preference. For sharing a trace outside the editor.
 */
import type { TraceResult } from './types';
import { esc, timelineSvg } from './timeline';

/** Fixed colours for light and dark readers; the timeline's classes as the webview has them. */
const STYLE = `:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #656d76; --ok: #1a7f37;
  --bad: #cf222e; --warn: #9a6700; --band: rgba(127,127,127,0.07); --grid: rgba(127,127,127,0.35);
  --cdev: #0969da; --ucred: #8250df; --prison: #bf3989; --ifnet: #1a7f37; --other: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --ok: #3fb950;
  --bad: #f85149; --warn: #d29922; --cdev: #58a6ff; --ucred: #bc8cff; --prison: #ff7bbf; --ifnet: #3fb950;
  --other: #d29922; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 24px; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 24px 0 8px; }
.meta { color: var(--muted); }
.verdict { padding: 10px 14px; border-radius: 6px; border-left: 4px solid; margin: 12px 0; font-weight: 600; }
.verdict.ok { border-color: var(--ok); } .verdict.bad { border-color: var(--bad); }
ul.verdicts li.ok { color: var(--ok); } ul.verdicts li.bad { color: var(--bad); }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--grid); vertical-align: top; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; } tr.kernel td { color: var(--muted); }
td.src code { font: 12px ui-monospace, monospace; white-space: pre; }
.state-leaked { color: var(--bad); font-weight: 600; } .state-freed { color: var(--ok); }
.state-live { color: var(--warn); }
.timeline { overflow-x: auto; border: 1px solid var(--grid); border-radius: 6px; padding: 6px; }
.rl-event-band { fill: transparent; } .rl-event-1 { fill: var(--band); }
.rl-event-label { fill: var(--muted); font-size: 10px; }
.rl-lane-label { fill: var(--fg); font-size: 12px; } .rl-lane-rule { stroke: var(--grid); stroke-dasharray: 2 3; }
.rl-count { fill: none; stroke-width: 2; stroke: var(--other); }
.rl-kind-cdev .rl-count, .rl-kind-cdev .rl-point { stroke: var(--cdev); }
.rl-kind-ucred .rl-count, .rl-kind-ucred .rl-point { stroke: var(--ucred); }
.rl-kind-prison .rl-count, .rl-kind-prison .rl-point { stroke: var(--prison); }
.rl-kind-ifnet .rl-count, .rl-kind-ifnet .rl-point { stroke: var(--ifnet); }
.rl-point { fill: var(--bg); stroke-width: 2; } .rl-up { fill: var(--warn); } .rl-down { fill: var(--ok); }
.rl-op-destroy { fill: var(--bad); }
.rl-count-label { fill: var(--muted); font-size: 10px; }
.rl-final { font-size: 12px; font-weight: 600; } .rl-final-freed { fill: var(--ok); }
.rl-final-leaked { fill: var(--bad); } .rl-final-live { fill: var(--warn); }`;

const row = (cells: string[], cls?: string) =>
  `<tr${cls === undefined ? '' : ` class="${cls}"`}>${cells.join('')}</tr>`;
const cell = (content: string | number, cls?: string) => `<td${cls ? ` class="${cls}"` : ''}>${content}</td>`;
const head = (names: string[]) => `<thead><tr>${names.map((n) => `<th>${n}</th>`).join('')}</tr></thead>`;

export function traceToHtml(t: TraceResult, sourceText?: string): string {
  const src = sourceText?.split('\n');
  const verdictClass = t.ok ? 'ok' : 'bad';
  const rows = t.steps
    .map((s) => {
      const source =
        src && s.line && !s.kernel ? `<code>${esc((src[s.line - 1] ?? '').trim())}</code>` : esc(s.note ?? '');
      const cells = [s.seq, esc(s.event), esc(s.where), esc(s.object), esc(s.call)].map((c) => cell(c));
      return row([...cells, cell(`${s.before} → ${s.after}`, 'num'), cell(source, 'src')], s.kernel ? 'kernel' : '');
    })
    .join('\n');
  const objects = t.final.objects
    .map((o) => {
      const state = cell(o.state, `state-${o.state}`);
      return row([cell(esc(o.id)), cell(esc(o.kind)), cell(o.count, 'num'), state, cell(esc(o.heldBy.join('; ')))]);
    })
    .join('\n');
  const notes = (n: string[]) => (n.length ? `<ul>${n.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '');
  const events = t.events.map((e) => `<li><b>${esc(e.text)}</b>${notes(e.notes)}</li>`).join('\n');
  const verdicts = t.verdicts
    .map((v) => `<li class="${v.good ? 'ok' : 'bad'}">${v.good ? '✓' : '✗'} ${esc(v.reason)}</li>`)
    .join('\n');
  const problem = (p: TraceResult['problems'][number]) =>
    `<li class="${p.severity}">${esc(p.severity)}: ${esc(p.message)}</li>`;
  const problems = t.problems.length ? `<h2>Problems</h2><ul>${t.problems.map(problem).join('')}</ul>` : '';
  const facts = Object.entries(t.facts)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Refcount Lens trace: ${esc(t.scenario)} — ${esc(t.file.split(/[\\/]/).pop() ?? t.file)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>Lifecycle trace: ${esc(t.scenario)}${t.whatIf.length ? ` (what-if: ${esc(t.whatIf.join(', '))})` : ''}</h1>
<div class="meta">${esc(t.file)}${t.description ? ` — ${esc(t.description)}` : ''}<br>facts: ${esc(facts)}</div>
<div class="verdict ${verdictClass}">${esc(t.summary)}</div>
<ul class="verdicts">${verdicts}</ul>
<h2>Timeline</h2>
<div class="timeline">${timelineSvg(t)}</div>
<h2>Steps</h2>
<table>${head(['#', 'event', 'where', 'object', 'call', 'count', 'source'])}<tbody>
${rows}
</tbody></table>
<h2>Final objects</h2>
<table>${head(['object', 'kind', 'count', 'state', 'held by'])}<tbody>
${objects}
</tbody></table>
<h2>Events</h2>
<ol>${events}</ol>
${problems}
<p class="meta">Generated by Refcount Lens.</p>
</body>
</html>
`;
}
