/**
 * The parts of a `backups:` entry for file backups (`kind: files`: `paths`) and off-site copies (`copy_to`). Kept
 * apart from schema.ts, which only places them.
 */
import * as z from 'zod';

const VOLUME = /^volume:[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `data/uploads` (under the deploy dir) or `volume:NAME` (a named volume of the Compose file). */
export const backupPath = z
  .string()
  .min(1)
  .refine((p) => !/[\0-\x1f\x7f]/.test(p), 'must not hold control characters')
  .refine(
    (p) => VOLUME.test(p) || (!p.startsWith('volume:') && !p.startsWith('/') && !p.split('/').includes('..')),
    'must be a path relative to the deploy directory (no leading / and no ..) or volume:NAME (a named volume)',
  )
  .meta({
    description: 'A directory under <dir> (bind-mounted into services), or volume:NAME for a named Compose volume',
    examples: ['data/uploads', 'volume:uploads'],
  });

export const backupPaths = z
  .array(backupPath)
  .min(1)
  .refine((ps) => new Set(ps).size === ps.length, 'lists a path twice')
  .optional()
  .meta({ description: 'kind files: what the tar holds (required there, not used by postgres)' });

/** `user@host:/path`: an absolute directory on the copy host. */
const SFTP = /^[A-Za-z0-9_][A-Za-z0-9_.-]*@[A-Za-z0-9_.:[\]-]+:\/[^\0-\x1f\x7f]*$/;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = (what: string, example: string) =>
  z
    .string()
    .regex(ENV_NAME, 'must be the NAME of an environment variable (letters, digits, _), not its value')
    .meta({
      description:
        `The environment variable holding the ${what} (its name, never the value): read from gangway's ` +
        "environment and passed to the server's rclone on stdin (never an argument); `gangway backup schedule` " +
        'stores it 0600 in the job dir for scheduled copies',
      examples: [example],
    });

/** `copy_to.s3`: a bucket (and a prefix in it) of any S3-compatible store, written by rclone on the server. */
const s3Schema = z
  .object({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z, 0-9, . and -)')
      .meta({ description: 'The bucket (it must exist: gangway never creates one)', examples: ['acme-backups'] }),
    prefix: z
      .string()
      .refine((p) => !/[\0-\x1f\x7f]/.test(p), 'must not hold control characters')
      .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), 'must not hold . or .. segments')
      .optional()
      .meta({ description: 'The "directory" in the bucket the backup files go in', examples: ['shop/uploads'] }),
    endpoint: z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http:// or https:// URL')
      .optional()
      .meta({
        description: "The S3 API's URL for a store other than AWS (MinIO, Ceph, Wasabi, …); absent: AWS",
        examples: ['https://s3.eu-central-003.backblazeb2.com'],
      }),
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a region name such as eu-central-1')
      .optional()
      .meta({ description: "The region (AWS: the bucket's; others: as the store asks)", examples: ['eu-central-1'] }),
    access_key_env: envName('access key ID', 'BACKUP_S3_ACCESS_KEY'),
    secret_key_env: envName('secret access key', 'BACKUP_S3_SECRET_KEY'),
  })
  .strict()
  .meta({
    description:
      'An S3 bucket (AWS or any S3-compatible store), written by rclone on the server (Debian: apt-get install ' +
      'rclone; tested with 1.60), after each ' +
      'backup — `gangway backup` and scheduled runs alike',
  });

export const copyToSchema = z
  .object({
    sftp: z
      .string()
      .regex(SFTP, 'must be user@host:/absolute/dir (or user@host:port:/absolute/dir)')
      .optional()
      .meta({
        description: 'user@host:/dir (user@host:port:/dir for another port) where every backup file is copied',
        examples: ['backup@dr.example.com:/srv/backups/app'],
      }),
    fingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be an OpenSSH SHA256 fingerprint (SHA256:…)')
      .optional()
      .meta({
        description: "sftp: the copy host's key fingerprint; without it, the target's known_hosts decides",
        examples: ['SHA256:Qm1RsWg3cJZf9wVb0XkqK0a7y2nTzP3s4u5v6w7x8y9'],
      }),
    s3: s3Schema.optional(),
  })
  .strict()
  .optional()
  .meta({
    description:
      'Off-site copy, one of sftp or s3. After each backup and its retention, every backup file the copy lacks ' +
      'goes there and what retention pruned is deleted there; a restore takes a file the server lost from it. ' +
      "sftp: this machine copies after `gangway backup` (the target's SSH key and known_hosts; scheduled backups " +
      'are copied at the next `gangway backup`). s3: the server copies with rclone, after `gangway backup` and ' +
      'after each scheduled run',
  });

export type ParsedCopyTo = NonNullable<z.output<typeof copyToSchema>>;
