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
    if (backup.schedule && to?.kind === 'sftp')
      return { ok: false, text: `to ${to.label} by the next \`gangway backup\` (the server holds no key to it)` };
    return undefined;
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
