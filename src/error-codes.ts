/**
 * Every error code gangway reports (`error: … [E_CODE]`, `--json`'s error.code): its exit code, what it means
 * and what to do. GangwayError takes only these codes (the type below), and docs/errors.md is generated from
 * this table (`npm run docs`), so the page lists exactly the codes the program can report.
 */

/** The exit code a code comes with; `command` is the exec'd command's own. */
type Exit = 1 | 2 | 3 | 4 | 130 | 'command';

export interface ErrorCodeInfo {
  exit: Exit;
  /** The area of the page it is listed under. */
  area: string;
  means: string;
  todo: string;
}

const usage = 'Usage and configuration';
const ssh = 'Connections (SSH and the local engine)';
const lock = 'The deploy lock';
const image = 'Image delivery';
const deploy = 'Deploys and rollbacks';
const operate = 'Status, drift and the other commands';
const backup = 'Backups and restores';
const internal = 'Bugs';

export const ERROR_CODES = {
  E_USAGE: {
    exit: 2,
    area: usage,
    means:
      'The command line is wrong: an unknown command or option, a bad value, a missing argument, or options ' +
      'that do not go together.',
    todo: 'Read the usage line printed with the error; `gangway <command> --help` lists options and examples.',
  },
  E_CONFIG: {
    exit: 2,
    area: usage,
    means:
      'gangway.yml (or a file it names: compose, env, template) is missing or invalid. The message names the ' +
      'file, line and key, often with "did you mean …?".',
    todo:
      'Fix the key it names (see [configuration.md](configuration.md)); `gangway check` validates without ' +
      'changing anything. No gangway.yml yet: `gangway init`.',
  },
  E_CI_PATH: {
    exit: 2,
    area: usage,
    means:
      '`gangway ci github` needs a file (a key, known_hosts) that is neither in the repository nor in your home ' +
      'directory, so a CI runner could not have it.',
    todo: 'Run it from the repository root, or keep the file in the repository (git-ignored).',
  },
  E_PREFLIGHT: {
    exit: 3,
    area: usage,
    means:
      'Preflight found failures before anything changed: the checklist printed above says which (SSH, ' +
      'Docker, Compose, the deploy directory, the env file, disk).',
    todo: 'Fix each failed item, then run `gangway check <target>` until it passes. Nothing was changed.',
  },
  E_HOST_KEY_UNKNOWN: {
    exit: 1,
    area: ssh,
    means: "The server's SSH host key is in neither known_hosts nor `ssh.fingerprint`: gangway does not trust it.",
    todo:
      'Compare the fingerprint shown with the server (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then ' +
      'pin it in `targets.<name>.ssh.fingerprint` or run once with `--accept-new-host-key`.',
  },
  E_HOST_KEY_CHANGED: {
    exit: 1,
    area: ssh,
    means:
      'The server presented a host key that differs from the known or pinned one (or one marked revoked). ' +
      'gangway never connects then.',
    todo:
      'Find out why: a reinstalled server, or someone in between. If expected, remove the old entry ' +
      '(`ssh-keygen -R <host>`) or update `ssh.fingerprint`.',
  },
  E_KNOWN_HOSTS_WRITE: {
    exit: 1,
    area: ssh,
    means: 'A new host key was accepted (`--accept-new-host-key`) but known_hosts could not be written.',
    todo: 'Check the permissions of the file named (default ~/.ssh/known_hosts) or set `ssh.known_hosts`.',
  },
  E_SSH_NO_KEY: {
    exit: 1,
    area: ssh,
    means: 'There is no SSH key to log in with: no `ssh.key`, no ssh-agent, no default key in ~/.ssh.',
    todo: 'Set `targets.<name>.ssh.key`, load a key into ssh-agent, or create ~/.ssh/id_ed25519.',
  },
  E_SSH_KEY_UNREADABLE: {
    exit: 1,
    area: ssh,
    means: 'The key file named by `ssh.key` cannot be read (missing, or no permission).',
    todo: 'Check the path (relative to gangway.yml; `~` is expanded) and its permissions.',
  },
  E_SSH_KEY_INVALID: {
    exit: 1,
    area: ssh,
    means: 'The key file is not a private key gangway can read (a public key, or an unsupported format).',
    todo: 'Point `ssh.key` at the private key (not the .pub), in OpenSSH or PEM format.',
  },
  E_SSH_KEY_PASSPHRASE: {
    exit: 1,
    area: ssh,
    means: 'The key is protected by a passphrase and none was given, or the one given is wrong.',
    todo:
      'Set GANGWAY_SSH_PASSPHRASE (or the variable `ssh.passphrase_env` names), run in a terminal to be asked, ' +
      'or load the key into ssh-agent.',
  },
  E_SSH_AUTH: {
    exit: 1,
    area: ssh,
    means: 'The server refused every key offered (the key file and the agent).',
    todo:
      "Check the user in `hosts` and that the key's public half is in that user's ~/.ssh/authorized_keys; " +
      '`ssh -v user@host` shows what the server accepts.',
  },
  E_SSH_DNS: {
    exit: 1,
    area: ssh,
    means: 'The host name in `hosts` (or `ssh.jump`) does not resolve.',
    todo: 'Check the spelling, or use the IP address or an ~/.ssh/config alias.',
  },
  E_SSH_REFUSED: {
    exit: 1,
    area: ssh,
    means: 'The host answered but nothing listens on the SSH port.',
    todo: 'Check the port (`user@host:2222`) and that sshd runs; a firewall that rejects also shows this.',
  },
  E_SSH_CONNECT_TIMEOUT: {
    exit: 1,
    area: ssh,
    means:
      'No SSH handshake within `ssh.connect_timeout` (default 30s): the host is down, or a firewall drops ' +
      'the packets.',
    todo: 'Check the address and the network path (VPN, security group); raise `ssh.connect_timeout` for slow links.',
  },
  E_SSH_JUMP: {
    exit: 1,
    area: ssh,
    means: 'The jump host (`ssh.jump`) was reached but could not open a connection to the target host.',
    todo: 'Check that the jump host can reach the target address and port (`ssh -J jump user@host`).',
  },
  E_SSH_CONNECT: {
    exit: 1,
    area: ssh,
    means: 'The SSH connection failed for another reason (the message says which).',
    todo: 'Run again with `-v`; try `ssh user@host` from the same machine.',
  },
  E_SSH_CHANNEL: {
    exit: 1,
    area: ssh,
    means: 'The server refused to start a command on an open connection (too many sessions, or sshd limits).',
    todo: "Lower `ssh.max_channels`, or raise MaxSessions in the server's sshd_config.",
  },
  E_SSH_WRITE: {
    exit: 1,
    area: ssh,
    means: 'Writing a file on the server failed (a full disk, or no permission in the deploy directory).',
    todo: 'Check free space (`df -h`) and that the SSH user owns the deploy directory.',
  },
  E_CONNECTION_LOST: {
    exit: 1,
    area: ssh,
    means: 'The connection broke during a deploy and could not be regained.',
    todo: 'Run `gangway status <target>`: the server finishes (or undoes) an apply on its own; then deploy again.',
  },
  E_EXEC_TIMEOUT: {
    exit: 1,
    area: ssh,
    means: 'A command on a host did not finish in time (the message names it and the limit).',
    todo: 'Look at the host (load, a stuck Docker); for `exec`, raise `--timeout`.',
  },
  E_COMMAND_FAILED: {
    exit: 1,
    area: ssh,
    means: 'A command gangway ran on a host failed; the message shows the command and its first error line.',
    todo: 'Read that line; run with `-v` for the whole output.',
  },
  E_ABORTED: {
    exit: 1,
    area: ssh,
    means: 'You answered no to a confirmation, or interrupted the command (Ctrl-C).',
    todo: 'Nothing was changed by the step that asked. Pass `--yes` in scripts.',
  },
  E_INTERRUPTED: {
    exit: 130,
    area: lock,
    means:
      'A deploy or rollback got Ctrl-C or SIGTERM: no new wave or host started, hosts mid-apply finished their ' +
      'gate, hosts that moved went back (or stayed, with `on_failure: stop`), and every lock was released.',
    todo: 'Read the summary for where each host ended; deploy again when ready. A second Ctrl-C leaves at once.',
  },
  E_UNREACHABLE: {
    exit: 1,
    area: lock,
    means: 'A host of the target could not be reached, so its lock (or state) is unknown — not free.',
    todo: 'Check the host and the SSH settings (`gangway check <target>`), then ask again.',
  },
  E_LOCK_HELD: {
    exit: 4,
    area: lock,
    means:
      'Another deploy (or rollback, restore) holds the lock of this target on a host; the message says who ' +
      'and since when.',
    todo:
      'Wait for it (`--lock-wait 10m`), or, if that deploy is gone, `gangway lock release <target>` ' +
      '(`--force` for a live holder).',
  },
  E_LOCK: {
    exit: 1,
    area: lock,
    means:
      'The lock could not be taken or removed on the server (permissions or a full disk in the deploy ' + 'directory).',
    todo: 'Check that the SSH user owns `<dir>/.gangway` and that the disk has space.',
  },
  E_REGISTRY_LOGIN: {
    exit: 1,
    area: image,
    means: '`docker login` on the host failed with `image.registry`.',
    todo:
      'Check `image.registry.username` and the token in the variable `password_env` names (its scope must ' +
      'allow pulls).',
  },
  E_IMAGE_PLATFORM: {
    exit: 3,
    area: image,
    means:
      'The pulled image is built for another os or architecture than the host (say linux/arm64 on a ' +
      'linux/amd64 server): it would fail at start with "exec format error". Refused like a failed preflight ' +
      '(for archive and sync delivery, and registry delivery when this machine can read the registry, the same ' +
      'mismatch fails the preflight itself): nothing the app runs was changed, the tag on the host points back ' +
      'at the image it named before, and the lock is released.',
    todo:
      "Let gangway build for the server's platform (`image.build`, or `image.build.platform: linux/amd64`), or " +
      'build it yourself (`docker buildx build --platform linux/amd64 …`), push it, and deploy again.',
  },
  E_IMAGE_PULL: {
    exit: 1,
    area: image,
    means:
      '`docker pull` on the host failed: the tag was not pushed, the registry denied access, or the host ' +
      'cannot reach it.',
    todo:
      'Push the tag first (`docker push name:tag`); for a private registry set `image.registry`; check the ' +
      "host's network.",
  },
  E_IMAGE_SOURCE: {
    exit: 1,
    area: image,
    means:
      'The local side of delivery failed: no local image to send, `docker save` failed, or the archive or ' +
      'build context cannot be read.',
    todo: 'Build or pull the image locally first (`docker images`), or fix the path in `image.archive`.',
  },
  E_IMAGE_ARCHIVE: {
    exit: 1,
    area: image,
    means: 'The file in `image.archive` is not a `docker save` tar, is cut short, or holds no image of that name.',
    todo: 'Write it again with `docker save name:tag -o file.tar` (gzip is fine).',
  },
  E_IMAGE_LOAD: {
    exit: 1,
    area: image,
    means: '`docker load` on the host failed (often a full disk).',
    todo: 'Free disk space on the host (`docker system df`, `docker image prune`) and deploy again.',
  },
  E_IMAGE_BUILD: {
    exit: 1,
    area: image,
    means: '`docker build` on the host failed (build delivery); the message shows the first error.',
    todo: 'Build locally to see the whole output; check that files the Dockerfile copies are not in .dockerignore.',
  },
  E_LOCAL_BUILD: {
    exit: 1,
    area: image,
    means:
      'The build on this machine (`image.build`) failed; the message shows its first error. It runs before any ' +
      'host is locked: nothing was changed on any host.',
    todo:
      'Run the printed build command (`gangway deploy --dry-run` shows it) to see the whole output, fix, ' +
      'deploy again.',
  },
  E_BUILD_UNSUPPORTED: {
    exit: 3,
    area: image,
    means:
      "This machine cannot build what the deploy needs: another platform than its engine's (or build secrets) " +
      "without buildx, or the target's hosts run different platforms. Nothing was built or changed.",
    todo:
      'Install the buildx plugin (Debian/Ubuntu: `apt-get install docker-buildx`), or split the target into one ' +
      'target per architecture.',
  },
  E_IMAGE_PUSH: {
    exit: 1,
    area: image,
    means: '`docker push` of the image built on this machine failed (registry delivery); no host was changed.',
    todo:
      'Check that this machine reaches the registry and may push there: `image.registry.username` and ' +
      '`password_env`, or `docker login` before the deploy.',
  },
  E_IMAGE_MISSING: {
    exit: 1,
    area: image,
    means: 'A pull or build reported success but the host has no such image afterwards.',
    todo: "Deploy again; if it repeats, check the host's Docker (another process pruning images).",
  },
  E_IMAGE_MISMATCH: {
    exit: 1,
    area: image,
    means:
      'The image on the host is not the one that was sent (its ID differs): the archive changed, or the tag ' +
      'moved while it was sent.',
    todo: 'Deploy again; use an immutable tag (the default `git` rule) rather than reusing one.',
  },
  E_NO_COMPOSE: {
    exit: 1,
    area: deploy,
    means: 'The host has neither `docker compose` nor `docker-compose`.',
    todo: 'Install the Docker Compose plugin on the host (`apt-get install docker-compose-plugin`).',
  },
  E_DEPLOY_FAILED: {
    exit: 1,
    area: deploy,
    means:
      'The deploy failed on at least one host; the message says per host whether it rolled back to the ' +
      'previous release.',
    todo:
      'Read the failed step (health gate, compose up) and the run log it names; `gangway logs <target>` ' +
      'shows the services.',
  },
  E_ROLLBACK_FAILED: {
    exit: 1,
    area: deploy,
    means: 'A rollback failed on at least one host (the previous release did not pass the health gate).',
    todo: 'Check `gangway status` and the run log; roll back `--to` another retained tag (`gangway releases`).',
  },
  E_ROLLBACK_TARGET: {
    exit: 1,
    area: deploy,
    means:
      'There is no release to roll back to: the tag asked for is not retained (see `keep`), or there is no ' +
      'earlier good one.',
    todo: '`gangway releases <target>` lists what is retained; deploy the wanted tag instead (`deploy --tag`).',
  },
  E_NOTHING_DEPLOYED: {
    exit: 1,
    area: deploy,
    means: 'Nothing has been deployed to this host yet (or the Swarm has no such stack).',
    todo: 'Run a full `gangway deploy <target>` first.',
  },
  E_HOOK_FAILED: {
    exit: 1,
    area: deploy,
    means:
      'A hook failed: a `before_deploy` hook stops the deploy before anything changes; an `after_deploy` one ' +
      'is reported after the release is in place.',
    todo: 'Read the hook output above; run the hook command by hand to debug it.',
  },
  E_APPLY_DEADLINE: {
    exit: 1,
    area: deploy,
    means: 'The apply on the server did not finish in time; it goes on there.',
    todo:
      'Follow it with `gangway status <target>` and the run log named; raise `health.timeout` if the app is ' +
      'slow to start.',
  },
  E_RECOVERY: {
    exit: 1,
    area: deploy,
    means: 'An apply that died earlier was being finished or undone, and that ended without an outcome.',
    todo: 'Read the run log named, check `gangway status`, then deploy again.',
  },
  E_NO_MANAGER: {
    exit: 3,
    area: deploy,
    means: 'No host of a Swarm target is a reachable Swarm manager.',
    todo: 'Check the hosts (`docker node ls` on one); a Swarm target lists managers.',
  },
  E_NO_GO: {
    exit: 1,
    area: operate,
    means:
      '`gangway status` found a reason not to go: a service down or unhealthy, CPU or memory over the ' +
      'thresholds, an old backup, a held lock, drift.',
    todo: 'Read the reasons per host; thresholds are in `status:` of gangway.yml.',
  },
  E_NO_PROXY: {
    exit: 2,
    area: usage,
    means:
      'The command is for an app behind the proxy (`gangway maintenance`, `deploy --end-maintenance`), and ' +
      'gangway.yml has no `proxy:`.',
    todo: 'Put the app behind the proxy (`proxy:` in gangway.yml, then deploy), or take the site down your own way.',
  },
  E_MAINTENANCE: {
    exit: 1,
    area: operate,
    means:
      '`gangway maintenance` could not switch a host: its proxy is not running, has no route for the app yet, ' +
      'or runs a route from an older gangway that has no maintenance mode; or the host is unreachable.',
    todo:
      'Read the reason per host: deploy the app once with this gangway (that installs the route), then run the ' +
      'command again. Hosts already switched stay switched.',
  },
  E_DRIFT: {
    exit: 1,
    area: operate,
    means: 'A server was changed outside gangway (compose files, .env keys, modes, containers, directories).',
    todo: 'Look at the findings; deploy again to put it back, or carry the change into the repository.',
  },
  E_DRIFT_UNKNOWN: {
    exit: 1,
    area: operate,
    means: '`gangway drift` could not check every host.',
    todo: 'Fix the connection error shown for that host, then run it again.',
  },
  E_ENV_DIFF: {
    exit: 1,
    area: operate,
    means: '`gangway env diff` could not read the env file of every host.',
    todo: 'Fix the error shown for that host (connection, nothing deployed yet).',
  },
  E_ENV_DIFFERS: {
    exit: 1,
    area: operate,
    means: "`env diff --exit-code`: the local env file and the server's differ (names only are shown).",
    todo: 'Deploy the env file (`gangway deploy <target> --env-only`) or update the local one.',
  },
  E_RELEASES: {
    exit: 1,
    area: operate,
    means: '`gangway releases` could not read the release history of every host.',
    todo: 'Fix the error shown for that host.',
  },
  E_METRICS: {
    exit: 1,
    area: operate,
    means: '`gangway metrics` could not read the metrics of every host.',
    todo: 'Fix the error shown for that host; metrics need `metrics.textfile` (default true) and one deploy.',
  },
  E_LOGS: {
    exit: 1,
    area: operate,
    means: '`compose logs` failed on a host.',
    todo: 'Run with `-v`; check Docker on that host.',
  },
  E_NO_SERVICE: {
    exit: 1,
    area: operate,
    means: 'The service named is not in the deployed stack.',
    todo: 'Use a service name of the compose file (the message lists them).',
  },
  E_NO_SERVICE_CONTAINER: {
    exit: 1,
    area: operate,
    means: '`exec` (or a hook with `on: service`) found no running container of the service on a host.',
    todo: 'Check `gangway status <target>`; the service may be stopped or crashing.',
  },
  E_EXEC_FAILED: {
    exit: 'command',
    area: operate,
    means:
      "`gangway exec`: the command failed on at least one host; the exit code is the worst of the hosts' " +
      "(the command's own, or 1 when it could not run).",
    todo: 'Read the output of each host (prefixed by its name).',
  },
  E_BACKUP_FAILED: {
    exit: 1,
    area: backup,
    means: 'A backup failed: pg_dump, the write (a full disk), encryption or the rename; the partial file is gone.',
    todo: 'Read the reason; check the database credentials (`${VAR}` keys of the env file) and free space.',
  },
  E_VERIFY_FAILED: {
    exit: 1,
    area: backup,
    means:
      'Restoring a backup into a throwaway container failed: the dump is corrupt, unreadable or holds no ' + 'tables.',
    todo: 'Do not rely on that backup: take a new one (`gangway backup`) and verify it (`restore --verify`).',
  },
  E_RESTORE_FAILED: {
    exit: 1,
    area: backup,
    means:
      'Restoring into the live database failed (one transaction: nothing changed), or the health gate ' +
      'failed after it.',
    todo: 'Read the reason; the safety backup taken first is named in the hints, to put it back.',
  },
  E_NO_BACKUP: {
    exit: 1,
    area: backup,
    means: 'There is no backup to restore or download (or none by the name given).',
    todo: '`gangway backups <target>` lists them; take one with `gangway backup`.',
  },
  E_SCHEDULE_FAILED: {
    exit: 1,
    area: backup,
    means: '`backup schedule`: the server has no cron, or it refused the entry.',
    todo: 'Install cron on the server (Debian: `apt-get install cron`), then run `gangway backup schedule` again.',
  },
  E_DOWNLOAD_FAILED: {
    exit: 1,
    area: backup,
    means: 'A downloaded backup does not hash to its recorded sha256 (or the download broke).',
    todo: 'Download it again; if it repeats, verify the backup on the server (`restore --verify`).',
  },
  E_COPY_FAILED: {
    exit: 1,
    area: backup,
    means:
      'An off-site copy (backups[].copy_to) failed: the copy host or the S3 store refused the connection, the ' +
      'credentials or the write, the server has no rclone (copy_to.s3), or the bytes did not hash to the recorded ' +
      'sha256. The backup itself on the server is fine.',
    todo:
      "sftp: check the copy host (reachable with the target's SSH key, known_hosts or copy_to.fingerprint, disk " +
      'space). s3: check rclone on the server (apt-get install rclone), the bucket, the endpoint and the keys the ' +
      'access_key_env / secret_key_env variables hold. The next backup copies every file still missing there.',
  },
  E_INTERNAL: {
    exit: 1,
    area: internal,
    means: 'An unexpected error: a bug in gangway.',
    todo: 'Run again with `-v` for the stack trace and report it.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
