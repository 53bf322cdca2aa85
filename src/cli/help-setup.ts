/** The parts of `--help` and of usage errors that every command shares; docs/commands.md reads the same. */
import type { Command, Help, Option } from 'commander';
import { ENVIRONMENT, EXIT_CODES, helpAfter } from './help-texts.js';

/** `deploy`, `lock release`, `ci github`: the command as typed after `gangway` ('' for gangway itself). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** Every command below `cmd` (itself included), depth first; commander's implicit `help` command is not one. */
export function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.filter((c) => c.name() !== 'help').flatMap(allCommands)];
}

/**
 * "Global options" are gangway's own (-c, --json, …), not the options of a parent command: `backup schedule`
 * does not take `backup`'s --download.
 */
export function rootOptions(this: void, cmd: Command): Option[] {
  return cmd.parent ? rootOf(cmd).options.filter((o) => !(o as Option & { hidden?: boolean }).hidden) : [];
}

export const HELP_CONFIGURATION: Partial<Help> = { showGlobalOptions: true, visibleGlobalOptions: rootOptions };

export function exitCodesText(): string {
  const width = Math.max(...ENVIRONMENT.map(([name]) => name.length)) + 3;
  return [
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, what]) => `  ${code}  ${what}`),
    '',
    'Environment:',
    ...ENVIRONMENT.map(([name, what]) => `  ${name.padEnd(width)}${what}`),
  ].join('\n');
}

/**
 * Run once the program is complete: each command's examples (and notes) after its help, and a usage error
 * (unknown option, bad value, missing argument) followed by one usage line instead of the whole help.
 */
export function finishHelp(program: Command): void {
  for (const cmd of allCommands(program)) {
    const path = commandPath(cmd);
    const after = helpAfter(path);
    if (after) cmd.addHelpText('after', after);
    const name = path ? `gangway ${path}` : 'gangway';
    cmd.showHelpAfterError(`Usage: ${name} ${cmd.usage()}  (${name} --help for options and examples)`);
  }
  program.addHelpText('after', exitCodesText());
}
