/**
 * The label selectors the rules and the dashboard share. `gangway monitoring scrape` gives every series it
 * scrapes the labels gangway_app, gangway_target and gangway_host (own names: node_exporter's textfile metrics
 * carry `app`, and Caddy's per-host metrics carry `host`), so a rule picks one app's target by label.
 */
import type { Traffic } from '../strategy/strategy.js';

export const LABEL = { app: 'gangway_app', target: 'gangway_target', host: 'gangway_host' } as const;

/** PromQL string literal content: backslashes and double quotes escaped. */
export const promString = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** A target by name, or by a regular expression (a dashboard's `$target` variable). */
export type TargetMatch = string | { regex: string };

/** The labels of one app's target, for a selector: `gangway_app="shop",gangway_target="prod"`. */
export function scopeMatchers(app: string, target: TargetMatch): string {
  const t = typeof target === 'string' ? `="${promString(target)}"` : `=~"${promString(target.regex)}"`;
  return `${LABEL.app}="${promString(app)}",${LABEL.target}${t}`;
}

/** Filesystems that are not the host's disks: in-memory, images' layers, snaps. */
export const REAL_FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*",mountpoint!~"/(run|proc|sys|dev)(/.*)?"';

const regexQuote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The app's requests in Caddy's metrics. Caddy counts a request once per handler it passes; the app's route
 * starts with a `subroute` handler, so counting that one counts each request once. Apps are told apart by the
 * `host` label (Caddy 2.9 and later, per_host; gangway turns it on): the app's domains. Older Caddy has no host
 * label (the empty alternative matches it): there the numbers are the whole proxy's, exact when one app uses it.
 * An app without domains (every host name) takes every host label too.
 */
export function proxyMatchers(app: string, target: TargetMatch, traffic: Traffic | undefined): string {
  const domains = traffic?.domains ?? [];
  const names = domains.map((d) => (d.startsWith('*.') ? `[^.]+${regexQuote(d.slice(1))}` : regexQuote(d)));
  const hosts = names.length ? `((${names.join('|')})(:[0-9]+)?)?` : '.*';
  return `${scopeMatchers(app, target)},server=~"gangway-https?",handler="subroute",host=~"${promString(hosts)}"`;
}
