import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorWanted } from '../../src/output/style.js';
import { goQuoted } from '../../src/redact/forms.js';
import { Scrubber } from '../../src/redact/scrubber.js';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { capturedReporter } from '../helpers/reporter.js';

test('colours: off for NO_COLOR, --no-color, TERM=dumb and non-TTY; FORCE_COLOR forces them on', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  assert.equal(colorWanted(tty, undefined, {}), true);
  assert.equal(colorWanted(tty, undefined, { NO_COLOR: '1' }), false);
  assert.equal(colorWanted(tty, false, {}), false);
  assert.equal(colorWanted(tty, undefined, { TERM: 'dumb' }), false);
  assert.equal(colorWanted(pipe, undefined, {}), false);
  assert.equal(colorWanted(pipe, undefined, { FORCE_COLOR: '1' }), true);
});

test('plain mode (CI): [ok]/[warn]/[fail] words and no escape codes', () => {
  const { reporter, text } = capturedReporter({});
  reporter.item('ok', 'Docker', 'Engine 28');
  reporter.item('warn', 'Compose', 'v1');
  reporter.item('fail', 'SSH', 'refused', 1500);
  const { stdout } = text();
  assert.equal(stdout, '  [ok] Docker — Engine 28\n  [warn] Compose — v1\n  [fail] SSH — refused (1.5s)\n');
  assert.doesNotMatch(stdout, /\x1b\[/);
});

test('terminal mode: symbols with colour', () => {
  const { reporter, text } = capturedReporter({ color: true });
  reporter.item('ok', 'Docker');
  assert.match(text().stdout, /\x1b\[32m✓\x1b\[39m Docker/);
});

test('--json: human lines go to stderr and stdout holds only the document', () => {
  const { reporter, text } = capturedReporter({ json: true });
  reporter.heading('checking');
  reporter.item('ok', 'Docker');
  reporter.result({ ok: true });
  const { stdout, stderr } = text();
  assert.deepEqual(JSON.parse(stdout), { ok: true });
  assert.match(stderr, /checking\n {2}\[ok\] Docker/);
});

test('every line passes through the scrubber, the JSON document too', () => {
  const { reporter, text } = capturedReporter({ json: true, scrub: (t) => t.replaceAll('hunter2', '***') });
  reporter.info('password hunter2');
  reporter.error('failed with hunter2', ['hint hunter2']);
  reporter.result({ value: 'hunter2' });
  const all = Object.values(text()).join('');
  assert.ok(!all.includes('hunter2'));
  assert.equal((all.match(/\*\*\*/g) ?? []).length, 4);
});

test('--json: each string is scrubbed before serialising, so a value JSON escapes is still masked', () => {
  const secret = 'hunt"er\\2\tx';
  const { reporter, text } = capturedReporter({ json: true, scrub: (t) => t.replaceAll(secret, '***') });
  reporter.result({ ok: false, error: { message: `compose: ${secret} is not a port`, hints: [secret] }, [secret]: 1 });
  const { stdout } = text();
  assert.deepEqual(JSON.parse(stdout), {
    ok: false,
    error: { message: 'compose: *** is not a port', hints: ['***'] },
    '***': 1,
  });
});

test('--json with the real scrubber: no canary in any form, JSON-escaped and Go-quoted included', () => {
  const scrubber = new Scrubber();
  for (const value of Object.values(CANARIES)) scrubber.add(value);
  const { reporter, text } = capturedReporter({ json: true, scrub: scrubber.scrub });
  const goQuotedInMessage = `parsing "${goQuoted(CANARIES.DB_PASSWORD)}": invalid syntax`;
  reporter.item('fail', 'compose config', goQuotedInMessage);
  reporter.result({ values: Object.values(CANARIES), message: goQuotedInMessage });
  assert.deepEqual(findLeaks(text()), []);
});

test('transfer progress: a line per 10% when not interactive', () => {
  const { reporter, text } = capturedReporter({});
  const progress = reporter.transfer('image');
  for (let bytes = 0; bytes <= 1000; bytes += 50) progress({ bytes, total: 1000 });
  const lines = text().stderr.trim().split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines.at(-1)!, /image: 1000 B \/ 1000 B [\d.]+ \S+\/s/);
});

test('transfer progress: what is being sent (the layers of a sync) and the compressed bytes sent', () => {
  const { reporter, text } = capturedReporter({});
  const progress = reporter.transfer('deliver app:2');
  progress({ bytes: 2048, sent: 1024, note: '1 of 3 layers' });
  assert.match(text().stderr, /deliver app:2: 1 of 3 layers: 2\.0 KiB [\d.]+ \S+\/s, 1\.0 KiB sent\n/);
});

test('transfer progress: no line before the first compressed bytes are sent (it would say "0 B sent")', () => {
  const { reporter, text } = capturedReporter({});
  const progress = reporter.transfer('deliver app:2');
  progress({ bytes: 32_768, sent: 0 });
  assert.equal(text().stderr, '');
  progress({ bytes: 65_536, sent: 20_000 });
  assert.match(text().stderr, /^ {2}deliver app:2: 64\.0 KiB [\d.]+ \S+\/s, 19\.5 KiB sent\n$/);
});

test('an error names its code, the key to docs/errors.md', () => {
  const { reporter, text } = capturedReporter({});
  reporter.error('gangway.yml: file not found', ['create one with gangway init'], 'E_CONFIG');
  assert.equal(text().stderr, 'error: gangway.yml: file not found [E_CONFIG]\n  create one with gangway init\n');
});

test('addToResult: the key joins the --json document, its value taken when the document is written', () => {
  const { reporter, text } = capturedReporter({ json: true });
  let n = 1;
  reporter.addToResult('counts', () => ({ execs: n }));
  n = 2;
  reporter.result({ ok: true });
  assert.deepEqual(JSON.parse(text().stdout), { ok: true, counts: { execs: 2 } });
});
