/**
 * A command's SSH connections start from gangway.yml as written, before the config is validated, and the
 * command's host pool takes them only for the host and settings the validated config names. The servers here
 * accept TCP and never speak SSH: what counts is which connections they see and when.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { createContext } from '../../src/cli/context.js';
import { connectEarly } from '../../src/cli/early-connect.js';
import { Reporter } from '../../src/output/reporter.js';
import { Scrubber } from '../../src/redact/scrubber.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'gangway-early-'));
const key = join(dir, 'id');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);

interface Silent {
  server: Server;
  port: number;
  sockets: Socket[];
  closed: number;
}
const servers: Silent[] = [];
async function silentServer(): Promise<Silent> {
  const s: Silent = { server: createServer(), port: 0, sockets: [], closed: 0 };
  s.server.on('connection', (socket) => {
    s.sockets.push(socket);
    socket.on('close', () => s.closed++).on('error', () => {});
    socket.resume(); // (read, so that the client's close is seen)
  });
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
  s.port = (s.server.address() as { port: number }).port;
  servers.push(s);
  return s;
}
after(() => {
  for (const s of servers) {
    for (const socket of s.sockets) socket.destroy();
    s.server.close();
  }
});

function project(name: string, port: number, timeout = '30s'): string {
  const file = join(dir, `${name}.yml`);
  writeFileSync(
    file,
    `app: shop
compose: docker-compose.yml
targets:
  prod:
    hosts: ["ops@127.0.0.1:${port}"]
    dir: /srv/shop
    ssh: { key: id, known_hosts: known_hosts, config: false, connect_timeout: ${timeout} }
`,
  );
  return file;
}

function context(config: string) {
  let stderr = '';
  const err = new PassThrough().on('data', (d) => (stderr += d));
  const reporter = new Reporter({
    json: false,
    color: false,
    interactive: false,
    verbose: 0,
    stdout: new PassThrough(),
    stderr: err,
  });
  return { ctx: createContext(reporter, new Scrubber(), { config }), stderr: () => stderr };
}

test('the connection starts before the config is validated, and the command takes it (warnings and all)', async () => {
  const server = await silentServer();
  const config = project('taken', server.port, '1s');
  execFileSync('chmod', ['644', key]); // a warning, which waits for the command that takes the connection
  try {
    await connectEarly(config, undefined);
    const { ctx, stderr } = context(config);
    await until(() => server.sockets.length === 1, 'the early connection');
    assert.equal(stderr(), '', 'nothing printed before the command takes it');

    const target = ctx.target(await ctx.loadConfig(), undefined);
    await assert.rejects(ctx.openHost(target, target.hosts[0]!), { code: 'E_SSH_CONNECT_TIMEOUT' });
    assert.equal(server.sockets.length, 1, 'no second connection: the early one was taken');
    assert.match(stderr(), /warning: SSH key .*id is readable by group or others/);
    await ctx.closeHosts();
  } finally {
    execFileSync('chmod', ['600', key]);
  }
});

test("it settles once the handshake is under way: the client's first SSH line is already written", async () => {
  const server = await silentServer();
  const written: string[] = [];
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (this.remotePort === server.port) written.push(String(args[0]));
    return write.apply(this, args);
  } as Socket['write'];
  try {
    await connectEarly(project('under-way', server.port, '1s'), undefined);
    // (checked before anything else runs: the command's own work would come next)
    assert.match(written.join(''), /^SSH-2\.0-/);
  } finally {
    Socket.prototype.write = write;
    await context(project('under-way', server.port)).ctx.closeHosts();
  }
});

test('one the validated config does not name is not taken, and is closed at once when the command ends', async () => {
  const early = await silentServer();
  const validated = await silentServer();
  await connectEarly(project('early', early.port), 'prod');
  const { ctx } = context(project('validated', validated.port, '1s'));
  const target = ctx.target(await ctx.loadConfig(), 'prod');
  await assert.rejects(ctx.openHost(target, target.hosts[0]!), { code: 'E_SSH_CONNECT_TIMEOUT' });
  assert.equal(validated.sockets.length, 1);

  await until(() => early.sockets.length === 1, 'the early connection');
  const started = Date.now();
  await ctx.closeHosts();
  // (its connect timeout is 30 s: a close that waited for the handshake would take that long)
  assert.ok(Date.now() - started < 10_000, `closed in ${Date.now() - started} ms`);
  await until(() => early.closed === 1, 'the early connection closed');
});

test("the target's settings inherited from the top-level ssh: are the early connection's too", async () => {
  const server = await silentServer();
  const config = join(dir, 'inherited.yml');
  writeFileSync(
    config,
    `app: shop
compose: docker-compose.yml
ssh: { key: id, config: false, connect_timeout: 1s }
targets:
  prod:
    hosts: ["ops@127.0.0.1:${server.port}"]
    dir: /srv/shop
    ssh: { known_hosts: known_hosts }
`,
  );
  await connectEarly(config, undefined);
  await until(() => server.sockets.length === 1, 'the early connection');
  const { ctx } = context(config);
  const target = ctx.target(await ctx.loadConfig(), undefined);
  assert.equal(target.ssh.connectTimeoutMs, 1000);
  await assert.rejects(ctx.openHost(target, target.hosts[0]!), { code: 'E_SSH_CONNECT_TIMEOUT' });
  assert.equal(server.sockets.length, 1, 'the early connection was taken: it had the same settings');
  await ctx.closeHosts();
});

test('nothing starts from a config whose target is not clear', async () => {
  const server = await silentServer();
  const config = project('two', server.port);
  writeFileSync(config, `${readTwoTargets(server.port)}`);
  await connectEarly(config, undefined);
  await connectEarly(join(dir, 'missing.yml'), 'prod');
  const { ctx } = context(config);
  await assert.rejects(
    ctx.loadConfig().then((c) => ctx.target(c, undefined)),
    /several targets/,
  );
  await ctx.closeHosts();
  // A connection would have been opened before connectEarly returned; the server would see it by now.
  const probe = await silentServer();
  await connectEarly(project('probe', probe.port), undefined);
  await until(() => probe.sockets.length === 1, 'a connection that does start');
  assert.equal(server.sockets.length, 0);
  await context(project('probe', probe.port)).ctx.closeHosts();
});

function readTwoTargets(port: number): string {
  const target = (name: string) =>
    `  ${name}:\n    hosts: ["ops@127.0.0.1:${port}"]\n    dir: /srv/shop\n    ssh: { key: id, config: false }\n`;
  return `app: shop\ncompose: docker-compose.yml\ntargets:\n${target('a')}${target('b')}`;
}
