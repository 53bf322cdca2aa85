/**
 * Blue/green behind the shared proxy (gangway-proxy, Caddy): the proxied service starts in the idle colour
 * beside the serving one, is gated from the proxy's network, and takes the traffic in one atomic switch; the
 * rest of the stack is recreated. The strategy of a compose target with `proxy:` (bluegreen.sh on the server).
 */
import { fail, ok, warn } from '../../checklist.js';
import type { ComposeFile } from '../../compose/compose-file.js';
import type { ProxySettings } from '../../config/config.js';
import type { ProxyPlan } from '../../plan/plan-types.js';
import { formatProblem } from '../../errors.js';
import { appRouteFiles } from '../../proxy/caddy-route.js';
import { colourOverride } from '../../proxy/colour-override.js';
import { proxiedServiceProblems } from '../../proxy/compose-rules.js';
import { readProxyStatus } from '../../proxy/status.js';
import { lines, wholeSeconds, type ReleaseFile } from '../../server/release-files.js';
import { serverScript } from '../../server/scripts.js';
import { composeDeadlineMs, healthSummary, tagText, uploadedCompose } from '../plan-text.js';
import type { Strategy, StrategyRelease } from '../strategy.js';
import { canaryMaxMs, canaryPlanLine, canaryVars } from './canary-plan.js';
import { proxyCheck } from './proxy-conflicts.js';
import { endCanary } from '../../proxy/canary-state.js';
import { proxyTlsCheck } from './tls-check.js';

export const blueGreen: Strategy<'blue-green'> = {
  name: 'blue-green',
  planApply: (input) => {
    const { config, tag, releaseId } = input;
    const proxy = {
      ...proxyPlan(config.app, config.proxy!, uploadedCompose(input)),
      ...(input.endMaintenance && { endMaintenance: true }),
    };
    const p = proxy.settings;
    const h = p.health;
    const served = `${p.domains.length ? p.domains.join(', ') : 'any host name'} (tls ${p.tls})`;
    return {
      kind: 'apply',
      title: `apply detached on the server: blue/green for ${p.service} behind the proxy, gate before the switch`,
      health: config.health,
      keep: config.keep,
      strategy: 'blue-green',
      proxy,
      does: [
        `back up a changed <dir>/.env to .env.bak-YYYYMMDD-HHMMSS; put the release in place`,
        `IMAGE_TAG=${tagText(tag)} compose -p ${config.app} up -d --remove-orphans --scale ${p.service}=0 (the ` +
          `rest of the stack, changed services only)`,
        `proxy gangway-proxy (${p.image}) on ${p.listen.address ?? ''}:${p.listen.http}/:${p.listen.https}, ` +
          `routes for ${served}` +
          (p.metrics ? `; Prometheus metrics on ${p.metrics}` : ''),
        `IMAGE_TAG=${tagText(tag)} compose -p ${config.app}-<the idle colour> up -d ${p.service} beside the ` +
          `serving colour`,
        `gate: ${healthSummary(config.health)}; GET ${h.path} from the proxy's network ${h.passes}× in a row ` +
          `(every ${h.intervalMs} ms, within ${Math.round(h.timeoutMs / 1000)}s)`,
        ...canaryPlanLine(p),
        `pass: switch the traffic to the new colour (one atomic rename); ` +
          (p.standby === 'stopped'
            ? `after the record (the command returns), drain the old one up to ${Math.round(p.drainMs / 1000)}s, ` +
              `then stop it for a rollback`
            : 'keep the old one running for a rollback'),
        `fail: the serving colour keeps serving; the new colour is removed and the standby it took is made again ` +
          `from its release; the rest of the stack goes back`,
        proxy.endMaintenance
          ? 'maintenance mode (if on) ends once the new colour serves'
          : 'maintenance mode (if on) stays on (gangway maintenance off, or deploy --end-maintenance)',
        `record: <dir>/.gangway/releases.jsonl (strategy blue-green, colours, switch time); ` +
          `log: <dir>/.gangway/runs/${releaseId}.log`,
      ],
    };
  },
  deployHosts: (hosts) => hosts,
  pullsByDigest: true,
  ownImage: (step) => ({ image: step.proxy.settings.image, label: 'proxy image' }),
  // Two probes from the proxy (the release's and the put-back's), the drain and the canary's steps on top of
  // recreate's.
  deadlineMs: (step) =>
    composeDeadlineMs(
      step.health.timeoutMs,
      2 * step.proxy.settings.health.timeoutMs + step.proxy.settings.drainMs + canaryMaxMs(step.proxy.settings),
    ),
  release: (step) => ({ vars: proxyVars(step.proxy), files: blueGreenFiles(step.proxy) }),
  kept: { flag: 'colour', files: new Set(['colour.yml']) },
  readStatus: async (host, stateDir, config) => {
    const proxy = await readProxyStatus(host, stateDir, config.app);
    return { proxy, projects: [config.app, ...(proxy.serving ? [`${config.app}-${proxy.serving}`] : [])] };
  },
  // Blue/green runs the proxied service twice at once: what would clash is an error before anything changes.
  composeFileChecks: (files, config) => {
    const service = config.proxy!.service;
    const problems = proxiedServiceProblems(files, service);
    if (problems.length === 0) return [ok(`proxy service ${service}`, 'can run in two colours behind the proxy')];
    return problems.map((p) => fail(`proxy service ${service}`, formatProblem(p)));
  },
  needsComposeV2: 'proxy (blue/green)',
  maintenancePage: true,
  configChecks: (config) => {
    const tls = proxyTlsCheck(config.proxy!);
    return tls ? [tls] : [];
  },
  rollout: {
    // The deploy drains the new colour before it records: wait for it a drain and a health gate long.
    waitMs: (config) =>
      config.proxy?.canary ? config.proxy.drainMs + config.proxy.health.timeoutMs + 30_000 : undefined,
    end: endCanary,
  },
  colouredService: (config) => config.proxy!.service,
  traffic: (config) => ({
    domains: config.proxy!.domains,
    ...(config.proxy!.metrics && { metrics: config.proxy!.metrics }),
  }),
  // The routes of the other apps on this host's shared proxy.
  hostChecks: (host, config, dir) => ({
    after: host
      .resolvePath(dir)
      .then((resolved) => proxyCheck(host, config.app, resolved, config.proxy!))
      .catch((e: Error) => warn('proxy', `cannot read the routes of the shared proxy: ${e.message}`))
      .then((item) => [item]),
  }),
};

