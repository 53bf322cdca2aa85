/** Which files a build context sends (git + .dockerignore), and the tar that carries them. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import { gunzipSync } from 'node:zlib';
import { collectContext, packContext, whyNotSent } from '../../src/delivery/build-context.js';
import { deliverImage } from '../../src/delivery/index.js';
import { tempDir } from '../helpers/testenv.js';
import { FakeHost } from './fake-host.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
    { cwd, stdio: 'pipe' },
  );
}

/** A repository with a context in `app/`: tracked, untracked, ignored and dockerignored files. */
function repo(dockerignore?: string): { root: string; context: string } {
  const root = tempDir('gangway-ctx-');
  dirs.push(root);
  write(root, {
    '.gitignore': 'secret.env\n*.bin\nnode_modules/\n',
    'outside.txt': 'not in the context',
    'app/Dockerfile': 'FROM scratch\nCOPY . /ctx\n',
    'app/src/main.txt': 'tracked',
    'app/src/deleted.txt': 'tracked, then deleted in the work tree',
    'app/notes.md': 'tracked, dockerignored',
  });
  if (dockerignore !== undefined) write(root, { 'app/.dockerignore': dockerignore });
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'init');
  rmSync(join(root, 'app/src/deleted.txt'));
  write(root, {
    'app/src/new.txt': 'untracked, not ignored',
    'app/secret.env': 'TOKEN=gitignored',
    'app/tool.bin': 'gitignored binary',
    'app/node_modules/x/index.js': 'gitignored dir',
  });
  return { root, context: join(root, 'app') };
}

const files = (ctx: Awaited<ReturnType<typeof collectContext>>) =>
  ctx.entries.filter((e) => e.type !== 'directory').map((e) => e.path);

test(
  'in a git work tree: tracked + untracked-not-ignored, minus .gitignore and .dockerignore; deleted ' + 'files skipped',
  async () => {
    const { context } = repo('notes.md\n# a comment\n');
    const ctx = await collectContext(context);
    assert.equal(ctx.selection, 'git');
    assert.deepEqual(files(ctx), ['.dockerignore', 'Dockerfile', 'src/main.txt', 'src/new.txt']);
    assert.deepEqual(
      ctx.entries.filter((e) => e.type === 'directory').map((e) => e.path),
      ['src'],
    );
    assert.equal(ctx.dockerfile, 'Dockerfile');
    assert.equal(
      ctx.bytes,
      ctx.entries.reduce((n, e) => n + e.size, 0),
    );
  },
);

test('a .gitignored file is sent when .dockerignore re-includes it with !path', async () => {
  const { context } = repo('notes.md\n!tool.bin\n');
  assert.deepEqual(files(await collectContext(context)), [
    '.dockerignore',
    'Dockerfile',
    'src/main.txt',
    'src/new.txt',
    'tool.bin',
  ]);
});

test(
  'the Dockerfile and .dockerignore are sent even when .dockerignore excludes them; a Dockerfile in a ' +
    'subdirectory',
  async () => {
    const { context } = repo('Dockerfile\n.dockerignore\nbuild/\n');
    write(context, { 'build/Dockerfile.prod': 'FROM scratch\n' });
    const ctx = await collectContext(context, 'build/Dockerfile.prod');
    assert.equal(ctx.dockerfile, 'build/Dockerfile.prod');
    assert.ok(files(ctx).includes('build/Dockerfile.prod'));
    assert.ok(files(ctx).includes('.dockerignore'));
    assert.ok(!files(ctx).includes('Dockerfile'));
  },
);

test('outside git, or in a directory git ignores as a whole: every file, minus .dockerignore', async () => {
  const plain = tempDir('gangway-ctx-plain-');
  dirs.push(plain);
  write(plain, {
    Dockerfile: 'FROM scratch\n',
    'a.txt': 'a',
    'logs/x.log': 'x',
    'deep/er/b.txt': 'b',
    '.dockerignore': 'logs\n',
  });
  const ctx = await collectContext(plain);
  assert.equal(ctx.selection, 'files');
  assert.deepEqual(files(ctx), ['.dockerignore', 'Dockerfile', 'a.txt', 'deep/er/b.txt']);

  const { root } = repo();
  write(root, {
    '.gitignore': 'secret.env\n*.bin\nnode_modules/\ngenerated/\n',
    'generated/Dockerfile': 'FROM scratch\n',
    'generated/app.bin': 'x',
  });
  const generated = await collectContext(join(root, 'generated'));
  assert.equal(generated.selection, 'files');
  assert.deepEqual(files(generated), ['Dockerfile', 'app.bin']);
});

test(
  'outside git: the env file and .env.bak-* backups are never sent, whatever .dockerignore ' + 're-includes',
  async () => {
    const plain = tempDir('gangway-ctx-env-');
    dirs.push(plain);
    write(plain, {
      Dockerfile: 'FROM scratch\n',
      'app.txt': 'a',
      'config/prod.env': 'TOKEN=canary',
      '.env': 'TOKEN=canary',
      '.env.bak-20250101-000000': 'TOKEN=canary',
      'deploy/.env.bak-20250102-000000': 'TOKEN=canary',
      '.gangway/local/.env': 'TOKEN=canary',
      '.dockerignore': '!config/prod.env\n!.env*\n',
    });
    const exclude = [join(plain, 'config/prod.env'), join(plain, '.gangway/local/.env')];
    const ctx = await collectContext(plain, 'Dockerfile', exclude);
    assert.equal(ctx.selection, 'files');
    assert.deepEqual(files(ctx), ['.dockerignore', '.env', 'Dockerfile', 'app.txt']);
    assert.ok(!files(await collectContext(plain, 'Dockerfile', [join(plain, '.env')])).includes('.env'));
  },
);

