/**
 * Build mode: where the image is built from — the `build:` of the compose service whose image is
 * `<image.name>:${IMAGE_TAG}` (context relative to its compose file), else the project directory — and which
 * files it must never send.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Config } from '../config/config.js';

export interface BuildSource {
  context: string;
  dockerfile?: string;
  /** Absolute paths of the files holding secret values: the env file, and the .env of each local target. */
  exclude: string[];
}

export async function buildSource(config: Config, image: string): Promise<BuildSource> {
  return { ...(await contextOf(config, image)), exclude: secretFiles(config) };
}

async function contextOf(config: Config, image: string): Promise<Omit<BuildSource, 'exclude'>> {
  const name = image.slice(0, image.lastIndexOf(':'));
  for (const file of [...config.compose].reverse()) {
    const doc = parse(await readFile(file, 'utf8')) as {
      services?: Record<string, { image?: unknown; build?: unknown }>;
    } | null;
    for (const service of Object.values(doc?.services ?? {})) {
      if (typeof service?.image !== 'string' || !service.image.startsWith(`${name}:`) || service.build === undefined)
        continue;
      const build = service.build;
      if (typeof build === 'string') return { context: resolve(dirname(file), build) };
      if (build && typeof build === 'object') {
        const b = build as { context?: unknown; dockerfile?: unknown };
        return {
          context: resolve(dirname(file), typeof b.context === 'string' ? b.context : '.'),
          ...(typeof b.dockerfile === 'string' && { dockerfile: b.dockerfile }),
        };
      }
    }
  }
  return { context: config.baseDir };
}

function secretFiles(config: Config): string[] {
  const local = Object.values(config.targets).filter((t) => t.hosts.every((h) => h.kind === 'local'));
  return [...(config.env ? [config.env.file] : []), ...local.map((t) => join(t.dir, '.env'))];
}
