/** drift.sh's facts → findings: names, modes and states; values never (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDriftFacts } from '../../src/drift/facts.js';
import { judgeDrift } from '../../src/drift/judge.js';

const T = '\t';
const CLEAN = [
  `current${T}r1${T}v1`,
  `file${T}docker-compose.yml${T}same`,
  `env${T}same`,
  `container${T}app-web-1${T}web${T}False${T}h1${T}img:v1${T}Up 2 minutes (healthy)`,
  `container${T}app-db-1${T}db${T}False${T}h2${T}pg:15${T}Up 2 minutes`,
  `expect${T}web${T}h1`,
  `expect${T}db${T}h2`,
].join('\n');

test('a host that matches its release has no findings', () => {
  assert.deepEqual(judgeDrift(parseDriftFacts(CLEAN)), []);
});

test('each kind of drift is one finding, by name', () => {
  const facts = parseDriftFacts(
    [
      CLEAN.replace(`file${T}docker-compose.yml${T}same`, `file${T}docker-compose.yml${T}changed`)
        .replace(`env${T}same`, `env${T}changed`)
        .replace(`${T}h2${T}`, `${T}other${T}`),
      `mode${T}.env${T}644`,
      `mode${T}backups/db/db-1.dump${T}640`,
      `dir${T}data/uploads${T}missing`,
      `container${T}stray${T}${T}${T}${T}busybox${T}Up 1 second`,
      `container${T}app-web-run-1${T}web${T}True${T}h1${T}img:v1${T}Up`,
      `container${T}old-1${T}worker${T}False${T}h9${T}img:v0${T}Exited (0)`,
      `something-newer${T}ignored`,
    ].join('\n'),
  );
  const findings = judgeDrift(facts, { changed: ['API_KEY'], added: ['DEBUG'], removed: [], unchanged: 3 });
  assert.deepEqual(
    findings.map((f) => `${f.kind} ${f.name}: ${f.detail}`),
    [
      'file docker-compose.yml: changed since release r1 (v1)',
      'env .env: changed: API_KEY; added: DEBUG vs release r1 (v1)',
      'mode .env: mode 644, should be 600 (it holds secrets)',
      'mode backups/db/db-1.dump: mode 640, should be 600 (it holds secrets)',
      'dir data/uploads: directory missing',
      "container app-db-1: db's configuration differs from release r1 (v1) (image pg:15): changed outside gangway",
      'container stray: not started by Compose (image busybox, Up 1 second)',
      'container app-web-run-1: a one-off `compose run` container of web',
      'container old-1: service worker is not in release r1 (v1)',
    ],
  );
});

test('nothing deployed, a missing container, a Compose that cannot read the release', () => {
  assert.deepEqual(
    judgeDrift(parseDriftFacts(`current${T}-`)).map((f) => f.kind),
    ['release'],
  );
  const gone = judgeDrift(
    parseDriftFacts(
      CLEAN.split('\n')
        .filter((l) => !l.includes('app-db-1'))
        .join('\n'),
    ),
  );
  assert.deepEqual(
    gone.map((f) => f.detail),
    ['no container for service db of release r1 (v1)'],
  );
  const broken = judgeDrift(parseDriftFacts(`${CLEAN}\nexpect-error${T}yaml: line 3: bad`));
  assert.deepEqual(
    broken.map((f) => `${f.kind} ${f.name}`),
    ['compose config'],
  );
});
