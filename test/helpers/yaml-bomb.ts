/** A "billion laughs" YAML document: nine levels of anchors, each repeating the one before nine times. */
export function billionLaughs(keyPrefix = 'x-'): string {
  const lines = [`${keyPrefix}l0: &l0 [${Array(9).fill('"lol"').join(', ')}]`];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `${keyPrefix}l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}
