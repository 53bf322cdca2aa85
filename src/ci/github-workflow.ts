/**
 * `gangway ci github`: the GitHub Actions workflow that deploys a target when a tag is pushed.
 * Pure: the caller gives the loaded config, the target and the host keys gangway trusts now.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { Document, type Scalar } from 'yaml';
import type { Config, Target } from '../config/config.js';
import { ExitCode, GangwayError } from '../errors.js';
import { quote } from '../shell/quote.js';
import { PACKAGE_NAME } from '../version.js';

/** A host of the target and the fingerprint the workflow pins (scanned on the runner, accepted only if equal). */
export interface PinnedHost {
  host: string;
  port: number;
  fingerprint: string;
}

export interface WorkflowInput {
  config: Config;
  target: Target;
  /** Empty when the target pins `ssh.fingerprint` itself (gangway then checks the key without known_hosts). */
  pins: PinnedHost[];
  /** The directory the workflow runs in (the repository root): local paths become relative to it. */
  repoRoot: string;
  /** gangway.yml as given on the command line, relative to the repository root. */
  configArg: string;
  gangway: GangwayOnRunner;
}

/**
 * How the runner gets gangway: the project's own locked dependency (`npm ci`), or exactly this published version.
 * Never a bare `npx gangway`: on npm that name is another package, and the runner holds the deploy key.
 */
export type GangwayOnRunner = { from: 'project' } | { from: 'registry'; version: string };

