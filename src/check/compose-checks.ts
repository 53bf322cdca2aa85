/**
 * Local compose checks, values never printed: the files parse and match the compose-spec schema, every
 * `${VAR}` resolves from the env file + IMAGE_TAG, every health-gated service exists and has a healthcheck, and
 * the strategy's own rules on the files.
 */
import { relative } from 'node:path';
import type { Config } from '../config/config.js';
import { didYouMean } from '../config/did-you-mean.js';
import { loadComposeFiles, type ComposeFile } from '../compose/compose-file.js';
import { latestImages, servicesTakingTheTag } from '../compose/deployed-image.js';
import { composeServices, type ComposeService } from '../compose/services.js';
import { validateCompose } from '../compose/validate.js';
import { composeVariables, invalidInterpolations, unresolvedVariables } from '../compose/variables.js';
import { interpolateTemplate } from '../env/interpolate.js';
import type { EnvEntry } from '../env/parse.js';
import { formatProblem, type ConfigProblem } from '../errors.js';
import { LocalHost } from '../hosts/local-host.js';
import type { Strategy } from '../strategy/strategy.js';
import { fail, ok, warn, type CheckItem } from '../checklist.js';
import { checkImageTag } from './compose-config.js';

export async function composeChecks(
  config: Config,
  strategy: Pick<Strategy, 'composeFileChecks'>,
  envEntries: readonly EnvEntry[] | undefined,
  tag = checkImageTag(config),
): Promise<CheckItem[]> {
  const { files, problems } = await loadComposeFiles(config.compose, config.baseDir);
  const items: CheckItem[] = problems.map((p) => fail('compose file', formatProblem(p)));
  if (files.length < config.compose.length) return items; // unreadable or unparsable: the rest would only repeat it

  const values = new Map<string, string>((envEntries ?? []).map((e) => [e.key, e.value]));
  values.set('IMAGE_TAG', tag);
  const lookup = (name: string) => values.get(name);

  const schemaProblems: ConfigProblem[] = [
    ...files.flatMap((f) => validateCompose(f, lookup)),
    ...invalidInterpolations(files),
  ];
  for (const p of schemaProblems) items.push(fail('compose schema', formatProblem(p)));
  if (schemaProblems.length === 0) {
    const names = files.map((f) => relative(config.baseDir, f.path) || f.path).join(', ');
    items.push(ok('compose schema', `${names} valid against the compose-spec schema`));
  }

  const refs = composeVariables(files);
  const unresolved = unresolvedVariables(
    refs,
    (n) => values.has(n),
    (n) => (values.get(n) ?? '') !== '',
  );
  for (const p of unresolved) items.push((p.severity === 'error' ? fail : warn)('compose variables', formatProblem(p)));
  if (unresolved.length === 0) {
    const distinct = new Set(refs.filter((r) => !r.inKey).map((r) => r.name)).size;
    items.push(
      ok(
        'compose variables',
        `all ${distinct} variables resolve from the env file${values.has('IMAGE_TAG') ? ' and IMAGE_TAG' : ''}`,
      ),
    );
  }

  items.push(...imageChecks(config, files, lookup));
  items.push(...(await healthServiceChecks(config, files, lookup)));
  items.push(...(strategy.composeFileChecks?.(files, config) ?? []));
  return items;
}

/**
 * The tag gangway deploys reaches Compose only through `${IMAGE_TAG}`: without a service whose image is
 * `image.name:${IMAGE_TAG}`, a deploy would run what ran before. `:latest` cannot be rolled back to.
 */
function imageChecks(config: Config, files: ComposeFile[], lookup: (name: string) => string | undefined): CheckItem[] {
  const services = composeServices(files);
  const items: CheckItem[] = [];
  if (config.image) {
    const name = config.image.name;
    const taking = servicesTakingTheTag(services, name, lookup);
    items.push(
      taking.length > 0
        ? ok('image tag', `${taking.join(', ')} run${taking.length === 1 ? 's' : ''} ${name}:\${IMAGE_TAG}`)
        : warn(
            'image tag',
            `no service's image is ${name}:\${IMAGE_TAG}, so the tag gangway deploys would change nothing: ` +
              `write image: ${name}:\${IMAGE_TAG:?} in the compose file (or fix image.name in gangway.yml)`,
          ),
    );
  }
  for (const { service, image } of latestImages(services, lookup)) {
    items.push(
      warn(
        `image of ${service}`,
        `${image} is the moving tag latest: a rollback cannot bring back what ran before; pin a version`,
      ),
    );
  }
  return items;
}

async function healthServiceChecks(
  config: Config,
  files: ComposeFile[],
  lookup: (name: string) => string | undefined,
): Promise<CheckItem[]> {
  const services = composeServices(files);
  const items: CheckItem[] = [];
  for (const name of config.health.services) {
    const service = services.get(name);
    const title = `health service ${name}`;
    if (!service) {
      const suggestion = didYouMean(name, [...services.keys()]);
      items.push(
        fail(
          title,
          `not a service of the compose files${suggestion ? `; did you mean "${suggestion}"?` : ''} (services: ` +
            `${[...services.keys()].join(', ')})`,
        ),
      );
    } else if (service.healthcheck === 'defined') {
      items.push(ok(title, 'has a healthcheck in the compose file'));
    } else if (service.healthcheck === 'disabled') {
      items.push(fail(title, 'its healthcheck is disabled, so the health gate could never pass'));
    } else {
      items.push(await imageHealthcheck(title, service, lookup));
    }
  }
  return items;
}

/** No healthcheck in compose: the image's own HEALTHCHECK decides — knowable only if the image is here. */
async function imageHealthcheck(
  title: string,
  service: ComposeService,
  lookup: (name: string) => string | undefined,
): Promise<CheckItem> {
  const unknown = warn(
    title,
    'no healthcheck in the compose file; whether the image has one is unknown until the image is on the host',
  );
  if (!service.image) return unknown;
  const image = interpolateTemplate(service.image, lookup);
  if (image.error || image.unsetUsed.length > 0) return unknown;
  const r = await new LocalHost()
    .exec(['docker', 'image', 'inspect', '--format', '{{json .Config.Healthcheck}}', image.value], {
      timeoutMs: 15_000,
    })
    .catch(() => undefined);
  if (r?.code !== 0) return unknown;
  const healthcheck = JSON.parse(r.stdout.trim() || 'null') as { Test?: string[] } | null;
  if (healthcheck?.Test && healthcheck.Test[0] !== 'NONE')
    return ok(title, `the image ${image.value} has a HEALTHCHECK`);
  return fail(title, `neither the compose file nor the image ${image.value} defines a healthcheck`);
}
