/** Who is deploying, for locks and records: `user@machine`, or the CI run when there is one. */
import { hostname, userInfo } from 'node:os';

export function whoAmI(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_ACTIONS === 'true')
    return (
      `CI github-actions ${env.GITHUB_REPOSITORY ?? ''}#${env.GITHUB_RUN_ID ?? '?'} ` +
      `(${env.GITHUB_ACTOR ?? 'unknown'})`
    );
  if (env.GITLAB_CI === 'true')
    return (
      `CI gitlab ${env.CI_PROJECT_PATH ?? ''}#${env.CI_PIPELINE_ID ?? '?'} ` + `(${env.GITLAB_USER_LOGIN ?? 'unknown'})`
    );
  if (env.CI === 'true') return `CI ${env.USER ?? safeUser()}@${hostname()}`;
  return `${safeUser()}@${hostname()}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
