/**
 * Build mode: where the image is built from — the `build:` of the compose service whose image is
 * `<image.name>:${IMAGE_TAG}` (context relative to its compose file), else the project directory.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Config } from '../config/config.js';

export interface BuildSource {
  context: string;
  dockerfile?: string;
}

export async function buildSource(config: Config, image: string): Promise<BuildSource> {
  const name = image.slice(0, image.lastIndexOf(':'));
  for (const file of [...config.compose].reverse()) {
    const doc = parse(await readFile(file, 'utf8')) as { services?: Record<string, { image?: unknown; build?: unknown }> } | null;
    for (const service of Object.values(doc?.services ?? {})) {
      if (typeof service?.image !== 'string' || !service.image.startsWith(`${name}:`) || service.build === undefined) continue;
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
