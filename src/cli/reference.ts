/**
 * docs/commands.md, generated from the commander program (`npm run docs`): every command with its usage,
 * arguments, options and the examples its `--help` shows (help-texts.ts), so the page cannot drift from the CLI.
 */
import type { Command } from 'commander';
import { allCommands, commandPath } from './help-setup.js';
import { COMMAND_HELP, ENVIRONMENT, EXIT_CODES } from './help-texts.js';
import { createProgram } from './program.js';
import { anchor, cell, prose } from '../util/markdown.js';

/** The program as users get it; its actions never run here, so they get no reporter. */
export function definedProgram(): Command {
  return createProgram(undefined as never, undefined as never);
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const title = (cmd: Command) => `gangway ${commandPath(cmd)}`.trim();

function examplesBlock(path: string): string[] {
  const help = COMMAND_HELP[path];
  if (!help) return [];
  const lines = ['**Examples**', '', '```sh', ...help.examples.flatMap((e) => [`# ${e.what}`, e.run]), '```', ''];
  if (help.notes) lines.push(prose(help.notes), '');
  return lines;
}

function optionsTable(cmd: Command, options = cmd.createHelp().visibleOptions(cmd)): string[] {
  const help = cmd.createHelp();
  if (options.length === 0) return [];
  return [
    '| Option | What it does |',
    '|---|---|',
    ...options.map((o) => `| ${cell(`\`${help.optionTerm(o)}\``)} | ${cell(prose(help.optionDescription(o)))} |`),
    '',
  ];
}

function commandSection(cmd: Command): string[] {
  const help = cmd.createHelp();
  const lines = [
    `## \`${title(cmd)}\``,
    '',
    `${sentence(prose(cmd.description()))}.`,
    '',
    '```',
    help.commandUsage(cmd),
    '```',
    '',
  ];
  const args = help.visibleArguments(cmd);
  if (args.length)
    lines.push(
      '| Argument | What it is |',
      '|---|---|',
      ...args.map((a) => `| \`${help.argumentTerm(a)}\` | ${cell(prose(help.argumentDescription(a)))} |`),
      '',
    );
  lines.push(
    ...optionsTable(
      cmd,
      help.visibleOptions(cmd).filter((o) => o.long !== '--help'),
    ),
  );
  const subs = help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
  if (subs.length)
    lines.push('Subcommands: ' + subs.map((c) => `[\`${title(c)}\`](#${anchor(title(c))})`).join(', ') + '.', '');
  lines.push(...examplesBlock(commandPath(cmd)));
  return lines;
}

export function commandsMarkdown(program: Command = definedProgram()): string {
  const commands = allCommands(program).slice(1);
  const rootHelp = program.createHelp();
  const lines = [
    '# Command reference',
    '',
    '<!-- Generated from the CLI definition (src/cli/program.ts, src/cli/help-texts.ts) by `npm run docs`. -->',
    '',
    `${prose(program.description())} Every command also prints its own \`--help\`, with the examples below.`,
    'The command is `gangway`, from the npm package `gangway-deploy` (`npm install --save-dev gangway-deploy`,',
    'then `npx gangway …`). Error codes and what to do about them: [errors.md](errors.md); every key of',
    'gangway.yml: [configuration.md](configuration.md).',
    '',
    '## Contents',
    '',
    '- [Global options](#global-options)',
    ...commands.map((c) => `- [\`${title(c)}\`](#${anchor(title(c))}): ${prose(c.description())}`),
    '- [Exit codes and environment](#exit-codes-and-environment)',
    '',
    '## Global options',
    '',
    'They go before or after the command: `gangway --json status prod` and `gangway status prod --json` are the same.',
    '',
    ...optionsTable(
      program,
      rootHelp.visibleOptions(program).filter((o) => o.long !== '--help'),
    ),
    ...examplesBlock(''),
  ];
  for (const cmd of commands) lines.push(...commandSection(cmd));
  lines.push(
    '## Exit codes and environment',
    '',
    '| Exit code | Meaning |',
    '|---|---|',
    ...EXIT_CODES.map(([code, what]) => `| ${code} | ${cell(what)} |`),
    '',
    '| Variable | What it does |',
    '|---|---|',
    ...ENVIRONMENT.map(([name, what]) => `| \`${name}\` | ${cell(prose(what))} |`),
    '',
  );
  return `${lines.join('\n').trimEnd()}\n`;
}
