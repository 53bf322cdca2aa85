/**
 * `gangway ci github`: the GitHub Actions workflow that deploys a target when a tag is pushed.
 * Pure: the caller gives the loaded config, the target and the host keys gangway trusts now.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { Document } from 'yaml';
import type { Config, Target } from '../config/config.js';
import { ExitCode, GangwayError } from '../errors.js';
import { quote } from '../shell/quote.js';

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
}

export interface RepoSecret {
  name: string;
  holds: string;
}

export const SSH_KEY_SECRET = 'GANGWAY_SSH_KEY';
export const ENV_FILE_SECRET = 'GANGWAY_ENV_FILE';

export function workflowFileName(target: string): string {
  return `.github/workflows/deploy-${target}.yml`;
}

/** GitHub's tag filter for the project's `image.tag` rule (filter patterns allow `[0-9]` ranges). */
export function tagFilter(rule: string | undefined): string {
  if (rule === undefined || rule === 'git') return '**';
  if (rule === 'date') return '[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]';
  if (rule === 'timestamp') return '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]';
  return rule;
}

export function repoSecrets(config: Config): RepoSecret[] {
  const secrets: RepoSecret[] = [{ name: SSH_KEY_SECRET, holds: 'the private SSH key gangway logs in with' }];
  if (config.env)
    secrets.push({ name: ENV_FILE_SECRET, holds: `the content of ${path.relative(config.baseDir, config.env.file)}` });
  const token = config.image?.registry?.password_env;
  if (token) secrets.push({ name: token, holds: 'the registry password or token (image.registry.password_env)' });
  return secrets;
}

export function githubWorkflow(input: WorkflowInput): string {
  const { config, target } = input;
  const secrets = repoSecrets(config);
  const where = (file: string) => shellPath(file, input.repoRoot);
  const keyFile = target.ssh.key ? where(target.ssh.key) : '"$RUNNER_TEMP/gangway_ssh_key"';
  const files = [keyFile, ...(config.env ? [where(config.env.file)] : [])];
  const secretEnv = (name: string) => `\${{ secrets.${name} }}`;

  const writeSecrets = [
    'umask 077',
    `mkdir -p "$(dirname ${keyFile})"`,
    `printf '%s\\n' "$SSH_KEY" > ${keyFile}`,
    ...(config.env ? [`printf '%s\\n' "$ENV_FILE" > ${where(config.env.file)}`] : []),
    // Without ssh.key gangway finds the key through ssh-agent; later steps reach it through $GITHUB_ENV.
    ...(target.ssh.key
      ? []
      : [
          'eval "$(ssh-agent -s)" > /dev/null',
          `ssh-add ${keyFile} 2> /dev/null`,
          'printf "SSH_AUTH_SOCK=%s\\nSSH_AGENT_PID=%s\\n" "$SSH_AUTH_SOCK" "$SSH_AGENT_PID" >> "$GITHUB_ENV"',
        ]),
  ];
  const steps: Record<string, unknown>[] = [
    { uses: 'actions/checkout@v4' },
    { uses: 'actions/setup-node@v4', with: { 'node-version': 20, cache: 'npm' } },
    { run: 'npm ci' },
    {
      name: 'Write the SSH key and env file (mode 0600)',
      env: { SSH_KEY: secretEnv(SSH_KEY_SECRET), ...(config.env && { ENV_FILE: secretEnv(ENV_FILE_SECRET) }) },
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
  steps.push({
    name: `Deploy ${target.name}`,
    env: deployEnv,
    run: `npx gangway --config ${quote(input.configArg)} deploy ${quote(target.name)} --tag "$TAG" --yes`,
  });
  steps.push({
    name: 'Remove the key and env file',
    if: 'always()',
    run: lines([
      ...(target.ssh.key ? [] : ['if [ -n "${SSH_AGENT_PID:-}" ]; then ssh-agent -k > /dev/null || true; fi']),
      `rm -f ${files.join(' ')}`,
    ]),
  });

  const workflow = {
    name: `deploy ${target.name}`,
    on: {
      push: { tags: [tagFilter(config.image?.tag)] },
      workflow_dispatch: { inputs: { tag: { description: 'Image tag to deploy', required: true, type: 'string' } } },
    },
    // One deploy of a target at a time; a queued one waits instead of cancelling a deploy half-way.
    concurrency: { group: `gangway-deploy-${target.name}`, 'cancel-in-progress': false },
    permissions: { contents: 'read' },
    jobs: { deploy: { 'runs-on': 'ubuntu-latest', 'timeout-minutes': 60, steps } },
  };
  const doc = new Document(workflow);
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
