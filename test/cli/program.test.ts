import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { tempDir } from '../helpers/testenv.js';

const COMMANDS = ['init', 'check', 'deploy', 'rollback', 'status', 'releases', 'logs', 'lock', 'env'];

test('--help lists every command of the contract with a description, and the exit codes', () => {
  const r = gangway(['--help']);
  assert.equal(r.code, 0);
  for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c}\\b.*\\S{3,}`, 'm'), c);
  assert.match(r.stdout, /Exit codes:\n\s+0\s+success[\s\S]*4\s+lock held/);
  for (const flag of ['--config', '--json', '--no-color', '--verbose', '--accept-new-host-key'])
    assert.ok(r.stdout.includes(flag), flag);
});

test('each command has its own --help', () => {
  for (const args of [...COMMANDS.map((c) => [c]), ['lock', 'status'], ['lock', 'release'], ['env', 'diff']]) {
    const r = gangway([...args, '--help']);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, new RegExp(`^Usage: gangway ${args.join(' ')}`, 'm'));
  }
  assert.match(
    gangway(['deploy', '--help']).stdout,
    /--tag <tag>[\s\S]*--env-only[\s\S]*--dry-run[\s\S]*--yes[\s\S]*--lock-wait/,
  );
  assert.match(gangway(['logs', '--help']).stdout, /-f, --follow[\s\S]*--tail <n>/);
});

test('every command that changes a server takes --yes', () => {
  // SPEC: every mutating command accepts --yes, so scripts can pass it to each alike.
  const mutating: [string[], string[]][] = [
    [['deploy'], []],
    [['rollback'], []],
    [['build'], []],
    [['exec'], ['web', '--', 'true']],
    [['backup'], []],
    [['backup', 'schedule'], []],
    [['restore'], ['--verify']],
    [['lock', 'release'], []],
    [['maintenance', 'on'], []],
    [['maintenance', 'off'], []],
  ];
  for (const [command, operands] of mutating) {
    const name = command.join(' ');
    assert.match(gangway([...command, '--help']).stdout, /--yes\s+do not ask for confirmation/, name);
    const r = gangway(['-c', '/nonexistent/gangway.yml', ...command, '--yes', ...operands]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /unknown option/, name);
    assert.match(r.stderr, /gangway\.yml: file not found/, `${name} got as far as reading the configuration`);
  }
});

test('--lock-wait is bounded like the durations in gangway.yml', () => {
  const r = gangway(['rollback', '--lock-wait', '99999999999999999999999h']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--lock-wait <duration>.*must be at most 24h/);
});

test('usage errors exit 2 with a hint', () => {
  const unknown = gangway(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const bad = gangway(['releases', '--limit', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--limit <n>.*many.*positive whole number/);
  assert.equal(gangway(['deploy', '--lock-wait', 'soon']).code, 2);
});

test('--json: one JSON document on stdout, also for errors', () => {
  const r = gangway(['--json', '-c', '/nonexistent/gangway.yml', 'status']);
  assert.equal(r.code, 2);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.ok, false);
  assert.equal(doc.error.code, 'E_CONFIG');
  assert.match(doc.error.message, /gangway\.yml: file not found/);
});

test('a missing gangway.yml is a configuration error (exit 2) that says what to do', () => {
  const r = gangway(['-c', '/nonexistent/gangway.yml', 'check']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\/nonexistent\/gangway\.yml: file not found \(create one with `gangway init`/);
});

test('--version prints the package version', () => {
  const r = gangway(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

test("a subcommand lists only gangway's own options as global, not its parent command's", () => {
  const r = gangway(['backup', 'schedule', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Global Options:[\s\S]*--config/);
  assert.doesNotMatch(r.stdout, /--download/);
});

test('ui --port shows one default', () => {
  const line = gangway(['ui', '--help'])
    .stdout.split('\n')
    .find((l) => l.includes('--port'))!;
  assert.equal(line.match(/default/g)?.length, 1, line);
  assert.match(line, /\(default: a free one\)/);
});

test('exec and restore name their arguments as users write them', () => {
  const exec = gangway(['exec', '--help']).stdout;
  assert.match(exec, /Arguments:\n\s+target\b[\s\S]*\n\s+service\b[\s\S]*\n\s+command\b/);
  const restore = gangway(['restore', '--help']).stdout;
  assert.match(restore, /Arguments:\n\s+target\b[\s\S]*\n\s+name\b[\s\S]*\n\s+backup\b/);
  for (const text of [exec, restore]) assert.doesNotMatch(text, /^\s+(words|args)\s/m);
});

test('restore --help says what --verify and --into-live do for both kinds of backup (postgres and files)', () => {
  // Commander wraps the descriptions: compare with the lines joined.
  const help = gangway(['restore', '--help']).stdout.split('Options:')[1]!.replace(/\s+/g, ' ');
  const option = (name: string) => new RegExp(`${name} (.*?)(?= --[a-z]|$)`).exec(help)?.[1] ?? '';
  const verify = option('--verify');
  assert.match(verify, /postgres.*throwaway container.*rows/i, verify);
  assert.match(verify, /files.*temp.*manifest/i, verify);
  const live = option('--into-live');
  assert.match(live, /safety backup/, live);
  assert.match(live, /postgres.*database/i, live);
  assert.match(live, /files.*stop.*services.*start/i, live);
});

test('a bad option value prints the error and one usage line, not the whole help', () => {
  const r = gangway(['releases', '--limit', 'many']);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /--limit <n>.*many.*positive whole number/);
  assert.match(lines[1]!, /^Usage: gangway releases \[options\] \[target\]/);
  const unknown = gangway(['deploy', '--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split('\n').length, 2, unknown.stderr);
});

test('a command group without its subcommand (gangway lock, gangway env) is a usage error: exit 2', () => {
  for (const group of ['lock', 'env', 'ci']) {
    const r = gangway([group]);
    assert.equal(r.code, 2, group);
    assert.match(r.stderr, new RegExp(`Usage: gangway ${group}`), group);
  }
  assert.equal(gangway(['lock', '--help']).code, 0, 'help asked for is still success');
});

test('"several targets" suggests the command that was run', () => {
  const dir = tempDir('gangway-targets-');
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: nginx\n');
  const hosts = '    hosts: ["deploy@203.0.113.10"]\n    dir: /srv/app\n';
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: app\ncompose: compose.yml\ntargets:\n  prod:\n${hosts}  staging:\n${hosts}`,
  );
  for (const [args, suggestion] of [
    [['deploy', '--dry-run'], 'gangway deploy prod'],
    [['lock', 'status'], 'gangway lock status prod'],
    [['ci', 'github'], 'gangway ci github --target prod'],
  ] as const) {
    const r = gangway([...args], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`several targets (prod, staging): name one, e.g. \`${suggestion}\``), r.stderr);
  }
});