test('in git: the env file is not sent when untracked and not ignored, nor when tracked', async () => {
  const { root, context } = repo();
  write(context, { '.env': 'TOKEN=canary', 'secrets.env': 'TOKEN=canary', '.env.bak-20250101-000000': 'TOKEN=canary' });
  git(root, 'add', 'app/secrets.env');
  const ctx = await collectContext(context, 'Dockerfile', [join(context, '.env'), join(context, 'secrets.env')]);
  assert.equal(ctx.selection, 'git');
  assert.deepEqual(files(ctx), ['Dockerfile', 'notes.md', 'src/main.txt', 'src/new.txt']);
});

test('the env file is recognised when its configured path goes through a symlink', async () => {
  const { root, context } = repo();
  write(context, { '.env': 'TOKEN=canary' });
  symlinkSync(context, join(root, 'app-link'));
  assert.ok(!files(await collectContext(context, 'Dockerfile', [join(root, 'app-link', '.env')])).includes('.env'));
});

test('build delivery sends no env file in the tar it streams to docker build', async () => {
  const plain = tempDir('gangway-ctx-deliver-');
  dirs.push(plain);
  write(plain, { Dockerfile: 'FROM scratch\n', 'app.txt': 'a', '.env': 'TOKEN=canary', '.env.bak-1': 'TOKEN=canary' });
  const host = new FakeHost((argv) => (argv[1] === 'image' ? { stdout: `sha256:${'ab'.repeat(32)}\n` } : {}));
  await deliverImage(host, { image: 'app:1', mode: 'build', context: plain, exclude: [join(plain, '.env')] });
  const sent = gunzipSync(Buffer.from(host.calls[0]!.stdin!, 'latin1'));
  assert.deepEqual(await tarNames(sent), ['Dockerfile', 'app.txt']);
});

async function tarNames(archive: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    names.push(header.name);
    body.on('end', next);
    body.resume();
  });
  const done = new Promise<void>((resolve, reject) => extract.on('finish', () => resolve()).on('error', reject));
  extract.end(archive);
  await done;
  return names.sort();
}

test('errors: no context directory, no Dockerfile, a Dockerfile outside the context', async () => {
  const { context } = repo();
  await assert.rejects(collectContext(join(context, 'nope')), /is not a directory/);
  await assert.rejects(collectContext(context, 'Dockerfile.missing'), /Dockerfile\.missing does not exist/);
  await assert.rejects(collectContext(context, '../outside.txt'), /not inside the build context/);
});

test('the tar: names, contents, modes, symlinks; owners 0:0', async () => {
  const { context } = repo();
  write(context, { 'run.sh': '#!/bin/sh\necho hi\n' });
  chmodSync(join(context, 'run.sh'), 0o755);
  symlinkSync('src/main.txt', join(context, 'link.txt'));
  const ctx = await collectContext(context);
  const seen = new Map<string, { type: string; mode: number; uid: number; content: string; linkname: string | null }>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c) => void chunks.push(c as Buffer));
      body.on('end', () => {
        seen.set(header.name, {
          type: header.type,
          mode: header.mode,
          uid: header.uid,
          content: Buffer.concat(chunks).toString(),
          linkname: header.linkname,
        });
        next();
      });
    });
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  for await (const chunk of packContext(ctx))
    if (!extract.write(chunk)) await new Promise<void>((r) => extract.once('drain', () => r()));
  extract.end(undefined);
  await done;
  assert.deepEqual([...seen.keys()].sort(), [
    'Dockerfile',
    'link.txt',
    'notes.md',
    'run.sh',
    'src',
    'src/main.txt',
    'src/new.txt',
  ]);
  assert.equal(seen.get('src/main.txt')!.content, 'tracked');
  assert.equal(seen.get('src')!.type, 'directory');
  assert.equal(seen.get('link.txt')!.type, 'symlink');
  assert.equal(seen.get('link.txt')!.linkname, 'src/main.txt');
  assert.equal(seen.get('run.sh')!.mode & 0o777, 0o755);
  assert.ok([...seen.values()].every((e) => e.uid === 0));
});

test('a file that shrinks while it is sent fails the tar instead of corrupting it', async () => {
  const plain = tempDir('gangway-ctx-shrink-');
  dirs.push(plain);
  write(plain, { Dockerfile: 'FROM scratch\n', 'big.dat': 'x'.repeat(100_000) });
  const ctx = await collectContext(plain);
  writeFileSync(join(plain, 'big.dat'), 'short now');
  await assert.rejects(
    (async () => {
      for await (const _ of packContext(ctx));
    })(),
    /big\.dat changed while it was being sent/,
  );
});

test('whyNotSent explains a file a failed COPY could not find', async () => {
  const { context } = repo('notes.md\n');
  const ctx = await collectContext(context);
  assert.match((await whyNotSent(ctx, 'tool.bin'))!, /ignored by git.*add the line "!tool\.bin" to .*\.dockerignore/);
  assert.match((await whyNotSent(ctx, '/notes.md'))!, /excluded by .*\.dockerignore/);
  assert.match((await whyNotSent(ctx, 'dist/app'))!, /does not exist/);
  assert.equal(await whyNotSent(ctx, 'src/main.txt'), undefined);
  assert.equal(await whyNotSent(ctx, 'src'), undefined);
});
