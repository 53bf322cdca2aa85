/** docs/errors.md, generated from the error table (`npm run docs`): every exit code and error code. */
import { ERROR_CODES, type ErrorCodeInfo } from './error-codes.js';
import { EXIT_CODES } from './cli/help-texts.js';
import { anchor, cell, prose } from './util/markdown.js';

export function errorsMarkdown(): string {
  const entries = Object.entries(ERROR_CODES) as [string, ErrorCodeInfo][];
  const areas = [...new Set(entries.map(([, info]) => info.area))];
  const lines = [
    '# Errors and exit codes',
    '',
    '<!-- Generated from src/error-codes.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'An error gangway prints ends with its code, e.g. `error: gangway.yml:3:1 targets: … [E_CONFIG]`; with',
    '`--json` it is `error.code` in the one JSON document on stdout (a command-line mistake, reported with a',
    'usage line, is `E_USAGE` there). Hints printed under the error say what to do in that case; this page says',
    'it for each code. Run any command with `-v` for more detail.',
    '',
    '## Exit codes',
    '',
    '| Exit code | Meaning |',
    '|---|---|',
    ...EXIT_CODES.map(([code, what]) => `| ${code} | ${cell(what)} |`),
    '',
    '`gangway exec` exits with the worst exit code of the command on the hosts. `gangway drift` exits 1 on drift,',
    '`gangway status` 1 on NO-GO, `gangway env diff --exit-code` 1 when the env files differ.',
    '',
    '## Error codes',
    '',
    ...areas.map((area) => `- [${area}](#${anchor(area)})`),
    '',
  ];
  for (const area of areas) {
    lines.push(`### ${area}`, '', '| Code | Exit | What it means | What to do |', '|---|---|---|---|');
    for (const [code, info] of entries.filter(([, i]) => i.area === area)) {
      const exit = info.exit === 'command' ? "the command's" : String(info.exit);
      lines.push(`| \`${code}\` | ${exit} | ${cell(prose(info.means))} | ${cell(prose(info.todo))} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
