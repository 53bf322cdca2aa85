/**
 * What one command run costs beyond the work itself (issue 27): per host the SSH connections, the commands run
 * (each an SSH channel: a round trip), the files moved over SFTP and the programs the commands name (`docker`,
 * `docker compose`, `sh`); locally the processes spawned. Printed at -vv and, under --json -vv, as `counts`.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { basename } from 'node:path';

export interface HostCounts {
  connections: number;
  /** Commands run (one SSH channel each; one child process on a local host). */
  execs: number;
  /** Files written or read (SFTP over SSH). */
  files: number;
  /** Programs named in the commands, `sh -c` scripts included: `docker` (not compose), Compose, `sh`. */
  docker: number;
  compose: number;
  sh: number;
  /** How often each command ran, by a short name (commandName): what the round trips were. */
  commands: Record<string, number>;
}

export interface LocalCounts {
  /** Child processes spawned by this process (any program). */
  processes: number;
  docker: number;
  compose: number;
}

export interface CountsDocument {
  hosts: Record<string, HostCounts>;
  local: LocalCounts;
}

type Named = Pick<HostCounts, 'docker' | 'compose' | 'sh'>;

/**
 * A command's short name: a server script by the name it runs under (`sh -c SCRIPT lock.sh …` → `lock.sh`), an
 * unnamed one as `sh -c` / `sh -s`, `docker compose version`, `docker info`; otherwise its program.
 */
export function commandName(argv: readonly string[]): string {
  const program = basename(argv[0] ?? '');
  if (program === 'sh' && argv[1] === '-c') return argv[3] && argv[3] !== 'sh' ? argv[3] : 'sh -c';
  if (program === 'sh' && argv[1] === '-s') return 'sh -s';
  const words = program === 'docker' && argv[1] === 'compose' ? 3 : program.startsWith('docker') ? 2 : 1;
  const name = [program, ...argv.slice(1, words)];
  const firstOption = name.findIndex((w) => w.startsWith('-'));
  return (firstOption === -1 ? name : name.slice(0, firstOption)).join(' ');
}

/**
 * The programs a command names: its own program, and for `sh -c SCRIPT` (or `sh -s` with the script as `stdin`)
 * each `docker`/Compose call in SCRIPT.
 */
export function namedPrograms(argv: readonly string[], stdin?: unknown): Named {
  const named: Named = { docker: 0, compose: 0, sh: 0 };
  const program = basename(argv[0] ?? '');
  // `env NAME=value … docker compose …` (how the local `compose config` gets its variables)
  if (program === 'env') {
    const command = argv.slice(1).findIndex((word) => !isAssignment(word));
    return command === -1 ? named : namedPrograms(argv.slice(1 + command));
  }
  const script =
    program === 'sh' && argv[1] === '-c' ? argv[2] : program === 'sh' && argv[1] === '-s' ? text(stdin) : '';
  if (script) {
    named.sh = 1;
    // `docker compose …` / `docker-compose …` are Compose; every other `docker` word a docker call.
    for (const m of script.matchAll(/(?<![\w./$-])docker(-compose|\s+compose)?(?![\w.-])/g)) {
      if (m[1]) named.compose++;
      else named.docker++;
    }
    return named;
  }
  if (program === 'sh') named.sh = 1;
  else if (program === 'docker-compose' || (program === 'docker' && argv[1] === 'compose')) named.compose = 1;
  else if (program === 'docker') named.docker = 1;
  return named;
}

/** A script given whole (not a stream, which is not read here). */
const text = (stdin: unknown) =>
  typeof stdin === 'string' ? stdin : Buffer.isBuffer(stdin) ? stdin.toString('latin1') : undefined;

const isAssignment = (word: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);

const emptyHost = (): HostCounts => ({
  connections: 0,
  execs: 0,
  files: 0,
  docker: 0,
  compose: 0,
  sh: 0,
  commands: {},
});

export class RunCounts {
  private readonly hosts = new Map<string, HostCounts>();
  readonly local: LocalCounts = { processes: 0, docker: 0, compose: 0 };

  private host(label: string): HostCounts {
    let counts = this.hosts.get(label);
    if (!counts) {
      counts = emptyHost();
      this.hosts.set(label, counts);
    }
    return counts;
  }

  connection(label: string): void {
    this.host(label).connections++;
  }

  /** `stdin`: the command's; for an `sh -s`, its script (read when given whole). */
  exec(label: string, argv: readonly string[], stdin?: unknown): void {
    const counts = this.host(label);
    counts.execs++;
    const named = namedPrograms(argv, stdin);
    counts.docker += named.docker;
    counts.compose += named.compose;
    counts.sh += named.sh;
    const name = commandName(argv);
    counts.commands[name] = (counts.commands[name] ?? 0) + 1;
  }

  file(label: string): void {
    this.host(label).files++;
  }

  localProcess(argv: readonly string[]): void {
    this.local.processes++;
    const named = namedPrograms(argv);
    this.local.docker += named.docker;
    this.local.compose += named.compose;
  }

  /**
   * Count every child process this process spawns until the returned function is called (Node publishes each
   * new ChildProcess on the `child_process` diagnostics channel; its program is known once spawn() returned).
   */
  watchLocalProcesses(): () => void {
    const onChild = (message: unknown) => {
      const child = (message as { process?: { spawnargs?: string[] } }).process;
      if (child) process.nextTick(() => this.localProcess(child.spawnargs ?? []));
    };
    subscribe('child_process', onChild);
    return () => unsubscribe('child_process', onChild);
  }

  get empty(): boolean {
    return this.hosts.size === 0 && this.local.processes === 0;
  }

  toJSON(): CountsDocument {
    const hosts = [...this.hosts].map(([label, c]) => [label, { ...c, commands: { ...c.commands } }]);
    return { hosts: Object.fromEntries(hosts) as Record<string, HostCounts>, local: { ...this.local } };
  }

  /** One line per host and one for this machine. */
  lines(): string[] {
    const lines = [...this.hosts].map(
      ([label, c]) =>
        `counts ${label}: ${c.connections} connection${c.connections === 1 ? '' : 's'}, ` +
        `${c.execs} round trip${c.execs === 1 ? '' : 's'} (commands) + ${c.files} file${c.files === 1 ? '' : 's'}; ` +
        `named: docker ${c.docker}, compose ${c.compose}, sh ${c.sh}; ` +
        Object.entries(c.commands)
          .map(([name, n]) => `${name} ×${n}`)
          .join(', '),
    );
    const l = this.local;
    lines.push(
      `counts local: ${l.processes} process${l.processes === 1 ? '' : 'es'} (docker ${l.docker}, compose ${l.compose})`,
    );
    return lines;
  }
}
