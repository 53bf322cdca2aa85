import { isPair, isScalar, isSeq } from 'yaml';

/** `['targets', 'prod', 'hosts', 0]` -> `targets.prod.hosts[0]` (the form every config error uses). */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Key path of a YAML node from the ancestors `visit` passes: pairs give their keys, sequences indexes. */
export function keyPathTo(ancestors: readonly unknown[], node: unknown): PropertyKey[] {
  const out: PropertyKey[] = [];
  ancestors.forEach((a, i) => {
    const child = ancestors[i + 1] ?? node;
    if (isPair(a) && isScalar(a.key)) out.push(String(a.key.value));
    else if (isSeq(a)) {
      const index = a.items.indexOf(child as never);
      if (index >= 0) out.push(index);
    }
  });
  return out;
}
