/**
 * The Prometheus text exposition format (0.0.4), the small part gangway needs: write families, and read back the
 * files metrics.sh writes to add a `host` label and merge hosts into one exposition. Hand-written: the one npm
 * parser (parse-prometheus-text-format) is unmaintained, and prom-client writes but cannot read.
 */
export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels: [string, string][];
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

export function formatExposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      lines.push(`${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m || LABEL.lastIndex === at) return text.slice(at).trim() === '' ? out : undefined;
    out.push([m[1]!, unescapeLabel(m[2]!)]);
  }
  return out;
}

/** Families in the order they appear; lines that are not valid samples are skipped (counted in `skipped`). */
export function parseExposition(text: string): { families: Family[]; skipped: number } {
  const families = new Map<string, Family>();
  let skipped = 0;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'gauge', help: '', samples: [] }));
    return f;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]!);
      if (meta[1] === 'HELP') f.help = meta[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else f.type = meta[3] === 'counter' ? 'counter' : 'gauge';
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    const labels = m && parseLabels(m[2] ?? '');
    const value = m ? Number(m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3]) : NaN;
    if (!m || !labels || (Number.isNaN(value) && m[3] !== 'NaN')) {
      skipped++;
      continue;
    }
    family(m[1]!).samples.push({ labels, value });
  }
  return { families: [...families.values()], skipped };
}

/** Every sample gets the label first (a `host` label: which server it came from). */
export function withLabel(families: readonly Family[], name: string, value: string): Family[] {
  return families.map((f) => ({
    ...f,
    samples: f.samples.map((s) => ({ ...s, labels: [[name, value], ...s.labels.filter(([k]) => k !== name)] })),
  }));
}

/** One exposition from several: each family once (HELP and TYPE from its first appearance), samples in order. */
export function mergeFamilies(lists: readonly (readonly Family[])[]): Family[] {
  const merged = new Map<string, Family>();
  for (const list of lists)
    for (const f of list) {
      const seen = merged.get(f.name);
      if (seen) seen.samples.push(...f.samples);
      else merged.set(f.name, { ...f, samples: [...f.samples] });
    }
  return [...merged.values()];
}
