/** Local preflight: the files gangway.yml names exist and are readable. */
import { access, constants, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Config, Target } from '../config/config.js';
import { formatBytes } from '../output/reporter.js';
import { fail, ok, warn, type CheckItem } from '../checklist.js';
import { strategyFor } from '../strategy/index.js';

export async function localChecks(config: Config, target: Target): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const show = (p: string) => relative(config.baseDir, p) || p;
  const file = async (title: string, path: string, describe?: (size: number) => string) => {
    try {
      await access(path, constants.R_OK);
      const { size, isFile } = await stat(path).then((s) => ({ size: s.size, isFile: s.isFile() }));
      items.push(
        isFile
          ? ok(title, describe ? describe(size) : `${show(path)} readable`)
          : fail(title, `${show(path)} is not a file`),
      );
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      items.push(fail(title, `${show(path)} ${code === 'ENOENT' ? 'not found' : `cannot be read (${code})`}`));
    }
  };
  for (const compose of config.compose) await file('compose file', compose);
  if (config.env) {
    await file('env file', config.env.file);
    if (config.env.template) await file('env template', config.env.template);
  }
  if (config.image?.delivery === 'archive' && config.image.archive) {
    await file('image archive', config.image.archive, (size) => `${show(config.image!.archive!)} ${formatBytes(size)}`);
  }
  if (target.hosts.length > 1 && target.rollout.onFailure === 'rollback_all' && config.keep < 2)
    items.push(
      warn(
        'rollout',
        'keep: 1 prunes the release a host would go back to when another host fails; use keep: 2 or more',
      ),
    );
  items.push(...(strategyFor(config, target).configChecks?.(config) ?? []));
  const needsSsh = target.hosts.some((h) => h.kind === 'ssh');
  if (needsSsh && target.ssh.key) items.push(await keyCheck(target.ssh.key));
  return items;
}

async function keyCheck(key: string): Promise<CheckItem> {
  try {
    const { mode } = await stat(key);
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      return warn(
        'SSH key',
        `${key} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
      );
    }
    return ok(
      'SSH key',
      `${key} present, permissions ${process.platform === 'win32' ? 'not checked on Windows' : 'private'}`,
    );
  } catch {
    return fail('SSH key', `${key} not found`);
  }
}
