/**
 * The parts of a `backups:` entry for file backups (`kind: files`: `paths`) and off-site copies (`copy_to`). Kept
 * apart from schema.ts, which only places them.
 */
import { z } from 'zod';

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

export const copyToSchema = z
  .object({
    sftp: z
      .string()
      .regex(SFTP, 'must be user@host:/absolute/dir (or user@host:port:/absolute/dir)')
      .meta({
        description: 'user@host:/dir (user@host:port:/dir for another port) where every backup file is copied',
        examples: ['backup@dr.example.com:/srv/backups/app'],
      }),
    fingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be an OpenSSH SHA256 fingerprint (SHA256:…)')
      .optional()
      .meta({
        description: "The copy host's key fingerprint; without it, the target's known_hosts decides (as for deploys)",
        examples: ['SHA256:Qm1RsWg3cJZf9wVb0XkqK0a7y2nTzP3s4u5v6w7x8y9'],
      }),
  })
  .strict()
  .optional()
  .meta({
    description:
      'Off-site copy: after each `gangway backup` (and its retention), this machine copies the backup files ' +
      'over SFTP ' +
      "(the target's SSH key and known_hosts) and deletes there what retention pruned",
  });

export type ParsedCopyTo = NonNullable<z.output<typeof copyToSchema>>;
