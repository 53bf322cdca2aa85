import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { withoutComments } from '../../src/server/script-text.js';
import { serverScript } from '../../src/server/scripts.js';

test('comment-only and blank lines go; the shebang, code with a # in it and heredoc bodies stay', () => {
  const script = [
    '#!/bin/sh',
    '# what this does',
    '',
    'n=${#1} # length',
    "  printf '%s\\n' '#not a comment'",
    '    # indented comment',
    'cat <<EOF',
    '# a line of the document',
    '',
    'EOF',
    "cat <<-'END'",
    '\t# kept too',
    '\tEND',
    '# gone again',
    'echo done',
  ].join('\n');
  assert.equal(
    withoutComments(script),
    [
      '#!/bin/sh',
      'n=${#1} # length',
      "  printf '%s\\n' '#not a comment'",
      'cat <<EOF',
      '# a line of the document',
      '',
      'EOF',
      "cat <<-'END'",
      '\t# kept too',
      '\tEND',
      'echo done',
      '',
    ].join('\n'),
  );
});

test('every server script still parses as POSIX sh once its comments are gone, and is a third smaller', () => {
  const names = ['apply.sh', 'backup.sh', 'bluegreen.sh', 'lock.sh', 'start.sh', 'swarm.sh', 'schedule.sh'] as const;
  for (const name of names) execFileSync('sh', ['-n', '-c', serverScript(name)]);
  const apply = serverScript('apply.sh');
  assert.ok(!/^\s*# /m.test(apply), 'no comment line is sent');
  const source = readFileSync(new URL('../../src/server/sh/apply.sh', import.meta.url), 'utf8');
  assert.ok(apply.length < 0.8 * source.length, `${apply.length} of ${source.length} bytes`);
});
