/** `backups[].copy_to.sftp: user@host[:port]:/dir` made concrete (a host spec the SSH layer opens, and a dir). */
import type { BackupCopyTo } from './config.js';
import type { ParsedCopyTo } from './backup-files-schema.js';
import { parseHostSpec } from './hosts.js';

export function resolveCopyTo(c: ParsedCopyTo, report: (message: string) => void): BackupCopyTo | undefined {
  const colon = c.sftp.indexOf(':/');
  const spec = parseHostSpec(c.sftp.slice(0, colon));
  const dir = c.sftp.slice(colon + 1).replace(/\/+$/, '') || '/';
  if ('error' in spec) {
    report(spec.error);
    return undefined;
  }
  if (spec.kind !== 'ssh' || spec.user === undefined) {
    report('must name the user: user@host:/dir');
    return undefined;
  }
  const port = spec.port !== undefined ? `:${spec.port}` : '';
  return {
    label: `sftp://${spec.user}@${spec.host}${port}${dir}`,
    host: spec,
    dir,
    ...(c.fingerprint && { fingerprint: c.fingerprint }),
  };
}
