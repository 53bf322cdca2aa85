/**
 * A server over SSH: one connection reused for every step, at most `maxChannels` channels at once,
 * one SFTP session for files.
 */
import { posix } from 'node:path';
import type { ClientChannel, SFTPWrapper } from 'ssh2';
import { ExecTimeoutError, GangwayError, ExitCode } from '../../errors.js';
import { quoteArgv } from '../../shell/quote.js';
import { Semaphore } from '../../util/semaphore.js';
import type { ExecOptions, ExecResult, Host, WriteOptions } from '../host.js';
import { AtomicWriter, tempNameFor } from '../atomic-writer.js';
import { feedStdin, OutputCollector } from '../output-collector.js';
import type { SshConnection } from './connect.js';
import { openSftpFile, sftpCall, type SftpFile } from './sftp.js';

export class SshHost extends AtomicWriter implements Host {
  readonly kind = 'ssh' as const;
  private readonly channels: Semaphore;
  private sftpSession?: Promise<SFTPWrapper>;
  private home?: Promise<string>;

  constructor(
    readonly label: string,
    private readonly connection: SshConnection,
    maxChannels = 8,
  ) {
    super();
    // One channel stays with the SFTP session once it is open.
    this.channels = new Semaphore(Math.max(1, maxChannels - 1));
  }

  get hostKey(): SshConnection['hostKey'] {
    return this.connection.hostKey;
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = quoteArgv(argv);
    return this.channels.use(
      () =>
        new Promise<ExecResult>((resolve, reject) => {
          this.connection.client.exec(command, (err, channel) => {
            if (err) return reject(this.channelError(err, argv[0]!));
            this.runOnChannel(channel, argv[0]!, options).then(resolve, reject);
          });
        }),
    );
  }

  private runOnChannel(channel: ClientChannel, what: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const output = new OutputCollector(options.onStdout, options.onStderr, options.keepStdout);
      if (options.stdout) channel.pipe(options.stdout);
      else channel.on('data', output.stdout);
      channel.stderr.on('data', output.stderr);
      let code: number | null = null;
      let signal: string | undefined;
      channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
        code = exitCode;
        if (exitSignal) signal = exitSignal;
      });
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      // Best effort: sshd delivers the signal only with privilege separation, so the caller is not kept
      // waiting for the remote process — the promise settles now and the channel is closed.
      const stop = (error: Error) => {
        channel.signal('KILL');
        channel.close();
        finish(() => reject(error));
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => stop(new ExecTimeoutError(this.label, what, options.timeoutMs!)), options.timeoutMs);
      const onAbort = () =>
        stop(new GangwayError('E_ABORTED', ExitCode.failed, `${this.label}: ${what} was interrupted`));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      channel.on('close', () => finish(() => resolve({ code, ...(signal && { signal }), ...output.text })));
      feedStdin(channel, options.stdin);
    });
  }

  private channelError(err: Error, what: string): Error {
    return new GangwayError(
      'E_SSH_CHANNEL',
      ExitCode.failed,
      `${this.label}: could not start ${what}: ${err.message}`,
      { cause: err },
    );
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((resolve, reject) =>
      this.connection.client.sftp((err, sftp) =>
        err ? reject(this.channelError(err, 'the SFTP subsystem')) : resolve(sftp),
      ),
    );
    return this.sftpSession;
  }

  protected async writeStreamAtomic(path: string, source: AsyncIterable<Buffer>, options: WriteOptions): Promise<void> {
    const sftp = await this.sftp();
    const target = await this.resolvePath(path);
    const temp = posix.join(posix.dirname(target), tempNameFor(posix.basename(target)));
    // Created exclusively with 0600 (sftp-server applies it at open), so it is never readable by others.
    let file: SftpFile | undefined;
    try {
      file = await openSftpFile(sftp, temp, 'wx', 0o600);
      await file.writeAll(source);
      await file.fsync();
      if (options.mode !== undefined && options.mode !== 0o600) await file.chmod(options.mode);
      await file.close();
      // posix-rename@openssh.com: atomic replace
      await sftpCall<void>((cb) => sftp.ext_openssh_rename(temp, target, cb));
    } catch (e) {
      if (file) {
        await file.close().catch(() => {});
        await sftpCall<void>((cb) => sftp.unlink(temp, cb)).catch(() => {});
      }
      throw new GangwayError(
        'E_SSH_WRITE',
        ExitCode.failed,
        `${this.label}: writing ${target} failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  async readFile(path: string): Promise<Buffer> {
    const sftp = await this.sftp();
    const target = await this.resolvePath(path);
    return sftpCall<Buffer>((cb) => sftp.readFile(target, cb));
  }

  async resolvePath(path: string): Promise<string> {
    if (path !== '~' && !path.startsWith('~/')) return path;
    this.home ??= this.sftp().then((sftp) => sftpCall<string>((cb) => sftp.realpath('.', cb)));
    return posix.join(await this.home, path.slice(2));
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}
