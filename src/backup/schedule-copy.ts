/**
 * What a scheduled run copies off-site, set up by `gangway backup schedule`. copy_to.s3: the server copies after
 * each scheduled run, with the credentials this environment holds stored in `<job>/s3-credentials` (0600 from the
 * start, the access key ID then the secret key). copy_to.sftp: the server holds no key to the copy host (a server
 * that could write and delete the disaster-recovery copies on its own would take them down with it), so scheduled
 * backups are copied by the next `gangway backup`, and `status` says NO-GO when that copy is older than `rpo`.
 */
import { posix } from 'node:path';
import type { BackupConfig } from '../config/config.js';
import { execOk } from '../hosts/host.js';
import type { Scrubber } from '../redact/scrubber.js';
import { credentialsText, s3Credentials } from './s3-copy.js';
import type { BackupHost } from './session.js';

export async function scheduleCopy(
  bh: BackupHost,
  backup: BackupConfig,
  env: NodeJS.ProcessEnv,
  scrubber: Scrubber,
): Promise<{ ok: boolean; text: string } | undefined> {
  const file = posix.join(bh.jobDir, 's3-credentials');
  const to = backup.copyTo;
  if (!backup.schedule || to?.kind !== 's3') {
    await execOk(bh.host, ['rm', '-f', file]);
    const sftp = scheduledSftpWarning(backup);
    return sftp ? { ok: false, text: sftp } : undefined;
  }
  let content;
  try {
    content = credentialsText(s3Credentials(to, env, scrubber));
  } catch (e) {
    await execOk(bh.host, ['rm', '-f', file]);
    return { ok: false, text: `${(e as Error).message}: scheduled runs will record a failed copy` };
  }
  await bh.host.writeFileAtomic(file, content, { mode: 0o600 });
  return {
    ok: true,
    text: `to ${to.label} after each run (${to.accessKeyEnv} and ${to.secretKeyEnv} stored 0600 in the job dir)`,
  };
}

/**
 * A scheduled backup with copy_to.sftp: its scheduled runs are copied only by a `gangway backup` run elsewhere, so
 * a setup relying on the schedule alone goes NO-GO once rpo passes. Said by `gangway check` and `backup schedule`.
 */
export function scheduledSftpWarning(backup: BackupConfig): string | undefined {
  const to = backup.copyTo;
  if (!backup.schedule || to?.kind !== 'sftp') return undefined;
  return (
    `backup ${backup.name} runs on a schedule ("${backup.schedule}") on the server, but its off-site copy to ` +
    `${to.label} is made only when \`gangway backup\` runs on a machine that reaches both the server and the ` +
    'copy host (the server holds no key to it): without such runs `gangway status` goes NO-GO once the newest ' +
    `copy is older than rpo (${backup.rpoMs / 3_600_000}h). Run \`gangway backup\` on a schedule from such a ` +
    'machine (e.g. a scheduled CI job), or use copy_to.s3, which the server copies to after each scheduled run'
  );
}
