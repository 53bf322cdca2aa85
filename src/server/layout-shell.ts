/**
 * layout.sh: remoteLayout() for the server scripts, generated from it so that layout.ts stays the one definition
 * of the server's files. scripts/generate-layout-sh.ts writes src/server/sh/layout.sh (shellcheck reads it, and a
 * test fails while it differs from this); the build writes dist's copy from this as well.
 */
import { posix } from 'node:path';
import { remoteLayout, type RemoteLayout } from './layout.js';

const DIR = '/DIR';
const ARG = 'ARG';

interface Entry {
  key: string;
  variable: string;
  /** The path relative to the state directory (`.gangway`), or to `<dir>` when outside it. */
  path: string;
  underState: boolean;
  /** For a path made from an argument (`release(id)`): what the shell appends to the directory variable. */
  usage?: string;
}

/** `releasesLog` → `RELEASES_LOG`. */
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Every path of the layout, as the shell names it: `G` the state directory, `G_<KEY>` the rest. */
export function layoutEntries(): Entry[] {
  const layout = remoteLayout(DIR);
  const state = posix.relative(DIR, layout.state);
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(layout) as [keyof RemoteLayout, unknown][]) {
    if (key === 'dir') continue;
    let full: string;
    let variable = key === 'state' ? 'G' : `G_${snake(key)}`;
    let usage: string | undefined;
    if (typeof value === 'function') {
      // A directory of one entry per argument: the shell gets the directory (`G_RELEASES` for `release`).
      const made = (value as (arg: string) => string)(ARG);
      full = posix.dirname(made);
      variable += 'S';
      usage = `"$${variable}/${posix.basename(made)}"`;
    } else full = String(value);
    if (!/^[A-Za-z0-9._/-]+$/.test(full)) throw new Error(`layout.${key}: ${full} is not a plain path`);
    const underState = full === layout.state || full.startsWith(`${layout.state}/`);
    const path = underState ? posix.relative(layout.state, full) : posix.relative(DIR, full);
    if (key !== 'state' && (path === '' || path.startsWith('..'))) throw new Error(`layout.${key} is not under <dir>`);
    entries.push({
      key,
      variable,
      path: key === 'state' ? state : path,
      underState: key !== 'state' && underState,
      usage,
    });
  }
  return entries;
}

export function layoutShell(): string {
  const entries = layoutEntries();
  const line = (base: string, e: Entry) => {
    const value = e.key === 'state' || e.path === '' ? base : `${base}/${e.path}`;
    return `  ${e.variable}="${value}" # ${e.key}${e.usage ? `(${ARG}): ${e.usage}` : ''}`;
  };
  const state = entries.find((e) => e.key === 'state')!;
  return [
    '# shellcheck shell=sh',
    '# Generated from src/server/layout.ts by `npx tsx scripts/generate-layout-sh.ts`: edit layout.ts, then run it',
    '# (a test fails while the two differ). The files gangway keeps on each server: `layout DIR` sets one variable',
    '# a file; `layout_state STATE` those under STATE (<dir>/.gangway), for a script given that directory. Sourced',
    '# from beside apply.sh and backup.sh; a script run as `sh -c` gets this text where it reads `. ./layout.sh`.',
    '# shellcheck disable=SC2034 # each script uses the names it needs',
    'layout() { # DIR',
    ...entries.filter((e) => !e.underState && e.key !== 'state').map((e) => line('$1', e)),
    `  layout_state "$1/${state.path}"`,
    '}',
    'layout_state() { # STATE',
    line('$1', state),
    ...entries.filter((e) => e.underState).map((e) => line('$1', e)),
    '}',
    '',
  ].join('\n');
}
