/** The saved image (a temporary copy of `docker save`, possibly gigabytes) goes when the run ends, however it ends. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildWebImage, removeImage } from '../helpers/images.js';

const REF = `gangway-test/sync-saved-${process.pid}:v1`;
before(() => buildWebImage(REF, { version: 'saved' }));
after(() => removeImage(REF));

/** A process that saves REF, prints the file, then waits; `how` ends it. */
async function saveThen(how: 'exit' | NodeJS.Signals): Promise<{ file: string; signal: string | null }> {
  const script = join(import.meta.dirname, '..', '..', 'src', 'delivery', 'saved-image.ts');
  const code =
    `const { savedImage } = await import(${JSON.stringify(script)});` +
    `const s = await savedImage(${JSON.stringify(REF)}); console.log(s.file);` +
    (how === 'exit' ? 'process.exit(0);' : 'setTimeout(() => {}, 60_000);');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const file = await new Promise<string>((resolve) =>
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    }),
  );
  assert.ok(file.endsWith('image.tar'));
  if (how !== 'exit') child.kill(how);
  const signal = await new Promise<string | null>((resolve) => child.on('close', (_code, s) => resolve(s)));
  return { file, signal };
}

for (const how of ['exit', 'SIGINT', 'SIGTERM'] as const) {
  test(`removed when the process ends by ${how}${how === 'exit' ? '' : ', which still ends it'}`, async () => {
    const { file, signal } = await saveThen(how);
    assert.equal(existsSync(file), false, `${file} is gone`);
    if (how !== 'exit') assert.equal(signal, how);
  });
}
