/**
 * `gangway ui [--port N] [--open]`: the local dashboard. It serves on 127.0.0.1 behind a random token printed in
 * its URL, reads every target by running the CLI (`status --no-notify`, `releases`), refreshes while a page is
 * open (every 5 s while an action runs, every 20 s otherwise) and runs actions as the CLI would. Ctrl-C stops it.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../errors.js';
import { registerLocalEnvSecrets } from '../../operate/server-secrets.js';
import { cliRunner } from '../../ui/cli-runner.js';
import { Hub } from '../../ui/hub.js';
import { OpenCodes } from '../../ui/open-code.js';
import { createUiServer } from '../../ui/server.js';
import type { CommandContext } from '../context.js';

const IDLE_REFRESH_MS = 20_000;
const BUSY_REFRESH_MS = 5_000;

export async function runUi(ctx: CommandContext, options: { port: number; open: boolean }): Promise<void> {
  const config = await ctx.loadConfig();
  await registerLocalEnvSecrets(config, ctx.scrubber);
  const targets = Object.values(config.targets).map((t) => ({ name: t.name, hosts: t.hosts.map((h) => h.label) }));
  const hub = new Hub(config.app, config.file, targets, cliRunner(config.file), ctx.scrubber.scrub);
  const token = randomBytes(24).toString('base64url');
  const openCodes = new OpenCodes();
  const server = createUiServer({ hub, token, targets: targets.map((t) => t.name), openCodes });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} is in use: choose another with --port`) : e,
      ),
    );
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${origin}/?token=${token}`;
  ctx.reporter.info(`gangway dashboard for ${config.app}: ${url}`);
  ctx.reporter.info('(127.0.0.1 only; the token in the URL is its key. Ctrl-C stops it.)');
  ctx.reporter.result({ ok: true, url });
  void hub.refresh();
  // Reads only while somebody watches: every 5 s during an action, every 20 s otherwise.
  const timer = setInterval(() => {
    const due = Date.now() - hub.lastRefreshAt >= (hub.running ? BUSY_REFRESH_MS : IDLE_REFRESH_MS);
    if (due && (hub.subscribers > 0 || hub.running)) void hub.refresh();
  }, 1_000);
  // Imported here: every other command would otherwise load it at start. The browser's command line (in `ps`
  // for every user) holds a one-time code, never the token.
  if (options.open)
    await import('open')
      .then(({ default: open }) => open(`${origin}/open?code=${openCodes.issue()}`))
      .catch((e: Error) => ctx.reporter.warn(`could not open a browser (${e.message}): open the URL above`));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
