/**
 * `--host H` (repeatable): a command on some hosts of a target only. H is a host as gangway.yml writes it
 * (`deploy@10.0.0.5:2222`), or just its host name or address when that names one host of the target.
 */
import { UsageError } from '../errors.js';
import type { Target } from './config.js';
import { didYouMean } from './did-you-mean.js';
import type { HostSpec } from './hosts.js';

export function narrowTarget(target: Target, wanted: readonly string[]): Target {
  if (wanted.length === 0) return target;
  const hosts: HostSpec[] = [];
  for (const name of wanted) {
    const byLabel = target.hosts.filter((h) => h.label === name);
    const byName = target.hosts.filter((h) => h.kind === 'ssh' && h.host === name);
    const found = byLabel.length ? byLabel : byName;
    const labels = target.hosts.map((h) => h.label);
    if (found.length === 0) {
      const suggestion = didYouMean(name, labels);
      throw new UsageError(
        `--host ${name}: not a host of target ${target.name}` +
          `${suggestion ? `; did you mean "${suggestion}"?` : ''} (hosts: ${labels.join(', ')})`,
      );
    }
    if (found.length > 1)
      throw new UsageError(
        `--host ${name}: names ${found.length} hosts of target ${target.name}; ` +
          `use one as written in gangway.yml (${found.map((h) => h.label).join(', ')})`,
      );
    if (!hosts.includes(found[0]!)) hosts.push(found[0]!);
  }
  return { ...target, hosts };
}
