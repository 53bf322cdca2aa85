/** Workflow-command escaping and the job-summary table (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCommand, maskCommand, summaryMarkdown, underGithubActions } from '../../src/output/github-actions.js';
import { Scrubber } from '../../src/redact/scrubber.js';

test('data is escaped as the runner unescapes it; properties also escape : and ,', () => {
  assert.equal(maskCommand('a%b\r\nc'), '::add-mask::a%25b%0D%0Ac');
  assert.equal(
    errorCommand('line 1\nline 2', 'gangway E_X: a,b'),
    '::error title=gangway E_X%3A a%2Cb::line 1%0Aline 2',
  );
  assert.equal(errorCommand('plain'), '::error::plain');
});

test('only GITHUB_ACTIONS=true counts', () => {
  assert.equal(underGithubActions({ GITHUB_ACTIONS: 'true' }), true);
  assert.equal(underGithubActions({ GITHUB_ACTIONS: '1' }), false);
  assert.equal(underGithubActions({}), false);
});

test('the summary table scrubs cells and escapes pipes', () => {
  const scrubber = new Scrubber();
  scrubber.add('hunter2-secret');
  const md = summaryMarkdown(
    'gangway deploy prod',
    [{ host: 'a|b', from: 'v1', to: 'hunter2-secret', result: 'ok', durationMs: 1500 }],
    scrubber.scrub,
  );
  assert.equal(
    md,
    '### gangway deploy prod\n\n| host | from | to | result | duration |\n| --- | --- | --- | --- | --- |\n' +
      '| a\\|b | v1 | *** | ok | 1.5 s |\n',
  );
});

test('the scrubber announces each new single-line form once, before it masks with it', () => {
  const scrubber = new Scrubber();
  const seen: string[] = [];
  scrubber.onNewSecret = (form) => seen.push(form);
  scrubber.add('first-line-secret\nsecond-line-secret');
  scrubber.add('first-line-secret');
  assert.ok(seen.includes('first-line-secret') && seen.includes('second-line-secret'));
  assert.ok(seen.includes(Buffer.from('first-line-secret').toString('base64')));
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(seen.every((f) => !f.includes('\n')));
});
