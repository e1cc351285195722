import { nameTable } from '../analysis/tables';
/**
 * Scenario files (`*.rlscenario`): kernel events in the user's terms, one a line.
 *
 *   # the seed's reproduction
 *   scenario vnet-jail-devfs-clone
 *   description: jail -c name=test vnet command=ls /dev/tun, then jls -vd
 *   fact device exists: no
 *   fact privileged: yes
 *   jail create test vnet
 *   lookup /dev/$device in test
 *   process exit in test
 *   jls -vd
 *
 * `$device` (or `${device}`) stands for the first device name the analysed file declares
 * (its cdevsw d_name, make_dev format or dev_stdclone base), so one scenario fits many drivers.
 * The JSON form ({"name", "facts", "events": [...]}, schema/scenario.schema.json) is accepted too.
 */

export type ScenarioEvent =
  | { do: 'jail-create'; jail: string; vnet: boolean; persist: boolean }
  | { do: 'jail-remove'; jail: string }
  | { do: 'process-exit'; jail: string }
  | { do: 'lookup'; device: string; jail?: string }
  | { do: 'open'; device: string; jail?: string }
  | { do: 'close'; device: string; jail?: string }
  | { do: 'ifconfig-create'; iface: string; jail?: string }
  | { do: 'ifconfig-destroy'; iface: string; jail?: string }
  | { do: 'kldload'; module: string }
  | { do: 'kldunload'; module: string }
  | { do: 'jls'; dying: boolean }
  | { do: 'fact'; key: string; value: string };

export type LocatedEvent = ScenarioEvent & { line: number; text: string };

export interface Scenario {
  name: string;
  description?: string;
  events: LocatedEvent[];
  /** Facts stated before the first event (the trace's starting assumptions). */
  facts: Record<string, string>;
  /** `scenario` or file name it came from. */
  source?: string;
}

export interface ScenarioError {
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface ParsedScenario {
  scenario: Scenario;
  errors: ScenarioError[];
}

/** Facts a scenario can state, the values each takes and its default. */
export const KNOWN_FACTS: Record<string, { values: string[]; default: string; doc: string }> = nameTable({
  'device exists': {
    values: ['yes', 'no'],
    default: 'no',
    doc:
      "whether the looked-up device already exists before the scenario (chooses clone_create()'s " +
      '"found" or "new unit" branch)',
  },
  privileged: {
    values: ['yes', 'no'],
    default: 'yes',
    doc: 'whether the credential passes priv_check()/priv_check_cred() (root in the jail)',
  },
  'name matches': {
    values: ['yes', 'no'],
    default: 'yes',
    doc:
      'whether the driver recognises the looked-up name (for name checks in its own helpers the ' +
      'trace cannot evaluate)',
  },
  'allocation fails': {
    values: ['yes', 'no'],
    default: 'no',
    doc: 'whether allocations and make_dev_s() fail (chooses error paths)',
  },
});

const EVENT_FORMS = [
  'jail create NAME [vnet] [persist]',
  'jail remove NAME',
  'process exit in NAME',
  'lookup /dev/NAME [in JAIL]',
  'open /dev/NAME [in JAIL]',
  'close /dev/NAME [in JAIL]',
  'ifconfig IFNAME create [in JAIL]',
  'ifconfig IFNAME destroy [in JAIL]',
  'kldload MODULE',
  'kldunload MODULE',
  'jls [-d|-vd]',
  'fact KEY: VALUE',
];

const NAME = /^[A-Za-z0-9_.$][\w.${}-]*$/;

/** Parse scenario text (line form or JSON). Never throws: problems come back with line numbers. */
export function parseScenario(text: string, fallbackName = 'scenario'): ParsedScenario {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{')) return parseJsonScenario(trimmed, fallbackName);
  const errors: ScenarioError[] = [];
  const scenario: Scenario = { name: fallbackName, events: [], facts: nameTable<string>() };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let sawEvent = false;
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const hash = raw.indexOf('#');
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (!body) return;
    const column = raw.indexOf(body[0]);
    const err = (message: string, severity: 'error' | 'warning' = 'error') =>
      errors.push({ line: lineNo, column, message, severity });
    const header = /^(scenario|name)\s*:?\s+(.+)$/i.exec(body);
    if (header && !/^name\s+(exists|matches)/i.test(body)) {
      scenario.name = header[2].trim();
      return;
    }
    const desc = /^description\s*:\s*(.*)$/i.exec(body);
    if (desc) {
      scenario.description = desc[1].trim();
      return;
    }
    const r = parseEventLine(body);
    if ('error' in r) {
      err(r.error);
      return;
    }
    if (r.warning) err(r.warning, 'warning');
    const ev = { ...r.event, line: lineNo, text: body } as LocatedEvent;
    if (ev.do === 'fact' && !sawEvent) scenario.facts[ev.key] = ev.value;
    if (ev.do !== 'fact') sawEvent = true;
    scenario.events.push(ev);
  });
  if (!scenario.events.some((e) => e.do !== 'fact') && !errors.some((e) => e.severity === 'error')) {
    errors.push({
      line: Math.max(1, lines.length),
      column: 0,
      message: 'the scenario has no events (try: ' + EVENT_FORMS.slice(0, 4).join(', ') + ')',
      severity: 'error',
    });
  }
  return { scenario, errors };
}

