/** The image tag of a deploy: `--tag`, or the `image.tag` rule (git, date, timestamp, or a literal). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../errors.js';

const run = promisify(execFile);

/** Docker's tag grammar; it also keeps every shell metacharacter out. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function validateTag(tag: string, source: string): string {
  if (!DOCKER_TAG.test(tag)) {
    throw new UsageError(
      `${source}: "${tag}" is not a valid image tag (letters, digits, _ . -; at most 128; not starting with . or -)`,
    );
  }
  return tag;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export async function resolveTag(rule: string, cwd: string, now = new Date(), override?: string): Promise<string> {
  if (override !== undefined) return validateTag(override, '--tag');
  switch (rule) {
    case 'git':
      return validateTag(await gitTag(cwd), 'image.tag: git');
    case 'date':
      return `${now.getFullYear()}.${pad(now.getMonth() + 1)}.${pad(now.getDate())}`;
    case 'timestamp':
      return (
        `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}_` +
        `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`
      );
    default:
      return validateTag(rule, 'image.tag');
  }
}

/** The exact tag on HEAD, else the short SHA (the tag rule of teams that release from git). */
async function gitTag(cwd: string): Promise<string> {
  try {
    const exact = await run('git', ['describe', '--tags', '--exact-match', 'HEAD'], { cwd }).catch(() => undefined);
    if (exact) return exact.stdout.trim();
    return (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd })).stdout.trim();
  } catch {
    throw new UsageError(
      `image.tag is "git" but ${cwd} is not a git work tree with a commit; pass --tag or set image.tag`,
    );
  }
}
