/**
 * The dashboard's state and its subscribers: each target's `status` and `releases` documents (read by running the
 * CLI), the one action that may run at a time with its step log, and the server-sent-event streams that get every
 * change. Everything leaves through the scrubber.
 */
import { scrubDeep } from '../redact/scrubber.js';
import { actionArgs, describeAction, type ActionRequest } from './actions.js';
import type { CliRunner } from './cli-runner.js';

export interface TargetState {
  name: string;
  hosts: string[];
  /** `gangway status --json`: verdict, reasons, tags, lock, backups, drift per host. */
  status?: Record<string, unknown>;
  /** `gangway releases --json`: each host's history, newest first. */
  releases?: Record<string, unknown>;
  /** Why a read failed (its last progress line). */
  error?: string;
  refreshedAt?: string;
}

export interface ActionState {
  id: number;
  kind: ActionRequest['kind'];
  target: string;
  title: string;
  started: string;
  finished?: string;
  /** The CLI's exit code (0 success, 1 failed, 4 lock held, …). */
  code?: number;
  /** Its result line: the error message or a summary. */
  outcome?: string;
  log: string[];
}

export interface Snapshot {
  app: string;
  config: string;
  targets: TargetState[];
  action?: ActionState;
  refreshing: boolean;
}

type Send = (event: 'snapshot' | 'log', data: unknown) => void;

const READ_TIMEOUT_MS = 120_000;
const MAX_LOG_LINES = 2000;

export class BusyError extends Error {}

export class Hub {
  private readonly clients = new Set<Send>();
  private readonly targets: TargetState[];
  private action: ActionState | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private nextId = 1;
  /** When the last refresh ended (ms since the epoch), for the caller's polling. */
  lastRefreshAt = 0;

  constructor(
    private readonly app: string,
    private readonly configPath: string,
    targets: { name: string; hosts: string[] }[],
    private readonly cli: CliRunner,
    private readonly scrub: (text: string) => string,
  ) {
    this.targets = targets.map((t) => ({ name: t.name, hosts: t.hosts }));
  }

  snapshot(): Snapshot {
    const snapshot: Snapshot = {
      app: this.app,
      config: this.configPath,
      targets: this.targets,
      ...(this.action && { action: this.action }),
      refreshing: this.refreshing !== undefined,
    };
    return scrubDeep(snapshot, this.scrub) as Snapshot;
  }

  get running(): boolean {
    return this.action !== undefined && this.action.finished === undefined;
  }

  get subscribers(): number {
    return this.clients.size;
  }

  subscribe(send: Send): () => void {
    this.clients.add(send);
    send('snapshot', this.snapshot());
    return () => this.clients.delete(send);
  }

  /** Read every target again; a refresh asked for while one runs runs once more after it. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        this.broadcast('snapshot', this.snapshot());
        await Promise.all(this.targets.map((t) => this.readTarget(t)));
      } while (this.refreshAgain);
      this.refreshing = undefined;
      this.lastRefreshAt = Date.now();
      this.broadcast('snapshot', this.snapshot());
    })();
    return this.refreshing;
  }

  /** Start an action (one at a time): the CLI runs it; its lines stream as `log` events. */
  start(request: ActionRequest): ActionState {
    if (this.running) throw new BusyError(`${this.action!.title} is still running`);
    const action: ActionState = {
      id: this.nextId++,
      kind: request.kind,
      target: request.target,
      title: describeAction(request),
      started: new Date().toISOString(),
      log: [],
    };
    this.action = action;
    this.broadcast('snapshot', this.snapshot());
    // Soon after the start, the page sees the lock taken and the release moving.
    setTimeout(() => void this.refresh(), 2_000).unref();
    void this.cli(actionArgs(request), {
      onLine: (line) => {
        if (action.log.length < MAX_LOG_LINES) action.log.push(line);
        this.broadcast('log', { id: action.id, line: this.scrub(line) });
      },
    }).then(async (run) => {
      action.code = run.code;
      const error = run.document?.error as { message?: string } | undefined;
      action.outcome = run.code === 0 ? 'succeeded' : (error?.message ?? run.lastLine);
      action.finished = new Date().toISOString();
      this.broadcast('snapshot', this.snapshot());
      await this.refresh();
    });
    return action;
  }

  private async readTarget(t: TargetState): Promise<void> {
    const [status, releases] = await Promise.all([
      this.cli(['status', t.name, '--no-notify'], { timeoutMs: READ_TIMEOUT_MS }),
      this.cli(['releases', t.name, '--limit', '10'], { timeoutMs: READ_TIMEOUT_MS }),
    ]);
    // status exits 1 on NO-GO with the same document (and an error naming the reasons): both are a reading.
    if (status.document?.hosts) t.status = status.document;
    if (releases.document?.hosts) t.releases = releases.document;
    const failed = [status, releases].find((r) => r.document === undefined || (r.code !== 0 && !r.document.hosts));
    if (failed) t.error = (failed.document?.error as { message?: string } | undefined)?.message ?? failed.lastLine;
    else delete t.error;
    t.refreshedAt = new Date().toISOString();
    this.broadcast('snapshot', this.snapshot());
  }

  private broadcast(event: 'snapshot' | 'log', data: unknown): void {
    for (const send of this.clients) send(event, data);
  }
}