/** One event line, without comment. */
export function parseEventLine(body: string): { event: ScenarioEvent; warning?: string } | { error: string } {
  const words = body.split(/\s+/);
  const w = (k: number) => words[k]?.toLowerCase();
  const inJail = (from: number): { jail?: string; error?: string } => {
    if (words.length === from) return {};
    if (w(from) !== 'in' || words.length !== from + 2)
      return {
        error: `expected "in JAIL" after "${words.slice(0, from).join(' ')}", found "${words.slice(from).join(' ')}"`,
      };
    if (!NAME.test(words[from + 1])) return { error: `"${words[from + 1]}" is not a jail name` };
    return { jail: words[from + 1] };
  };
  const dev = (x: string | undefined, what: string): { device?: string; error?: string } => {
    if (!x) return { error: `${what} needs a device: ${what} /dev/NAME` };
    const name = x.replace(/^\/dev\//, '');
    if (!name || !/^[\w.${}/-]+$/.test(name)) return { error: `"${x}" is not a device path (expected /dev/NAME)` };
    return { device: name };
  };
  switch (w(0)) {
    case 'fact': {
      const m = /^fact\s+([^:]+?)\s*:\s*(\S.*)$/i.exec(body);
      if (!m) return { error: 'a fact reads "fact KEY: VALUE", e.g. "fact device exists: no"' };
      const key = m[1].toLowerCase().replace(/\s+/g, ' ');
      let value = m[2].trim().toLowerCase();
      if (['true', 'y', '1'].includes(value)) value = 'yes';
      if (['false', 'n', '0'].includes(value)) value = 'no';
      const known = KNOWN_FACTS[key];
      if (!known)
        return {
          event: { do: 'fact', key, value },
          warning: `unknown fact "${key}" (known: ${Object.keys(KNOWN_FACTS).join(', ')}); it chooses nothing`,
        };
      if (!known.values.includes(value))
        return { error: `fact "${key}" is ${known.values.join(' or ')}, not "${m[2].trim()}"` };
      return { event: { do: 'fact', key, value } };
    }
    case 'jail': {
      if (w(1) === 'create' || w(1) === '-c') {
        const name = words[2];
        if (!name || !NAME.test(name)) return { error: 'jail create needs a name: jail create NAME [vnet] [persist]' };
        const rest = words.slice(3).map((x) => x.toLowerCase());
        const bad = rest.find((x) => !['vnet', 'persist'].includes(x));
        if (bad) return { error: `unknown jail option "${bad}" (known: vnet, persist)` };
        return {
          event: { do: 'jail-create', jail: name, vnet: rest.includes('vnet'), persist: rest.includes('persist') },
        };
      }
      if (w(1) === 'remove' || w(1) === '-r') {
        if (words.length !== 3 || !NAME.test(words[2]))
          return { error: 'jail remove needs one name: jail remove NAME' };
        return { event: { do: 'jail-remove', jail: words[2] } };
      }
      return {
        error: `unknown jail action "${words[1] ?? ''}" (known: jail create NAME [vnet] [persist], jail remove NAME)`,
      };
    }
    case 'process': {
      if (w(1) !== 'exit') return { error: `unknown process action "${words[1] ?? ''}" (known: process exit in JAIL)` };
      const j = inJail(2);
      if (j.error) return { error: j.error };
      if (!j.jail) return { error: 'process exit needs a jail: process exit in JAIL' };
      return { event: { do: 'process-exit', jail: j.jail } };
    }
    case 'lookup':
    case 'open':
    case 'close': {
      const d = dev(words[1], w(0)!);
      if (d.error) return { error: d.error };
      const j = inJail(2);
      if (j.error) return { error: j.error };
      return {
        event: { do: w(0) as 'lookup' | 'open' | 'close', device: d.device!, ...(j.jail ? { jail: j.jail } : {}) },
      };
    }
    case 'ifconfig': {
      const iface = words[1];
      if (!iface || !/^[\w.${}-]+$/.test(iface))
        return { error: 'ifconfig needs an interface: ifconfig IFNAME create|destroy' };
      if (w(2) !== 'create' && w(2) !== 'destroy')
        return { error: `unknown ifconfig action "${words[2] ?? ''}" (known: create, destroy)` };
      const j = inJail(3);
      if (j.error) return { error: j.error };
      return {
        event: {
          do: w(2) === 'create' ? 'ifconfig-create' : 'ifconfig-destroy',
          iface,
          ...(j.jail ? { jail: j.jail } : {}),
        },
      };
    }
    case 'kldload':
    case 'kldunload': {
      if (words.length !== 2) return { error: `${w(0)} needs one module name: ${w(0)} MODULE` };
      return { event: { do: w(0) as 'kldload' | 'kldunload', module: words[1] } };
    }
    case 'jls': {
      const opts = words.slice(1).join('');
      if (opts && !/^-[vdhns]+$/.test(opts))
        return { error: `jls takes flags like -d or -vd, not "${words.slice(1).join(' ')}"` };
      return { event: { do: 'jls', dying: opts.includes('d') } };
    }
    default:
      return { error: `unknown event "${words[0]}" (known: ${EVENT_FORMS.join('; ')})` };
  }
}

/**
 * The JSON form: {"name", "description", "facts": {KEY: VALUE},
 * "events": ["jail create test vnet", {"do": "lookup", "device": "tun", "jail": "test"}]}.
 */
function parseJsonScenario(text: string, fallbackName: string): ParsedScenario {
  const errors: ScenarioError[] = [];
  const scenario: Scenario = { name: fallbackName, events: [], facts: nameTable<string>() };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : 1;
    return {
      scenario,
      errors: [{ line, column: 0, message: `not valid JSON: ${(e as Error).message}`, severity: 'error' }],
    };
  }
  // lines of the JSON text where each event string / object starts, for messages
  const lineOfNth = (needle: string, from: number) => {
    const at = text.indexOf(needle, from);
    return at < 0 ? { line: 1, at: from } : { line: text.slice(0, at).split('\n').length, at: at + 1 };
  };
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return {
      scenario,
      errors: [{ line: 1, column: 0, message: 'a JSON scenario is an object with "events"', severity: 'error' }],
    };
  const o = data as Record<string, unknown>;
  if (typeof o.name === 'string') scenario.name = o.name;
  if (typeof o.description === 'string') scenario.description = o.description;
  let cursor = text.indexOf('"events"');
  const facts = o.facts;
  if (facts !== undefined) {
    if (!facts || typeof facts !== 'object' || Array.isArray(facts))
      errors.push({
        line: lineOfNth('"facts"', 0).line,
        column: 0,
        message: '"facts" is an object of "KEY": "VALUE"',
        severity: 'error',
      });
    else
      for (const [k, v] of Object.entries(facts as Record<string, unknown>)) {
        const r = parseEventLine(`fact ${k}: ${String(v)}`);
        const line = lineOfNth(JSON.stringify(k), 0).line;
        if ('error' in r) errors.push({ line, column: 0, message: r.error, severity: 'error' });
        else {
          if (r.warning) errors.push({ line, column: 0, message: r.warning, severity: 'warning' });
          const ev = r.event as { key: string; value: string };
          scenario.facts[ev.key] = ev.value;
          scenario.events.push({ do: 'fact', key: ev.key, value: ev.value, line, text: `fact ${ev.key}: ${ev.value}` });
        }
      }
  }
  if (!Array.isArray(o.events)) {
    errors.push({
      line: 1,
      column: 0,
      message: 'a JSON scenario needs "events": an array of event lines or objects',
      severity: 'error',
    });
    return { scenario, errors };
  }
  for (const e of o.events) {
    let line: string;
    if (typeof e === 'string') line = e;
    else if (e && typeof e === 'object') line = objectToLine(e as Record<string, unknown>);
    else line = String(e);
    const loc = lineOfNth(typeof e === 'string' ? JSON.stringify(e) : '{', Math.max(cursor, 0));
    cursor = loc.at;
    const r = parseEventLine(line.trim());
    if ('error' in r) {
      errors.push({ line: loc.line, column: 0, message: r.error, severity: 'error' });
      continue;
    }
    if (r.warning) errors.push({ line: loc.line, column: 0, message: r.warning, severity: 'warning' });
    scenario.events.push({ ...r.event, line: loc.line, text: line.trim() } as LocatedEvent);
  }
  if (!scenario.events.some((e) => e.do !== 'fact') && !errors.length)
    errors.push({ line: 1, column: 0, message: 'the scenario has no events', severity: 'error' });
  return { scenario, errors };
}

