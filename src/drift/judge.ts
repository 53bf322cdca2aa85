/** What counts as drift, from drift.sh's facts and the env key diff: a list of findings, names only (pure). */
import type { EnvDiff } from '../env/diff.js';
import type { DriftFacts } from './facts.js';

export type DriftKind = 'release' | 'file' | 'env' | 'mode' | 'dir' | 'container' | 'compose';

export interface DriftFinding {
  kind: DriftKind;
  /** What drifted: a file, a key list, a directory, a container or service name. */
  name: string;
  detail: string;
}

export function judgeDrift(facts: DriftFacts, envDiff?: EnvDiff): DriftFinding[] {
  if (!facts.current) return [{ kind: 'release', name: '-', detail: 'nothing is deployed here (no release in place)' }];
  const release = `release ${facts.current.id} (${facts.current.tag})`;
  const out: DriftFinding[] = [];
  for (const f of facts.files)
    if (f.state !== 'same') out.push({ kind: 'file', name: f.name, detail: `${f.state} since ${release}` });
  if (facts.env === 'missing') out.push({ kind: 'env', name: '.env', detail: `missing (${release} has one)` });
  if (facts.env === 'unexpected') out.push({ kind: 'env', name: '.env', detail: `present, but ${release} has none` });
  if (facts.env === 'changed') out.push({ kind: 'env', name: '.env', detail: describeEnvDiff(envDiff, release) });
  for (const m of facts.modes)
    out.push({ kind: 'mode', name: m.path, detail: `mode ${m.mode}, should be 600 (it holds secrets)` });
  for (const d of facts.missingDirs) out.push({ kind: 'dir', name: d, detail: 'directory missing' });
  out.push(...containerFindings(facts, release));
  return out;
}

function describeEnvDiff(diff: EnvDiff | undefined, release: string): string {
  if (!diff) return `differs from ${release}`;
  const parts = [
    diff.changed.length && `changed: ${diff.changed.join(', ')}`,
    diff.added.length && `added: ${diff.added.join(', ')}`,
    diff.removed.length && `removed: ${diff.removed.join(', ')}`,
  ].filter((p): p is string => typeof p === 'string');
  // Same keys and values: only comments, order or quoting changed.
  const what = parts.length ? parts.join('; ') : 'same keys and values, edited (comments, order or quoting)';
  return `${what} vs ${release}`;
}

function containerFindings(facts: DriftFacts, release: string): DriftFinding[] {
  const out: DriftFinding[] = [];
  if (facts.expectError !== undefined) {
    out.push({
      kind: 'compose',
      name: 'config',
      detail: `Compose could not read ${release}'s configuration: ${facts.expectError}`,
    });
    return out;
  }
  const seen = new Set<string>();
  for (const c of facts.containers) {
    if (!c.service) {
      out.push({ kind: 'container', name: c.name, detail: `not started by Compose (image ${c.image}, ${c.status})` });
      continue;
    }
    if (c.oneoff === 'True') {
      out.push({ kind: 'container', name: c.name, detail: `a one-off \`compose run\` container of ${c.service}` });
      continue;
    }
    const want = facts.expected.get(c.service);
    if (want === undefined) {
      out.push({ kind: 'container', name: c.name, detail: `service ${c.service} is not in ${release}` });
      continue;
    }
    seen.add(c.service);
    if (c.hash !== want)
      out.push({
        kind: 'container',
        name: c.name,
        detail: `${c.service}'s configuration differs from ${release} (image ${c.image}): changed outside gangway`,
      });
  }
  for (const service of facts.expected.keys())
    if (!seen.has(service))
      out.push({ kind: 'container', name: service, detail: `no container for service ${service} of ${release}` });
  return out;
}
