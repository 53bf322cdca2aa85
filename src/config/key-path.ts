/** `['targets', 'prod', 'hosts', 0]` -> `targets.prod.hosts[0]` (the form every config error uses). */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