function objectToLine(e: Record<string, unknown>): string {
  const s = (k: string) => (e[k] === undefined ? '' : String(e[k]));
  const inJ = e.jail ? ` in ${s('jail')}` : '';
  switch (e.do) {
    case 'jail-create':
      return `jail create ${s('jail')}${e.vnet ? ' vnet' : ''}${e.persist ? ' persist' : ''}`;
    case 'jail-remove':
      return `jail remove ${s('jail')}`;
    case 'process-exit':
      return `process exit in ${s('jail')}`;
    case 'lookup':
    case 'open':
    case 'close':
      return `${e.do} /dev/${s('device').replace(/^\/dev\//, '')}${inJ}`;
    case 'ifconfig-create':
      return `ifconfig ${s('iface')} create${inJ}`;
    case 'ifconfig-destroy':
      return `ifconfig ${s('iface')} destroy${inJ}`;
    case 'kldload':
    case 'kldunload':
      return `${e.do} ${s('module')}`;
    case 'jls':
      return e.dying === false ? 'jls' : 'jls -d';
    case 'fact':
      return `fact ${s('key')}: ${s('value')}`;
    default:
      return `${s('do') || '(no "do")'}`;
  }
}

/** Replace `$device` / `${device}` by the file's device name. */
export function expandVariables(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a, b) => vars[a ?? b] ?? all);
}
