/** What every command gets: the reporter, the global options, and the ways to reach config and hosts. */
import type { Config, Target } from '../config/config.js';
import { DEFAULT_CONFIG_FILE, loadConfig, selectTarget } from '../config/load.js';
import type { Host } from '../hosts/host.js';
import { closeEarlyHosts, takeEarlyHost } from '../hosts/early-hosts.js';
import { HostPool } from '../hosts/host-pool.js';
import { openHost } from '../hosts/open-host.js';
import type { HostSpec } from '../config/hosts.js';
import type { Reporter } from '../output/reporter.js';
import { registerConfigSecrets } from '../redact/register.js';
import type { Scrubber } from '../redact/scrubber.js';
import { ComposeByHost } from '../docker/compose-cli.js';
import { RunCounts } from '../util/run-counts.js';
import { promptHidden } from './prompt.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  color?: boolean;
  verbose?: number;
  acceptNewHostKey?: boolean;
}

export interface CommandContext {
  reporter: Reporter;
  /** The redaction layer: every secret found is added here, and every output passes through it. */
  scrubber: Scrubber;
  options: GlobalOptions;
  loadConfig(): Promise<Config>;
  target(config: Config, name: string | undefined): Target;
  /** The command's connection to a host (one per host, reused by every step; closed when the command ends). */
  openHost(target: Target, spec: HostSpec): Promise<Host>;
  /** A new connection after the old one broke. */
  reopenHost(target: Target, spec: HostSpec): Promise<Host>;
  closeHosts(): Promise<void>;
  /** Connections, round trips and processes of this run (printed at -vv). */
  counts: RunCounts;
  /** Which Compose each host has, found once per run (the preflight finds it, the deploy reuses it). */
  compose: ComposeByHost;
}

/** `command`: the command line that was run, without its target (`gangway deploy`), for suggestions. */
export function createContext(
  reporter: Reporter,
  scrubber: Scrubber,
  options: GlobalOptions,
  command?: string,
): CommandContext {
  const counts = new RunCounts();
  const specs = new Map<string, { target: Target; spec: HostSpec }>();
  const pool = new HostPool((key) => {
    const { target, spec } = specs.get(key)!;
    const connect = {
      acceptNewHostKey: options.acceptNewHostKey === true,
      warn: (m: string) => reporter.warn(m),
      ...(process.stdin.isTTY && { promptPassphrase: (file: string) => promptHidden(`Passphrase for ${file}: `) }),
    };
    // (a connection cli/early-connect.ts started for this very host and settings, when there is one)
    return takeEarlyHost(spec, target.ssh, connect) ?? openHost(spec, target.ssh, connect);
  }, counts);
  const keyOf = (target: Target, spec: HostSpec) => {
    const key = `${target.name}\0${spec.label}`;
    specs.set(key, { target, spec });
    return key;
  };
  return {
    reporter,
    scrubber,
    options,
    loadConfig: async () => {
      const config = await loadConfig(options.config ?? DEFAULT_CONFIG_FILE);
      registerConfigSecrets(scrubber, config);
      return config;
    },
    target: (config, name) => selectTarget(config, name, command),
    openHost: (target, spec) => pool.get(keyOf(target, spec)),
    reopenHost: (target, spec) => pool.reopen(keyOf(target, spec)),
    closeHosts: async () => {
      await Promise.all([pool.closeAll(), closeEarlyHosts()]);
    },
    counts,
    compose: new ComposeByHost(),
  };
}
