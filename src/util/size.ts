/** Sizes in gangway.yml (`proxy.max_body`): a number of bytes with an optional unit, 1024-based. */
export const SIZE_PATTERN = /^(\d+)\s*(B|KB|MB|GB)?$/i;

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function parseSize(text: string): number {
  const m = SIZE_PATTERN.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a size such as 100MB (units B, KB, MB, GB)`);
  return Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!;
}
