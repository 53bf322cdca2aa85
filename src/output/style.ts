/** Terminal styling: colours only when wanted (a TTY, no NO_COLOR, no --no-color). */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Styler {
  readonly enabled: boolean;
  paint(style: Style, text: string): string;
}

export function colorWanted(stream: NodeJS.WriteStream, flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function makeStyler(enabled: boolean): Styler {
  return {
    enabled,
    // styleText itself checks only the style name; gangway decides whether to colour.
    paint: (style, text) => (enabled ? styleText(style, text) : text),
  };
}
