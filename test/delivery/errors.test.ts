/** The one-line error summaries of delivery failures: masked before they are cut to length. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deliverImage } from '../../src/delivery/index.js';
import { errorLine } from '../../src/delivery/errors.js';
import { MASK, Scrubber } from '../../src/redact/scrubber.js';
import { tempDir } from '../helpers/testenv.js';
import { FakeHost } from './fake-host.js';

const TOKEN = 'ghp_canaryTOKEN0123456789abcdefghijklmnop'; // 40 characters

/** A line whose 400-character cut falls inside the token, leaving 29 of its characters before it. */
const straddling = `${'x'.repeat(370)} ${TOKEN} tail`;

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(TOKEN);
  return s;
}

/** No 8-character run of the token is left (a cut prefix would be one the scrubber no longer matches). */
function assertNoPart(text: string): void {
  for (let i = 0; i + 8 <= TOKEN.length; i++) assert.ok(!text.includes(TOKEN.slice(i, i + 8)), `token part at ${i}`);
}

test('errorLine masks the whole line, then cuts it at 400 characters', () => {
  const line = errorLine({ stderr: `${straddling}\n`, stdout: '' }, { mask: scrubber().scrub });
  assert.ok(line);
  assertNoPart(line);
  assert.ok(line.includes(MASK));
  const long = errorLine({ stderr: `${'y'.repeat(1000)} ${TOKEN}`, stdout: '' }, { mask: scrubber().scrub });
  assert.equal(long, `${'y'.repeat(400)}…`);
});

test('a failed docker build: the error line is masked with the run scrubber before it is cut', async (t) => {
  const dir = tempDir('gangway-errline-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
  const host = new FakeHost((argv) => (argv[1] === 'build' ? { code: 1, stderr: `step 3/3\n${straddling}\n` } : {}));
  const failure = await deliverImage(host, {
    image: 'app:1',
    mode: 'build',
    context: dir,
    mask: scrubber().scrub,
  }).then(
    () => assert.fail('the build should fail'),
    (e: Error) => e,
  );
  assert.match(failure.message, /docker build of app:1 failed \(exit 1\): x+ \*\*\*/);
  assertNoPart(failure.message);
});
