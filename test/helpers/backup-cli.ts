/**
 * For the backup integration tests: the CLI on one project with every output kept (each file scans them all for
 * canaries at its end), its JSON answers, and the project's backup log on the server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gangway, type CliResult } from './cli.js';
import type { DeployProject } from './deploy-project.js';

/** `gangway -c <config> …` with `env` (by default `defaults`); stdout and stderr kept in `outputs` under `label`. */
export function keptRuns(outputs: Record<string, string>, config: () => string, defaults: NodeJS.ProcessEnv = {}) {
  return (label: string, args: string[], env: NodeJS.ProcessEnv = defaults): CliResult => {
    const r = gangway(['-c', config(), ...args], { env });
    outputs[`${label} stdout`] = r.stdout;
    outputs[`${label} stderr`] = r.stderr;
    return r;
  };
}

/** A `--json` run's answer. */
export const json = <T>(r: CliResult) => JSON.parse(r.stdout) as T;
/** The shape of a `--json` answer: one entry a host. */
export type Hosts<T> = { hosts: T[] };

/** The project's backups.jsonl on the server. */
export const backupLog = (p: DeployProject) => join(p.serverDir, '.gangway', 'backups.jsonl');

/** The records of backups.jsonl, oldest first. */
export function backupRecords(p: DeployProject): Record<string, unknown>[] {
  return readFileSync(backupLog(p), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
