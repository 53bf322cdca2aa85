/**
 * What runs on a host, read with plain docker commands (the same for Compose v1 and v2, since both label
 * their containers): each service's state, health and restarts, fatal-pattern counts in recent logs, and
 * CPU / memory use. Log lines are only counted here — never copied — because they may hold secrets.
 */
import type { Host } from '../hosts/host.js';

export interface ServiceState {
  service: string;
  container: string;
  state: string;
  health: string;
  restarts: number;
  /** The image reference the container was made from (a Compose release's pinned one: `<name>:gangway-…`). */
  image?: string;
  cpuPercent?: number;
  memoryPercent?: number;
  fatalLines: number;
}

const INSPECT = `projects=$1 tail=$2; shift 2
ids=$(for p in $projects; do docker ps -a -q --no-trunc --filter "label=com.docker.compose.project=$p"; done)
[ -n "$ids" ] || exit 0
echo "@@inspect"
service='{{index .Config.Labels "com.docker.compose.service"}}'
docker inspect -f "{{.Id}}|$service|{{.RestartCount}}|{{.State.Status}}|{{.Config.Image}}" $ids
echo "@@health"
# One call per container: a template touching .State.Health fails for a container without a healthcheck.
for id in $ids; do echo "$id|$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null)"; done
echo "@@stats"
running=$(for p in $projects; do docker ps -q --filter "label=com.docker.compose.project=$p"; done)
[ -n "$running" ] && docker stats --no-stream --format '{{.ID}} {{.CPUPerc}} {{.MemPerc}}' $running 2>/dev/null
echo "@@fatal"
if [ "$#" -gt 0 ]; then
  pf=$(mktemp) || exit 1
  for p in "$@"; do printf '%s\n' "$p" >> "$pf"; done
  for id in $ids; do
    n=$(docker logs --tail "$tail" "$id" 2>&1 | grep -F -c -f "$pf")
    echo "$id ${'$'}{n:-0}"
  done
  rm -f "$pf"
fi
true`;

/** `projects`: the app's compose project, and (blue/green) the project of the colour in service. */
export async function inspectServices(
  host: Host,
  projects: string[],
  fatal: { patterns: string[]; tail: number } | undefined,
): Promise<ServiceState[]> {
  const r = await host.exec(
    ['sh', '-c', INSPECT, 'sh', projects.join(' '), String(fatal?.tail ?? 100), ...(fatal?.patterns ?? [])],
    {
      timeoutMs: 60_000,
    },
  );
  const sections = new Map<string, string[]>();
  let name = '';
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('@@')) {
      name = line.slice(2);
      sections.set(name, []);
    } else if (line.trim()) sections.get(name)?.push(line.trim());
  }
  const stats = new Map<string, { cpu: number; mem: number }>();
  for (const l of sections.get('stats') ?? []) {
    const [id, cpu, mem] = l.split(/\s+/);
    stats.set(id!, { cpu: parseFloat(cpu ?? ''), mem: parseFloat(mem ?? '') });
  }
  const fatalCounts = new Map<string, number>();
  for (const l of sections.get('fatal') ?? []) {
    const [id, n] = l.split(' ');
    fatalCounts.set(id!, Number(n) || 0);
  }
  const health = new Map((sections.get('health') ?? []).map((l) => l.split('|') as [string, string]));
  return (sections.get('inspect') ?? []).map((l) => {
    const [id, service, restarts, state, image] = l.split('|');
    const s = [...stats.entries()].find(([short]) => id!.startsWith(short))?.[1];
    return {
      service: service ?? '?',
      container: id!.slice(0, 12),
      state: state ?? '?',
      health: health.get(id!) || 'none',
      restarts: Number(restarts) || 0,
      ...(image && { image }),
      ...(s && Number.isFinite(s.cpu) && { cpuPercent: s.cpu }),
      ...(s && Number.isFinite(s.mem) && { memoryPercent: s.mem }),
      fatalLines: fatalCounts.get(id!) ?? 0,
    };
  });
}
