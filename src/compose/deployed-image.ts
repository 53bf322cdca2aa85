/**
 * Which image of a compose project gangway deploys, read from the compose files: `init` writes `image.name` from
 * it, and `check` warns when no service would take the tag gangway sets (a deploy would then change nothing).
 */
import { interpolateTemplate, type Lookup } from '../env/interpolate.js';
import type { ComposeService } from './services.js';

export interface DeployedImage {
  service: string;
  /** The image name without its tag, as written (no variables in it). */
  name: string;
  /** The service's image takes its tag from IMAGE_TAG. */
  usesTag: boolean;
}

/**
 * A reference split at its tag: the colon after the last slash (a registry's port comes before a slash), outside
 * any `${…}` (whose `:?`/`:-` operators have colons of their own).
 */
export function splitImageReference(reference: string): { name: string; tag?: string } {
  let depth = 0;
  let slash = -1;
  let colon = -1;
  let end = reference.length;
  for (let i = 0; i < reference.length; i++) {
    const c = reference[i];
    if (c === '$' && reference[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) depth--;
    else if (depth === 0 && c === '/') slash = i;
    else if (depth === 0 && c === ':') colon = i;
    else if (depth === 0 && c === '@') {
      end = i;
      break;
    }
  }
  const withoutDigest = reference.slice(0, end);
  if (colon <= slash || colon >= end) return { name: withoutDigest };
  return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
}

const IMAGE_TAG_REF = /^\$\{?IMAGE_TAG\b/;

/**
 * The image gangway should deploy: a service whose image's tag is `${IMAGE_TAG…}` first, else the first service
 * with `build:` and an image name without variables. Names with variables cannot be written as `image.name`.
 */
export function deployedImage(services: ReadonlyMap<string, ComposeService>): DeployedImage | undefined {
  const candidates: DeployedImage[] = [];
  for (const [service, s] of services) {
    if (!s.image) continue;
    const { name, tag } = splitImageReference(s.image);
    if (name === '' || name.includes('$')) continue;
    const usesTag = tag !== undefined && IMAGE_TAG_REF.test(tag);
    if (usesTag || s.build) candidates.push({ service, name, usesTag });
  }
  return candidates.find((c) => c.usesTag) ?? candidates[0];
}

/** The services whose image, interpolated with `lookup`, is `imageName` at the tag gangway sets. */
export function servicesTakingTheTag(
  services: ReadonlyMap<string, ComposeService>,
  imageName: string,
  lookup: Lookup,
): string[] {
  const sentinel = 'gangway-tag-probe';
  const withSentinel: Lookup = (name) => (name === 'IMAGE_TAG' ? sentinel : lookup(name));
  const found: string[] = [];
  for (const [service, s] of services) {
    if (!s.image) continue;
    const r = interpolateTemplate(s.image, withSentinel);
    if (!r.error && r.value === `${imageName}:${sentinel}`) found.push(service);
  }
  return found;
}

/** Services whose image is `:latest` or has no tag at all (which Docker reads as `:latest`). */
export function latestImages(
  services: ReadonlyMap<string, ComposeService>,
  lookup: Lookup,
): { service: string; image: string }[] {
  const found: { service: string; image: string }[] = [];
  for (const [service, s] of services) {
    if (!s.image || s.image.includes('@')) continue; // pinned by digest
    const r = interpolateTemplate(s.image, lookup);
    if (r.error) continue;
    const { tag } = splitImageReference(r.value);
    if (tag === undefined || tag === 'latest') found.push({ service, image: r.value });
  }
  return found;
}