function proxyPlan(app: string, proxy: ProxySettings, files: ComposeFile[]): ProxyPlan {
  return { settings: proxy, colourFile: colourOverride(files, app, proxy.service), route: appRouteFiles(app, proxy) };
}

function blueGreenFiles(proxy: ProxyPlan): ReleaseFile[] {
  return [
    { name: 'bluegreen.sh', content: serverScript('bluegreen.sh'), mode: 0o644 },
    { name: 'standby.sh', content: serverScript('standby.sh'), mode: 0o644 },
    { name: 'proxy-metrics.sh', content: serverScript('proxy-metrics.sh'), mode: 0o644 },
    { name: 'canary.sh', content: serverScript('canary.sh'), mode: 0o644 },
    { name: 'colour.yml', content: proxy.colourFile, mode: 0o644 },
    { name: 'proxy-route.json', content: `${proxy.route.route}\n`, mode: 0o644 },
    { name: 'proxy-tls.json', content: proxy.route.tlsPolicy ? `${proxy.route.tlsPolicy}\n` : '', mode: 0o644 },
    // The host names the route matches (none: every one), for the next app's conflict check on this proxy.
    { name: 'proxy-domains', content: lines(proxy.settings.domains), mode: 0o644 },
  ];
}

function proxyVars(proxy: ProxyPlan): StrategyRelease['vars'] {
  const p = proxy.settings;
  return [
    ['STRATEGY', 'blue-green'],
    ['PROXY_SERVICE', p.service],
    ['PROXY_PORT', p.port],
    ['PROXY_IMAGE', p.image],
    ['PROXY_HTTP', p.listen.http],
    ['PROXY_HTTPS', p.listen.https],
    ['PROXY_ADDRESS', p.listen.address ?? ''],
    ['PROXY_PATH', p.health.path],
    // sleep takes fractions on GNU and busybox: 0.5 for 500ms
    ['PROXY_INTERVAL', String(p.health.intervalMs / 1000)],
    ['PROXY_PASSES', p.health.passes],
    ['PROXY_TIMEOUT', wholeSeconds(p.health.timeoutMs)],
    ['PROXY_DRAIN', Math.round(p.drainMs / 1000)],
    ['PROXY_STANDBY', p.standby],
    ['PROXY_SERVER', proxy.route.server],
    ['PROXY_ORDER', proxy.route.order],
    ['PROXY_METRICS', p.metrics ?? ''],
    ...canaryVars(p.canary),
    ['PROXY_END_MAINTENANCE', proxy.endMaintenance ? 1 : ''],
  ];
}
