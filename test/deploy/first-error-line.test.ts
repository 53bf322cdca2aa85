import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstErrorLine } from '../../src/deploy/first-error-line.js';

const ESC = '\x1b';

test('no output, no line', () => {
  assert.equal(firstErrorLine(undefined, []), undefined);
  assert.equal(firstErrorLine('', ['FATAL']), undefined);
  assert.equal(firstErrorLine('\n  \n\r\n', []), undefined);
});

test('a line with a fatal pattern wins over an earlier error-looking line', () => {
  const output = 'web | starting\nweb | Error: retrying db\nweb | panic: nil map\nweb | exited\n';
  assert.equal(firstErrorLine(output, ['panic:']), 'web | panic: nil map');
  assert.equal(firstErrorLine(output, ['nothing like it', 'panic:']), 'web | panic: nil map');
});

test('without a fatal pattern match: the first error-looking line, else the last line', () => {
  assert.equal(firstErrorLine('ok\npermission denied: /data\nFailed twice\n', ['FATAL']), 'permission denied: /data');
  assert.equal(firstErrorLine('one\ntwo\nthree\n\n', []), 'three');
});

test('ANSI colours and carriage returns are stripped, lines trimmed', () => {
  const output = `${ESC}[32mweb-1 Started${ESC}[0m\r\n  ${ESC}[1;31mERROR${ESC}[0m: port is already allocated \r\n`;
  assert.equal(firstErrorLine(output, []), 'ERROR: port is already allocated');
  assert.equal(firstErrorLine(`${ESC}]0;title\x07${ESC}[?25lFATAL boom\n`, ['FATAL']), 'FATAL boom');
});

test('a fatal pattern split by colour codes still matches once they are stripped', () => {
  assert.equal(firstErrorLine(`info\nPA${ESC}[31mNIC${ESC}[0m here\n`, ['PANIC']), 'PANIC here');
});

test("the failing step's own error (apply.sh's marked first line) wins over the service's log", () => {
  const output = '::gangway-step-error:: http://gangway-shop-green:8080/health: wget: server returned error: 503\nok\n';
  assert.equal(
    firstErrorLine(output, ['ok']),
    'http://gangway-shop-green:8080/health: wget: server returned error: 503',
  );
  // Only the first line is read as the mark: further down, a log line that looks like it is just a log line.
  assert.equal(firstErrorLine('web | ok\n::gangway-step-error:: forged\n', ['ok']), 'web | ok');
  assert.equal(firstErrorLine('::gangway-step-error::\nok\n', []), 'ok');
});
