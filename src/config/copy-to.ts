/**
 * `backups[].copy_to` made concrete: `sftp: user@host[:port]:/dir` as a host spec the SSH layer opens and a dir;
 * `s3: { bucket, … }` as a bucket, a prefix without edge slashes and the names of the credentials' variables.
 */
import type { BackupCopyTo } from './config.js';
import type { ParsedCopyTo } from './backup-files-schema.js';
import { parseHostSpec } from './hosts.js';

export function resolveCopyTo(
  c: ParsedCopyTo,
  report: (key: string | undefined, message: string) => void,
): BackupCopyTo | undefined {
  if (c.sftp !== undefined && c.s3 !== undefined) {
    report(undefined, 'names both sftp and s3: one copy per backup (keep one of the two)');
    return undefined;
  }
  if (c.s3) {
    if (c.fingerprint) report('fingerprint', 'is for copy_to.sftp (an S3 copy is reached over HTTPS)');
    const s = c.s3;
    const prefix = (s.prefix ?? '').replace(/^\/+|\/+$/g, '');
    const where = s.endpoint ? `${new URL(s.endpoint).host}/` : '';
    return {
      kind: 's3',
      label: `s3://${where}${s.bucket}${prefix ? `/${prefix}` : ''}`,
      bucket: s.bucket,
      prefix,
      ...(s.endpoint && { endpoint: s.endpoint }),
      ...(s.region && { region: s.region }),
      accessKeyEnv: s.access_key_env,
      secretKeyEnv: s.secret_key_env,
    };
  }
  if (c.sftp === undefined) {
    report(undefined, 'needs sftp (user@host:/dir) or s3 ({ bucket, access_key_env, secret_key_env })');
    return undefined;
  }
  const colon = c.sftp.indexOf(':/');
  const spec = parseHostSpec(c.sftp.slice(0, colon));
  const dir = c.sftp.slice(colon + 1).replace(/\/+$/, '') || '/';
  if ('error' in spec) {
    report('sftp', spec.error);
    return undefined;
  }
  if (spec.kind !== 'ssh' || spec.user === undefined) {
    report('sftp', 'must name the user: user@host:/dir');
    return undefined;
  }
  const port = spec.port !== undefined ? `:${spec.port}` : '';
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host; // IPv6: `[::1]:2222`, as in a URL
  return {
    kind: 'sftp',
    label: `sftp://${spec.user}@${host}${port}${dir}`,
    host: spec,
    dir,
    ...(c.fingerprint && { fingerprint: c.fingerprint }),
  };
}
