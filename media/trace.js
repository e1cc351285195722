// The lifecycle trace webview. Plain script, no remote content; the extension sends
// {type: 'trace', state} and {type: 'select', seq}; the view sends reveal/export/whatIf
// requests and reports what it rendered ({type: 'rendered'}) for the end-to-end tests.
(() => {
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');
  let state = vscode.getState() || undefined;
  let whatIfs = [];

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function save() {
    vscode.setState(state);
  }

  function reveal(seq, focusEditor) {
    vscode.postMessage({ type: 'reveal', seq, focusEditor: !!focusEditor });
    select(seq);
  }

  function select(seq) {
    if (!state) return;
    state.current = seq;
    save();
    vscode.postMessage({ type: 'current', current: seq });
    for (const r of document.querySelectorAll('.rl-step-row.current')) r.classList.remove('current');
    for (const c of document.querySelectorAll('.rl-timeline .rl-point.rl-current')) c.classList.remove('rl-current');
    const row = document.querySelector(`.rl-step-row[data-seq="${seq}"]`);
    if (row) {
      row.classList.add('current');
      row.scrollIntoView({ block: 'nearest' });
    }
    const pt = document.querySelector(`.rl-timeline .rl-step[data-seq="${seq}"] .rl-point`);
    if (pt) pt.classList.add('rl-current');
    const g = document.querySelector(`.rl-timeline .rl-step[data-seq="${seq}"]`);
    if (g?.scrollIntoView) g.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    report();
  }

  function report() {
    const v = document.querySelector('.rl-verdict');
    const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent);
    vscode.postMessage({
      type: 'rendered',
      verdict: v ? v.textContent : '',
      steps: document.querySelectorAll('.rl-step-row').length,
      current: state?.current,
      verdicts: texts('.rl-verdicts li'),
      compared: texts('.rl-compared li'),
      where: texts('.rl-step-row td:last-child'),
      buttons: texts('.rl-actions button'),
      eventLabels: texts('.rl-event-label'),
    });
  }

  function svgNode(svgText) {
    // the SVG is made by the extension from the trace (escaped text, no scripts)
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const root = doc.documentElement;
    if (root?.nodeName !== 'svg') return el('p', { class: 'rl-muted' }, 'no timeline');
    return document.importNode(root, true);
  }

  function render() {
    app.textContent = '';
    if (!state?.trace) {
      app.append(
        el('p', { class: 'rl-empty' }, 'Run ', el('b', null, 'Refcount Lens: Run Lifecycle Trace'), ' on a C file.'),
      );
      report();
      return;
    }
    const t = state.trace;
    const file = t.file.split(/[\\/]/).pop();

    // verdict first
    app.append(
      el(
        'header',
        { class: 'rl-head' },
        el('div', { class: `rl-verdict ${t.ok ? 'ok' : 'bad'}`, role: 'status' }, (t.ok ? '✓ ' : '✗ ') + t.summary),
        el(
          'div',
          { class: 'rl-meta' },
          el('span', { class: 'rl-scenario' }, t.scenario),
          ' over ',
          el('code', null, file),
          t.whatIf.length
            ? el(
                'span',
                { class: 'rl-badge', title: t.whatIf.join(', ') },
                'what-if: ' + (state.whatIfLabels || t.whatIf).join(', '),
              )
            : null,
          t.description ? el('div', { class: 'rl-muted' }, t.description) : null,
          el(
            'div',
            { class: 'rl-muted' },
            'facts: ' +
              Object.entries(t.facts)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', '),
          ),
        ),
        el(
          'div',
          { class: 'rl-actions' },
          el('button', { type: 'button', title: 'Previous step (Ctrl+Alt+[)', onclick: () => move(-1) }, '◀ Step'),
          el('button', { type: 'button', title: 'Next step (Ctrl+Alt+])', onclick: () => move(1) }, 'Step ▶'),
          ...whatIfs.map((w) =>
            t.whatIf.includes(w.id)
              ? el(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: () => vscode.postMessage({ type: 'whatIf', id: 'none' }),
                  },
                  'Run without what-if',
                )
              : el(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    title: w.title,
                    onclick: () => vscode.postMessage({ type: 'whatIf', id: w.id }),
                  },
                  w.label,
                ),
          ),
          el(
            'button',
            { type: 'button', class: 'secondary', onclick: () => vscode.postMessage({ type: 'rerun' }) },
            'Run again',
          ),
          el(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => vscode.postMessage({ type: 'export', format: 'sarif' }),
            },
            'Export SARIF',
          ),
          el(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => vscode.postMessage({ type: 'export', format: 'html' }),
            },
            'Export HTML',
          ),
        ),
      ),
    );

    // the verdicts the summary above does not already say
    const more = t.verdicts.filter((v) => !t.summary.includes(v.reason));
    if (more.length) {
      app.append(
        el(
          'ul',
          { class: 'rl-verdicts' },
          more.map((v) =>
            el(
              'li',
              { class: v.good ? 'ok' : 'bad', title: `${v.subject}: ${v.state}` },
              el('span', { class: 'rl-mark' }, v.good ? '✓' : '✗'),
              ' ' + v.reason,
            ),
          ),
        ),
      );
    }
    // while the file is compared with a revision: the same scenario's verdicts there, then here
    if (state.compared) {
      const c = state.compared;
      const item = (good, when, reason) =>
        el(
          'li',
          { class: good ? 'ok' : 'bad' },
          el('span', { class: 'rl-mark' }, good ? '✓' : '✗'),
          ` ${when}: ${reason}`,
        );
      app.append(
        el(
          'section',
          { class: 'rl-compared' },
          el('h2', null, `Compared with ${c.base}`),
          el(
            'ul',
            { class: 'rl-before-now' },
            item(c.ok, 'before', c.summary),
            c.verdicts.filter((v) => !c.summary.includes(v.reason)).map((v) => item(v.good, 'before', v.reason)),
            item(t.ok, 'now', t.summary),
          ),
        ),
      );
    }
    if (t.problems.length) {
      app.append(
        el(
          'section',
          { class: 'rl-problems' },
          el('h2', null, 'Problems'),
          el(
            'ul',
            null,
            t.problems.map((p) => el('li', { class: p.severity }, p.severity + ': ' + p.message)),
          ),
        ),
      );
    }

    // timeline
    const tl = el('section', { class: 'rl-section' }, el('h2', null, 'Timeline'));
    const box = el('div', { class: 'rl-timeline-box' });
    box.append(svgNode(state.svg || ''));
    box.addEventListener('click', (e) => {
      const g = e.target?.closest ? e.target.closest('.rl-step') : null;
      if (g?.dataset.seq) reveal(Number(g.dataset.seq), false);
    });
    tl.append(box);
    app.append(tl);

    // steps, by event
    const steps = el('section', { class: 'rl-section' }, el('h2', null, `Steps (${t.steps.length})`));
    const table = el('table', { class: 'rl-steps' });
    table.append(
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          el('th', null, '#'),
          el('th', null, 'object'),
          el('th', null, 'count'),
          el('th', null, 'call'),
          el('th', null, 'where'),
        ),
      ),
    );
    const tbody = el('tbody');
    for (const e of t.events) {
      const evSteps = t.steps.filter((s) => s.eventIndex === e.index);
      const calls = t.calls.filter((c) => c.eventIndex === e.index && c.path !== undefined);
      const heading = [
        e.notes.length ? `${e.notes.length} note${e.notes.length === 1 ? '' : 's'}` : '',
        calls.length ? `${calls.length} function${calls.length === 1 ? '' : 's'} of the file run` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      const details = el(
        'details',
        { class: 'rl-notes' },
        el('summary', null, heading),
        el(
          'ul',
          null,
          calls.map((c) =>
            el('li', null, el('code', null, `${'  '.repeat(c.depth)}${c.function}()`), ` path #${c.path}: ${c.reason}`),
          ),
          e.notes.map((n) => el('li', { class: 'rl-muted' }, n)),
        ),
      );
      tbody.append(
        el(
          'tr',
          { class: 'rl-event-row' },
          el(
            'td',
            { colspan: 5 },
            el('span', { class: 'rl-event-text' }, e.text),
            e.notes.length || calls.length ? details : null,
          ),
        ),
      );
      for (const s of evSteps) {
        const where =
          s.line > 0
            ? el(
                'a',
                {
                  href: '#',
                  class: 'rl-link',
                  title: s.via.join(' › '),
                  onclick: (ev) => {
                    ev.preventDefault();
                    reveal(s.seq, true);
                  },
                },
                s.where,
              )
            : el('span', { class: 'rl-muted', title: s.via.join(' › ') }, s.where);
        const arrow = `${s.before} → ${s.after}`;
        tbody.append(
          el(
            'tr',
            {
              class: `rl-step-row${s.kernel ? ' kernel' : ''}${state.current === s.seq ? ' current' : ''}`,
              dataset: { seq: String(s.seq) },
              tabindex: '0',
              onclick: () => reveal(s.seq, false),
              onkeydown: (ev) => {
                if (ev.key === 'Enter') reveal(s.seq, true);
              },
            },
            el('td', { class: 'num' }, String(s.seq)),
            el('td', null, el('span', { class: `rl-obj kind-${s.kind}` }, s.object)),
            el('td', { class: `num ${s.after > s.before ? 'up' : s.after < s.before ? 'down' : ''}` }, arrow),
            el('td', null, el('code', null, s.call), s.note ? el('span', { class: 'rl-muted' }, ' ' + s.note) : null),
            el('td', null, where),
          ),
        );
      }
    }
    table.append(tbody);
    steps.append(table);
    app.append(steps);

    // final objects
    const fin = el('section', { class: 'rl-section' }, el('h2', null, 'Final objects'));
    fin.append(
      el(
        'table',
        { class: 'rl-final-table' },
        el(
          'thead',
          null,
          el(
            'tr',
            null,
            el('th', null, 'object'),
            el('th', null, 'kind'),
            el('th', null, 'count'),
            el('th', null, 'state'),
            el('th', null, 'held by'),
          ),
        ),
        el(
          'tbody',
          null,
          t.final.objects.map((o) =>
            el(
              'tr',
              null,
              el('td', null, o.id),
              el('td', null, o.kind),
              el('td', { class: 'num' }, String(o.count)),
              el('td', { class: 'state-' + o.state }, o.state),
              el('td', { class: 'rl-muted' }, o.count > 0 ? o.heldBy.join('; ') : ''),
            ),
          ),
        ),
      ),
    );
    app.append(fin);

    if (t.roles.length) {
      app.append(
        el(
          'details',
          { class: 'rl-section rl-roles' },
          el('summary', null, `What the kernel calls in this file (${t.roles.length})`),
          el(
            'ul',
            null,
            t.roles.map((r) => el('li', null, el('code', null, r.function + '()'), ` — ${r.role}: ${r.how}`)),
          ),
        ),
      );
    }
    if (state.current) select(state.current);
    else report();
  }

  function move(dir) {
    if (!state?.trace) return;
    const steps = state.trace.steps.filter((s) => s.line > 0);
    if (!steps.length) return;
    const cur = state.current || 0;
    const next =
      dir > 0
        ? steps.find((s) => s.seq > cur) || steps[steps.length - 1]
        : [...steps].reverse().find((s) => s.seq < cur) || steps[0];
    reveal(next.seq, false);
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'trace') {
      state = m.state;
      whatIfs = m.whatIfs || [];
      save();
      render();
    } else if (m.type === 'select') {
      select(m.seq);
    }
  });

  render();
  vscode.postMessage({ type: 'ready', hasState: !!state });
})();