/** Actions by commit SHA (a tag can be moved; a SHA cannot), the release tag kept as a comment for readers. */
const ACTIONS = {
  checkout: { uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', tag: 'v7.0.1' },
  setupNode: { uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', tag: 'v7.0.0' },
};

export interface RepoSecret {
  name: string;
  holds: string;
}

export const SSH_KEY_SECRET = 'GANGWAY_SSH_KEY';
export const ENV_FILE_SECRET = 'GANGWAY_ENV_FILE';

export function workflowFileName(target: string): string {
  return `.github/workflows/deploy-${target}.yml`;
}

/**
 * GitHub's tag filter for the project's `image.tag` rule (filter patterns allow `[0-9]` ranges; `*` stops at `/`).
 * git: a pushed tag is the image tag, so only tags that can be one: a letter, digit or `_` first, no slash.
 */
export function tagFilter(rule: string | undefined): string {
  if (rule === undefined || rule === 'git') return '[A-Za-z0-9_]*';
  if (rule === 'date') return '[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]';
  if (rule === 'timestamp') return '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]';
  return rule;
}

/** The passphrase variable gangway reads when gangway.yml names none (not a secret to create unless used). */
const DEFAULT_PASSPHRASE_ENV = 'GANGWAY_SSH_PASSPHRASE';

/** The secrets the workflow reads: the key, the env file, then every `*_env` name gangway.yml reads (once each). */
export function repoSecrets(config: Config, target: Target): RepoSecret[] {
  const secrets: RepoSecret[] = [{ name: SSH_KEY_SECRET, holds: 'the private SSH key gangway logs in with' }];
  if (config.env)
    secrets.push({ name: ENV_FILE_SECRET, holds: `the content of ${path.relative(config.baseDir, config.env.file)}` });
  const add = (name: string | undefined, holds: string) => {
    if (name && !secrets.some((s) => s.name === name)) secrets.push({ name, holds });
  };
  add(config.image?.registry?.password_env, 'the registry password or token (image.registry.password_env)');
  add(passphraseEnv(target), `the SSH key's passphrase (targets.${target.name}.ssh.passphrase_env)`);
  for (const name of config.image?.build?.secrets ?? []) add(name, 'a build secret (image.build.secrets)');
  for (const d of config.notify?.to ?? []) {
    if (d.type === 'email') add(d.smtpUrlEnv, 'smtp://user:password@host:port for email notifications (smtp_url_env)');
    else add(d.urlEnv, `the ${d.type} URL notifications are posted to (url_env)`);
  }
  return secrets;
}

function passphraseEnv(target: Target): string | undefined {
  return target.ssh.passphraseEnv === DEFAULT_PASSPHRASE_ENV ? undefined : target.ssh.passphraseEnv;
}

export function githubWorkflow(input: WorkflowInput): string {
  const { config, target } = input;
  const secrets = repoSecrets(config, target);
  const passphrase = passphraseEnv(target);
  const where = (file: string) => shellPath(file, input.repoRoot);
  const keyFile = target.ssh.key ? where(target.ssh.key) : '"$RUNNER_TEMP/gangway_ssh_key"';
  const files = [keyFile, ...(config.env ? [where(config.env.file)] : [])];
  const secretEnv = (name: string) => `\${{ secrets.${name} }}`;

  const writeSecrets = [
    'umask 077',
    `mkdir -p "$(dirname ${keyFile})"`,
    `printf '%s\\n' "$SSH_KEY" > ${keyFile}`,
    ...(config.env ? [`printf '%s\\n' "$ENV_FILE" > ${where(config.env.file)}`] : []),
    // Without ssh.key gangway finds the key through ssh-agent; later steps (the cleanup too, should ssh-add fail)
    // reach it through $GITHUB_ENV.
    ...(target.ssh.key
      ? []
      : [
          'eval "$(ssh-agent -s)" > /dev/null',
          'printf "SSH_AUTH_SOCK=%s\\nSSH_AGENT_PID=%s\\n" "$SSH_AUTH_SOCK" "$SSH_AGENT_PID" >> "$GITHUB_ENV"',
          ...sshAdd(keyFile, passphrase),
        ]),
  ];
  const steps: Record<string, unknown>[] = [
    // The deploy needs no git credentials: none are left in the checkout for later steps to read.
    { uses: ACTIONS.checkout.uses, with: { 'persist-credentials': false } },
    // No dependency cache: setup-node advises against one in a job holding secrets (a poisoned cache runs here).
    { uses: ACTIONS.setupNode.uses, with: { 'node-version': 20, 'package-manager-cache': false } },
    ...(input.gangway.from === 'project' ? [{ run: 'npm ci' }] : []),
    {
      name: 'Write the SSH key and env file (mode 0600)',
      env: {
        SSH_KEY: secretEnv(SSH_KEY_SECRET),
        ...(config.env && { ENV_FILE: secretEnv(ENV_FILE_SECRET) }),
        ...(passphrase && !target.ssh.key && { [passphrase]: secretEnv(passphrase) }),
      },
      run: lines(writeSecrets),
    },
  ];
  if (input.pins.length)
    steps.push({
      name: 'Pin the host keys: a scanned key is trusted only if its fingerprint is the pinned one',
      run: lines(pinScript(input.pins, where(target.ssh.knownHosts))),
    });
  const deployEnv: Record<string, string> = { TAG: '${{ inputs.tag || github.ref_name }}' };
  for (const s of secrets.slice(1)) if (s.name !== ENV_FILE_SECRET) deployEnv[s.name] = secretEnv(s.name);
  const cleanup = {
    name: 'Remove the key and env file',
    if: 'always()',
    run: lines([
      ...(target.ssh.key ? [] : ['if [ -n "${SSH_AGENT_PID:-}" ]; then ssh-agent -k > /dev/null || true; fi']),
      `rm -f ${files.join(' ')}`,
    ]),
  };
  const gangway = `${gangwayCommand(input.gangway)} --config ${quote(input.configArg)}`;
  // image.build with a registry: one job builds and pushes (for the hosts' platform, which it asks them), the
  // deploy job then pulls that digest without building. Archive and sync build in the deploy job itself.
  const buildJob = config.image?.build && config.image.delivery === 'registry';
  const job = (name: string, run: string) => [...steps, { name, env: deployEnv, run }, cleanup];
  const jobs = {
    ...(buildJob && {
      build: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 60,
        steps: job(`Build and push the image`, `${gangway} build ${quote(target.name)} --tag "$TAG"`),
      },
    }),
    deploy: {
      ...(buildJob && { needs: 'build' }),
      'runs-on': 'ubuntu-latest',
      'timeout-minutes': 60,
      steps: job(
        `Deploy ${target.name}`,
        `${gangway} deploy ${quote(target.name)} --tag "$TAG"${buildJob ? ' --no-build' : ''} --yes`,
      ),
    },
  };

  const workflow = {
    name: `deploy ${target.name}`,
    on: {
      push: { tags: [tagFilter(config.image?.tag)] },
      workflow_dispatch: { inputs: { tag: { description: 'Image tag to deploy', required: true, type: 'string' } } },
    },
    // One deploy of a target at a time; a queued one waits instead of cancelling a deploy half-way.
    concurrency: { group: `gangway-deploy-${target.name}`, 'cancel-in-progress': false },
    permissions: { contents: 'read' },
    jobs,
  };
  // The jobs share their setup steps: written out in each job, not as YAML aliases.
  const doc = new Document(workflow, { aliasDuplicateObjects: false });
  for (const name of Object.keys(jobs))
    for (const [i, action] of [ACTIONS.checkout, ACTIONS.setupNode].entries())
      (doc.getIn(['jobs', name, 'steps', i, 'uses'], true) as Scalar).comment = ` ${action.tag}`;
  doc.commentBefore = [
    ` Written by \`gangway ci github --target ${target.name}\`: deploys on a pushed tag or by hand.`,
    ' Repository secrets it reads (Settings > Secrets and variables > Actions):',
    ...secrets.map((s) => `   ${s.name}: ${s.holds}`),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

/** ssh-keyscan on the runner, keeping only a key whose fingerprint is the one pinned here. */
function pinScript(pins: PinnedHost[], knownHosts: string): string[] {
  const out = [
    'umask 077',
    `mkdir -p "$(dirname ${knownHosts})"`,
    'scan="$RUNNER_TEMP/gangway_keyscan"',
    'pin() {',
    '  found=',
    '  ssh-keyscan -p "$2" "$1" > "$scan" 2> /dev/null || true',
    '  while IFS= read -r line; do',
    '    printf "%s\\n" "$line" > "$scan.one"',
    '    if [ "$(ssh-keygen -lf "$scan.one" | cut -d " " -f 2)" = "$3" ]; then',
    `      printf "%s\\n" "$line" >> ${knownHosts}`,
    '      found=1',
    '    fi',
    '  done < "$scan"',
    '  rm -f "$scan" "$scan.one"',
    '  if [ -z "$found" ]; then',
    '    echo "::error::no host key of $1:$2 has the pinned fingerprint $3"',
    '    exit 1',
    '  fi',
    '}',
  ];
  for (const p of pins) out.push(`pin ${quote(p.host)} ${p.port} ${quote(p.fingerprint)}`);
  return out;
}

/** The project's own install (never a download), or the pinned package whose bin is `gangway`. */
function gangwayCommand(gangway: GangwayOnRunner): string {
  if (gangway.from === 'project') return 'npx --no-install gangway';
  return `npx -y --package=${quote(`${PACKAGE_NAME}@${gangway.version}`)} gangway`;
}

/**
 * Load the key into the agent; a passphrase comes from its variable through SSH_ASKPASS (never argv or a file).
 * ssh-add asks again after a wrong passphrase: the helper answers once, so the step fails instead of looping.
 * The variable name is safe in the script: the schema allows only [A-Za-z_][A-Za-z0-9_]*.
 */
function sshAdd(keyFile: string, passphrase: string | undefined): string[] {
  if (!passphrase) return [`ssh-add ${keyFile} 2> /dev/null`];
  return [
    'askpass="$RUNNER_TEMP/gangway_askpass"',
    'cat > "$askpass" << \'ASKPASS\'',
    '#!/bin/sh',
    'if [ -e "$0.used" ]; then exit 1; fi',
    ': > "$0.used"',
    `printf '%s\\n' "$${passphrase}"`,
    'ASKPASS',
    'chmod 700 "$askpass"',
    `if ! SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force ssh-add ${keyFile} < /dev/null 2> /dev/null; then`,
    `  echo "::error::ssh-add could not load the key from ${SSH_KEY_SECRET} with the passphrase in ${passphrase}"`,
    '  exit 1',
    'fi',
    'rm -f "$askpass" "$askpass.used"',
  ];
}

function lines(list: string[]): string {
  return list.join('\n') + '\n';
}

/** A local path as the runner's shell should see it: under $HOME, or relative to the checkout. */
function shellPath(file: string, repoRoot: string): string {
  const home = homedir();
  const inRepo = path.relative(repoRoot, file);
  if (!inRepo.startsWith('..') && !path.isAbsolute(inRepo)) return quote(inRepo.split(path.sep).join('/'));
  const inHome = path.relative(home, file);
  if (!inHome.startsWith('..') && !path.isAbsolute(inHome)) return `"$HOME"/${quote(inHome.split(path.sep).join('/'))}`;
  throw new GangwayError(
    'E_CI_PATH',
    ExitCode.usage,
    `${file} is neither inside the repository nor in your home directory, so a CI runner cannot have it`,
    { hints: ['run `gangway ci github` from the repository root, or keep the file in the repository (ignored)'] },
  );
}
