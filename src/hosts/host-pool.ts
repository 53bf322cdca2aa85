/**
 * One connection per host for a whole command: preflight, delivery, upload and the apply all reuse it.
 * Callers get a lease whose close() does nothing; the pool closes every connection when the command ends.
 */
import type { Readable } from 'node:stream';
import type { RunCounts } from '../util/run-counts.js';
import type { ExecOptions, ExecResult, Host, WriteOptions } from './host.js';

export class HostPool {
  private readonly hosts = new Map<string, Promise<Host>>();

  /** `counts`: where each connection, command and file is counted (gangway -vv). */
  constructor(
    private readonly connect: (key: string) => Promise<Host>,
    private readonly counts?: RunCounts,
  ) {}

  /** The pooled connection for `key`, opened on first use. A failed attempt is not cached. */
  get(key: string): Promise<Host> {
    let host = this.hosts.get(key);
    if (!host) {
      host = this.connect(key);
      host.then(
        (h) => this.counts?.connection(h.label),
        () => {},
      );
      this.hosts.set(key, host);
      host.catch(() => this.hosts.delete(key));
    }
    return host.then((h) => new Lease(h, this.counts));
  }

  /** Drop the current connection (it broke) and open a new one. */
  async reopen(key: string): Promise<Host> {
    const old = this.hosts.get(key);
    this.hosts.delete(key);
    await old?.then((h) => h.close()).catch(() => {});
    return this.get(key);
  }

  async closeAll(): Promise<void> {
    const all = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(all.map((h) => h.then((x) => x.close()).catch(() => {})));
  }
}

/** A Host that forwards everything to the pooled one, except close(). */
class Lease implements Host {
  constructor(
    private readonly host: Host,
    private readonly counts?: RunCounts,
  ) {}
  get label(): string {
    return this.host.label;
  }
  get kind(): Host['kind'] {
    return this.host.kind;
  }
  get hostKey(): Host['hostKey'] {
    return this.host.hostKey;
  }
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.counts?.exec(this.host.label, argv, options?.stdin);
    return this.host.exec(argv, options);
  }
  writeFileAtomic(path: string, content: string | Buffer | Readable, options?: WriteOptions): Promise<void> {
    this.counts?.file(this.host.label);
    return this.host.writeFileAtomic(path, content, options);
  }
  uploadFile(localPath: string, remotePath: string, options?: WriteOptions): Promise<void> {
    this.counts?.file(this.host.label);
    return this.host.uploadFile(localPath, remotePath, options);
  }
  readFile(path: string): Promise<Buffer> {
    this.counts?.file(this.host.label);
    return this.host.readFile(path);
  }
  resolvePath(path: string): Promise<string> {
    return this.host.resolvePath(path);
  }
  async close(): Promise<void> {}
}
