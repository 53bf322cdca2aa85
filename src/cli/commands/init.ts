/** `gangway init`: scaffold gangway.yml, an env template from an existing .env, and .gitignore lines. */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { loadComposeFiles } from '../../compose/compose-file.js';
import { deployedImage } from '../../compose/deployed-image.js';
import { composeServices } from '../../compose/services.js';
import { UsageError } from '../../errors.js';
import { pathExists } from '../../util/fs.js';
import { parseEnv } from '../../env/parse.js';
import {
  appNameFrom,
  envTemplate,
  gangwayYaml,
  LOCAL_SCHEMA,
  missingGitignoreLines,
  schemaRef,
  type ScaffoldInput,
} from '../../init/scaffold.js';
import { VERSION } from '../../version.js';
import type { CommandContext } from '../context.js';

const COMPOSE_CANDIDATES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export async function runInit(ctx: CommandContext, options: { envFile: string; force: boolean }): Promise<void> {
  const { reporter } = ctx;
  const configPath = resolve(ctx.options.config ?? 'gangway.yml');
  const projectDir = dirname(configPath);
  if ((await pathExists(configPath)) && !options.force) {
    throw new UsageError(
      `${relative(process.cwd(), configPath) || configPath} already exists (use --force to overwrite)`,
    );
  }
  const written: string[] = [];
  const composeFile = (await firstExisting(projectDir, COMPOSE_CANDIDATES)) ?? 'docker-compose.yml';

  let envFile: string | undefined;
  let templateFile: string | undefined;
  const envPath = resolve(projectDir, options.envFile);
  if (await pathExists(envPath)) {
    envFile = toPosix(relative(projectDir, envPath));
    templateFile = `${envFile}.template`;
    const templatePath = resolve(projectDir, templateFile);
    if (await pathExists(templatePath)) {
      reporter.item('skip', templateFile, 'exists; left as it is');
    } else {
      const { entries } = parseEnv(await readFile(envPath, 'utf8'));
      const keys = [...new Set(entries.map((e) => e.key))];
      await writeFile(templatePath, envTemplate(keys, envFile), { flag: 'wx' });
      reporter.item('ok', templateFile, `${keys.length} keys from ${envFile}, no values`);
      written.push(templateFile);
    }
  }

  const app = appNameFrom(basename(projectDir));
  const schema = schemaRef(projectDir, await localInstallRoot(projectDir), VERSION);
  const env = envFile && { envFile, templateFile };
  const fromCompose = await readCompose(resolve(projectDir, composeFile), projectDir);
  await writeFile(configPath, gangwayYaml({ app, composeFile, ...env, ...fromCompose, schemaRef: schema }));
  reporter.item(
    'ok',
    relative(process.cwd(), configPath) || configPath,
    `compose: ${composeFile}${envFile ? `, env: ${envFile}` : ''}` +
      (fromCompose.image ? `, image: ${fromCompose.image.name} (service ${fromCompose.image.service})` : ''),
  );
  written.push(basename(configPath));

  const gitignore = resolve(projectDir, '.gitignore');
  const existing = (await pathExists(gitignore)) ? await readFile(gitignore, 'utf8') : '';
  const lines = missingGitignoreLines(existing, envFile, templateFile);
  if (lines.length > 0) {
    const prefix = existing === '' || existing.endsWith('\n') ? '' : '\n';
    await appendFile(
      gitignore,
      `${prefix}# gangway: env files with real values, backups and local state stay out of git\n${lines.join('\n')}\n`,
    );
    reporter.item('ok', '.gitignore', `added ${lines.join(' ')}`);
    written.push('.gitignore');
  }
  reporter.info('\nNext: edit gangway.yml, then run `gangway check`.');
  reporter.result({ ok: true, written });
}

/**
 * The directory whose node_modules holds gangway, from gangway.yml's directory up to the repository root
 * (as node resolves it); none above the repository, where teammates would not have it.
 */
async function localInstallRoot(configDir: string): Promise<string | undefined> {
  for (let dir = configDir; ; dir = dirname(dir)) {
    if (await pathExists(join(dir, LOCAL_SCHEMA))) return dir;
    if ((await pathExists(join(dir, '.git'))) || dirname(dir) === dir) return undefined;
  }
}

/** The image and health-gated services the compose file suggests; nothing when it is missing or unreadable. */
async function readCompose(
  path: string,
  projectDir: string,
): Promise<{ image?: ScaffoldInput['image']; healthServices?: string[] }> {
  if (!(await pathExists(path))) return {};
  const { files } = await loadComposeFiles([path], projectDir);
  if (files.length === 0) return {};
  const services = composeServices(files);
  const healthServices = [...services].filter(([, s]) => s.healthcheck === 'defined').map(([name]) => name);
  const image = deployedImage(services);
  if (!image) return { healthServices };
  // A name without a registry host is built here and shipped over SSH; one with a host is pulled from there.
  const firstPart = image.name.split('/')[0]!;
  const hasRegistry = image.name.includes('/') && (/[.:]/.test(firstPart) || firstPart === 'localhost');
  const build = services.get(image.service)?.build === true;
  const delivery = build && !hasRegistry ? 'archive' : 'registry';
  return { image: { name: image.name, service: image.service, delivery, ...(build && { build }) }, healthServices };
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of names) if (await pathExists(resolve(dir, name))) return name;
  return undefined;
}