/**
 * What a run of the CLI ran of its bundle (one file, each module run when first imported: scripts/bundle-cli.mjs):
 * whether zod was (the config loader's schema), and which of Node's own modules were loaded (ssh2 loads zlib
 * and tls, nothing else of the CLI does).
 */
function gangwayRunning(args: string[], cwd?: string) {
  const log = join(tempDir('gangway-ran-'), 'ran.json');
  const atExit =
    `import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(${JSON.stringify(log)},` +
    `JSON.stringify({zod:'__zod_globalConfig' in globalThis,builtins:process.moduleLoadList` +
    `.filter((m)=>m.startsWith('NativeModule ')).map((m)=>m.slice(13))})))`;
  const env = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(atExit)}` };
  const r = gangway(args, { env, ...(cwd && { cwd }) });
  return { ...r, ...(JSON.parse(readFileSync(log, 'utf8')) as { zod: boolean; builtins: string[] }) };
}

test('--version and --help run no config loader and no SSH (a fast start); a check runs both', () => {
  for (const args of [['--version'], ['--help'], ['deploy', '--help']]) {
    const r = gangwayRunning(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.zod, false, `${args.join(' ')} ran zod`);
    for (const ssh2 of ['zlib', 'tls']) assert.ok(!r.builtins.includes(ssh2), `${args.join(' ')} loaded ${ssh2}`);
  }
  const dir = tempDir('gangway-ran-');
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: nginx\n');
  const target = '  prod:\n    hosts: ["ops@127.0.0.1:1"]\n    dir: /srv/app\n    ssh: { config: false }\n';
  writeFileSync(join(dir, 'gangway.yml'), `app: app\ncompose: compose.yml\ntargets:\n${target}`);
  const check = gangwayRunning(['check'], dir);
  assert.equal(check.code, 3, check.stdout + check.stderr);
  assert.equal(check.zod, true, 'the probe sees zod run');
  for (const ssh2 of ['zlib', 'tls']) assert.ok(check.builtins.includes(ssh2), `the probe sees ssh2 (${ssh2})`);
});
