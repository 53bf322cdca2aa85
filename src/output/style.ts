/** Terminal styling: colours only when wanted (a TTY, no NO_COLOR, no --no-color). */
import { inspect } from 'node:util';

export type Style = 'green' | 'yellow' | 'red' | 'gray' | 'cyan' | 'bold';

export interface Styler {
  readonly enabled: boolean;
  paint(style: Style, text: string): string;
}

export function colorWanted(
  stream: NodeJS.WriteStream,
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function makeStyler(enabled: boolean): Styler {
  return {
    enabled,
    // Node's own ANSI table; util.styleText would second-guess the decision made above by looking at the stream.
    paint: (style, text) => {
      const codes = inspect.colors[style];
      return enabled && codes ? `\x1b[${codes[0]}m${text}\x1b[${codes[1]}m` : text;
    },
  };
}
