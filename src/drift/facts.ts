/** drift.sh's output (one tab-separated fact a line) as data; unknown lines are ignored (a newer script). */

export interface ContainerFact {
  name: string;
  service: string;
  oneoff: string;
  hash: string;
  image: string;
  status: string;
}

export interface DriftFacts {
  current?: { id: string; tag: string };
  files: { name: string; state: 'same' | 'changed' | 'missing' }[];
  env?: 'same' | 'changed' | 'missing' | 'unexpected';
  modes: { path: string; mode: string }[];
  missingDirs: string[];
  containers: ContainerFact[];
  expected: Map<string, string>;
  expectError?: string;
}

export function parseDriftFacts(text: string): DriftFacts {
  const facts: DriftFacts = { files: [], modes: [], missingDirs: [], containers: [], expected: new Map() };
  for (const line of text.split('\n')) {
    const [kind, ...f] = line.split('\t');
    switch (kind) {
      case 'current':
        if (f[0] && f[0] !== '-') facts.current = { id: f[0], tag: f[1] ?? '' };
        break;
      case 'file':
        if (f[0] && (f[1] === 'same' || f[1] === 'changed' || f[1] === 'missing'))
          facts.files.push({ name: f[0], state: f[1] });
        break;
      case 'env':
        if (f[0] === 'same' || f[0] === 'changed' || f[0] === 'missing' || f[0] === 'unexpected') facts.env = f[0];
        break;
      case 'mode':
        if (f[0] && f[1]) facts.modes.push({ path: f[0], mode: f[1] });
        break;
      case 'dir':
        if (f[0]) facts.missingDirs.push(f[0]);
        break;
      case 'container':
        if (f[0])
          facts.containers.push({
            name: f[0],
            service: f[1] ?? '',
            oneoff: f[2] ?? '',
            hash: f[3] ?? '',
            image: f[4] ?? '',
            status: f.slice(5).join('\t'),
          });
        break;
      case 'expect':
        if (f[0]) facts.expected.set(f[0], f[1] ?? '');
        break;
      case 'expect-error':
        facts.expectError = f.join('\t');
        break;
    }
  }
  return facts;
}
