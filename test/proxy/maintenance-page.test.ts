import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, maintenancePage, messageProblem } from '../../src/proxy/maintenance-page.js';

test('the message is escaped: quotes, <script>, ampersands and backslashes reach the page as text', () => {
  const hostile = `Back at 5 "o'clock" <script>alert(1)</script> & \\n \\"x\\" \`y\``;
  const page = maintenancePage(hostile);
  assert.doesNotMatch(page, /<script/i);
  assert.ok(page.includes(escapeHtml(hostile)));
  assert.ok(page.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(page.includes('&#34;o&#39;clock&#34;'));
  assert.ok(page.includes('&#38; \\n \\&#34;x\\&#34; &#96;y&#96;'), 'backslashes stay as they are');
  // Only the page's own markup is left: no tag, attribute or entity from the message.
  const body = /<body>([\s\S]*)<\/body>/.exec(page)![1]!;
  assert.deepEqual(body.match(/<[^>]+>/g), ['<h1>', '</h1>', '<p>', '</p>']);
});

test('no message: a default text; blank lines make paragraphs, a line break <br>', () => {
  assert.match(maintenancePage(undefined), /<p>This site is down for maintenance\./);
  assert.match(maintenancePage('one\ntwo\n\nthree'), /<p>one<br>two<\/p>\n<p>three<\/p>/);
});

test('a message that cannot be shown is refused with the reason', () => {
  assert.equal(messageProblem('Back soon'), undefined);
  assert.equal(messageProblem('  '), 'must not be empty');
  assert.equal(messageProblem('a\u0000b'), 'must not contain control characters');
  assert.match(messageProblem('x'.repeat(2001))!, /at most 2000/);
});
