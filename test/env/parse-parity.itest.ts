/**
 * Parity of parseEnv with the real `docker compose` (v2): a corpus of tricky env files, each the `env_file:` of a
 * service in a temp project, read back with `docker compose config --format json`, compared key by key with
 * envMap(parseEnv(text, { lookup })). Failures list case and key names only, never a value.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { envMap, parseEnv } from '../../src/env/parse.js';
import { CANARIES } from '../helpers/canary.js';

interface Case {
  name: string;
  text: string;
  /** parseEnv reports an error although Compose accepts the file (an empty variable name). */
  flagged?: boolean;
}

/** Variables of the environment compose runs in (besides PATH, HOME and COMPOSE_PROJECT_NAME). */
const VARS: Record<string, string> = { H: 'host', EMPTY: '', SPACED: '  two words  ', DOLLAR: 'a$b', NL: 'x\ny' };

const ACCEPTED: Case[] = [
  { name: 'plain', text: 'A=1\nB=hello world\nC=x\n' },
  { name: 'spaces around =', text: 'A = 1\nB\t=\tx\n  C=  y  \nD =\n' },
  { name: 'inline comments', text: 'A=b c  # x\nB=b#c\nC=b\t#c\nD=  # x\nE=#x\nF=a #b #c\nG=a##b\n' },
  { name: 'comment and blank lines', text: '# c\n\n   # indented comment\nA=1\n#B=2\n\n\n\t\nC=3\n# trailing' },
  { name: 'export prefix', text: 'export A=1\nexportB=2\nexport\tC=3\nexport  D=4\nexport E\n' },
  { name: 'export alone on a line', text: 'export\nA=1\n' },
  { name: 'colon separator', text: 'A: 1\nB:2\nC:D=E\nF=1:2\nG :  g\n' },
  { name: 'equals in values', text: 'A=a=b=c\nB==x\nC=:\nD=k=v # c\n' },
  { name: 'single quotes literal', text: "A='$H\\n'\nB='  spaced  '\nC='a # b'\nD=''\nE='${U:?x}'\nF='$$'\n" },
  { name: 'single-quote backslashes', text: "A='it\\'s'\nB='a\\\\'\nC='x\\y'\nD='x\\''\n" },
  { name: 'double-quote escapes', text: 'A="$H\\n\\t\\$x\\\\"\nB="it\\"s"\nC="x\\q\\u0041\\x41"\nD="\\\'"\n' },
  { name: 'octal escapes', text: 'A="\\0101"\nB="\\012"\nC="\\0"\nD="\\0400"\nE="\\01234"\nF="\\0089"\nG="\\0377"\n' },
  { name: 'control escapes', text: 'A="\\a\\b\\f\\v\\r|"\nB="\\c"\nC="\\\\n"\nD="a\\\nb"\n' },
  { name: 'octal dollar is interpolated', text: 'A="\\0044H"\nB="\\0044{U:-d}"\nC="\\044H"\n' },
  { name: 'multi-line double quotes', text: 'A="line1\nline2\n  line3"\nB=after\nC="${H}\n${U:-d}"\n' },
  { name: 'multi-line single quotes', text: "A='l1\nl2 $H\n'\nB=x\n" },
  { name: 'text after a closing quote', text: 'A="x" B=y\nC=\'p\'#comment\nD="q" # c\nE=\'r\'   \n' },
  { name: 'bare key after a closing quote', text: 'A="x" H\nB=1\n' },
  { name: 'interpolation forms', text: 'A=$H/$U/$$\nB=${H}x\nC=$H.bar\nD=$1$-$\nE=a$\nF=$H$H\nG=${H}${H}\n' },
  {
    name: 'default operators',
    text:
      'A=${U:-d}\nB=${H:+yes}\nC=${U-d}\nD=${EMPTY:-d}\nE=${EMPTY-d}\n' +
      'F=${EMPTY:+alt}\nG=${EMPTY+alt}\nI=${U+alt}\nJ=${U:+alt}\nK=${H-d}\n',
  },
  {
    name: 'nested defaults',
    text: 'A=${U:-${H:-x}}\nB=${U:-${U2:-deep}}\nC=${U:-a}b${H:+yes}\nD=${U:-x}}\nE=${U:-$H}\nF=${U:-a${H}b}c\n',
  },
  {
    name: 'brace quirks',
    text: 'A=${H:-{x}}\nB=${U:-{}}\nC=${U:-a}${U:-b}\nD=${U:-{x}\nE=${H:-{x}}|${U:-{}}\nF=${U:-{x}}|${H}\n',
  },
  { name: 'operators inside defaults', text: 'A=${U-a?b}\nB=${U:-a:?b}\nC=${U:-http://x:80/p?q=1}\nD=${U:+a-b}\n' },
  { name: 'required satisfied', text: 'A=${H:?must}\nB=${H?must}\nC=${EMPTY?x}\n' },
  { name: 'earlier keys', text: 'X=1\nY=$X-${X}\nZ="${X}2"\nW=${X:+set}\n' },
  { name: 'environment shadows the file', text: 'H=file\nB=$H\nC="${H}"\n' },
  { name: 'no forward references', text: 'A=$LATER\nLATER=1\n' },
  { name: 'duplicates, last wins', text: 'A=1\nB=$A\nA=2\nC=$A\nA=3\n' },
  { name: 'inherited bare keys', text: 'H\nU\nA=1\nEMPTY\n' },
  { name: 'inherited key after a file value', text: 'K=1\nK\nH=f\nH\nL=$K\n' },
  { name: 'last line without = or newline', text: 'A=1\nLAST', flagged: true },
  { name: 'last line with spaces, no newline', text: 'A=1\nLAST ONE', flagged: true },
  { name: 'empty key', text: '=v\nA=1\n', flagged: true },
  { name: 'empty values', text: 'A=\nB=""\nC=\'\'\nD=   \nE= # c\n' },
  { name: 'CRLF line endings', text: 'A=1\r\nB="x"\r\nC=\'m\r\nn\'\r\nD=v # c\r\nE="p\r\nq"\r\nF\r\n' },
  { name: 'BOM', text: '\uFEFFA=1\nB=2\n' },
  {
    name: 'unicode',
    text: `A=árvíztűrő tükörfúrógép
ÁRVÍZ=1
B="日本語 🎉"
C=emoji🎉
árvíztűrő-TÜKÖR=ok
`,
  },
  { name: 'key charset', text: 'a.b=1\na-b=2\na[1]=3\n1X=y\n_U=4\nlower=5\n' },
  { name: 'inner tab in key', text: 'A\tB=1\n' },
  { name: 'unicode spaces', text: 'A=\u00a0x\u00a0\nB=y\u3000\n\u3000C=1\n\u2028D=2\nE=\u2003z\n' },
  { name: 'vertical tab and form feed', text: 'A\v=\f1\nB=x\v\n' },
  { name: 'quotes not first', text: "A=a\"b\"\nB=a 'b'\nC=`cmd`\nD=x'\n" },
  { name: 'quote after spaces', text: 'A= "quoted"\nB=\t\'sq\'\nC=   "  keep  "\n' },
  { name: 'backslashes unquoted', text: 'A=a\\nb\nB=\\$H\nC=trailing\\\nD=next\nE=\\"x\\"\n' },
  { name: 'dollars in double quotes', text: 'A="$$H"\nB="\\${H}"\nC="$${H}"\nD="a # b"\nE="$"\n' },
  { name: 'odd names in references', text: 'a.b=1\nC=$a.b\nD=${H}.x\nE=$H-x\nF=$_\n' },
  { name: 'Go case folding: Kelvin sign', text: 'A=$\u212A\nB=x$\u017Fy\n' },
  { name: 'lone CR', text: 'A=x\ry\nB=z\r\n' },
  { name: 'many spaces', text: 'A=   padded value   \nB=a  b\tc\n' },
  { name: 'values with environment values', text: 'A=$SPACED|\nB="$DOLLAR"\nC=$NL\nD=${SPACED:+s}\n' },
  {
    name: 'secret-looking values',
    text:
      `DB_PASSWORD=${CANARIES.DB_PASSWORD}\nAPI_TOKEN='${CANARIES.API_TOKEN}'\n` +
      `MULTILINE_KEY="${CANARIES.MULTILINE_KEY}"\nSTRIPE=sk_live_51Hcanary0000\n`,
  },
  { name: 'no trailing newline', text: 'A=1\nB=last' },
  { name: 'quoted then comment only', text: 'A="x"\n# c\nB=\'y\' # c\n' },
];

/** Compose rejects these; parseEnv must report an error too. */
const REJECTED: Case[] = [
  { name: 'invalid key character', text: 'A/B=1\n' },
  { name: 'space in key', text: 'A B=1\n' },
  { name: 'bare words', text: 'A=1\nhello world\n' },
  { name: 'unterminated double quote', text: 'A="abc\nB=1\n' },
  { name: 'unterminated single quote', text: "A='abc\n" },
  { name: 'escaped closing quote', text: 'A="abc\\"\n' },
  { name: 'unclosed ${', text: 'A=${U\n' },
  { name: '${ with a digit', text: 'A=${1}\n' },
  { name: '${ with a dot', text: 'A="${A.B}"\n' },
  { name: 'empty ${}', text: 'A=${}\n' },
  { name: 'brace quirk: match runs to the last } of the line', text: 'A=${U:-{}}|${U-a?b}\n' },
  { name: 'brace quirk: unbalanced default', text: 'A=${U:-{x}|${H}\n' },
  { name: 'comment cut before interpolation', text: 'X=${A:-a #b}\n' },
  { name: 'required with message', text: 'A=${U:?need it}\n' },
  { name: 'required empty', text: 'A=${EMPTY:?}\n' },
  { name: 'required unset', text: 'A=${U?}\n' },
  { name: 'required inside a default that is not used', text: 'A=${H:-${U:?x}}\n' },
  { name: 'junk after a closing quote', text: 'A="x" b c\n' },
  { name: 'two quoted values', text: "A='x''y'\n" },
  { name: 'export at the end of the file', text: 'A=1\nexport ' },
  { name: 'unquoted multi-line value', text: 'K=-----BEGIN\nMIIB+abc/def\n' },
];

const root = mkdtempSync(join(tmpdir(), 'gangway-env-parity-'));
after(() => rmSync(root, { recursive: true, force: true }));

const processEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  HOME: process.env.HOME ?? root,
  COMPOSE_PROJECT_NAME: 'gangway-env-parity',
  ...VARS,
};
const lookup = (name: string) => (Object.hasOwn(processEnv, name) ? processEnv[name] : undefined);

interface ComposeRun {
  code: number | null;
  services?: Record<string, { environment?: Record<string, string | null> }>;
}

/** `docker compose config --format json` in a fresh dir; stdout/stderr are kept in memory and never printed. */
function composeConfig(dir: string, files: string[]): ComposeRun {
  assert.ok(!existsSync(join(dir, '.env')), 'the project dir must hold no .env (it would join the lookup)');
  const yaml = `services:\n${files.map((f, i) => `  s${i}:\n    image: busybox\n    env_file: [./${f}]\n`).join('')}`;
  writeFileSync(join(dir, 'compose.yaml'), yaml);
  const r = spawnSync('docker', ['compose', '-f', join(dir, 'compose.yaml'), 'config', '--format', 'json'], {
    cwd: dir,
    env: processEnv,
    encoding: 'utf8',
  });
  if (r.status !== 0) return { code: r.status };
  try {
    return { code: 0, services: (JSON.parse(r.stdout) as { services: ComposeRun['services'] }).services };
  } catch {
    throw new Error('docker compose config printed something that is not JSON'); // (the parse error would quote it)
  }
}

/** `docker compose config` writes every $ as $$ in its output. */
const unescapeDollars = (v: string) => v.replaceAll('$$', '$');

test('corpus size', () => {
  assert.ok(ACCEPTED.length + REJECTED.length >= 40);
});

test('parseEnv reads every accepted corpus file exactly like docker compose config', () => {
  const dir = mkdtempSync(join(root, 'accepted-'));
  const files = ACCEPTED.map((c, i) => {
    const f = `case${i}.env`;
    writeFileSync(join(dir, f), c.text);
    return f;
  });
  const run = composeConfig(dir, files);
  assert.equal(run.code, 0, 'docker compose config failed on the accepted corpus');
  const mismatched: string[] = [];
  const unexpectedErrors: string[] = [];
  const missedErrors: string[] = [];
  ACCEPTED.forEach((c, i) => {
    const composeEnv = run.services?.[`s${i}`]?.environment ?? {};
    const parsed = parseEnv(c.text, { lookup });
    const ours = envMap(parsed.entries);
    for (const key of new Set([...Object.keys(composeEnv), ...ours.keys()])) {
      const theirs = composeEnv[key];
      const mine = ours.get(key);
      const same =
        typeof theirs === 'string' ? mine !== undefined && unescapeDollars(theirs) === mine : mine === undefined;
      if (!same) mismatched.push(`${c.name}: ${JSON.stringify(key)}`);
    }
    const hasError = parsed.problems.some((p) => p.severity === 'error');
    if (hasError && !c.flagged) unexpectedErrors.push(c.name);
    if (!hasError && c.flagged) missedErrors.push(c.name);
  });
  assert.deepEqual(mismatched, [], 'keys whose values differ between docker compose and parseEnv');
  assert.deepEqual(unexpectedErrors, [], 'cases compose accepts but parseEnv reports an error for');
  assert.deepEqual(missedErrors, [], 'flagged cases parseEnv reports no error for');
});

test('docker compose and parseEnv both reject every rejected corpus file', () => {
  const disagree: string[] = [];
  for (const c of REJECTED) {
    const dir = mkdtempSync(join(root, 'rejected-'));
    writeFileSync(join(dir, 'case.env'), c.text);
    const composeRejects = composeConfig(dir, ['case.env']).code !== 0;
    const parseRejects = parseEnv(c.text, { lookup }).problems.some((p) => p.severity === 'error');
    if (!composeRejects || !parseRejects)
      disagree.push(
        `${c.name} (compose ${composeRejects ? 'rejects' : 'accepts'}, ` +
          `parseEnv ${parseRejects ? 'rejects' : 'accepts'})`,
      );
  }
  assert.deepEqual(disagree, []);
});

/** A seeded generator of env files built from the tokens the rules care about (same files on every run). */
function generatedCorpus(count: number, seed: number): string[] {
  let state = seed;
  const rnd = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const common = [
    'x',
    ' ',
    '\t',
    '$$',
    '${H}',
    '${U:-d}',
    '${H:+a}',
    '${U-$H}',
    '${U:-${H}}',
    '${EMPTY:-e}',
    '${A:+set}',
    '$A',
    '$H',
    '#',
    ' #',
    '\\n',
    '\\t',
    '\\0101',
    '\\$',
    '\\"',
    'é',
    '\n',
    '=',
    ':',
    '\\',
    '${H}}',
    '$1',
    '$',
  ];
  const rare = ['"', "'", '${', '}', '{', ':-', '-', '?', ':?', '+', ':+', '\r', '.', "\\'", '${U', 'A', '\\0'];
  return Array.from({ length: count }, () => {
    const lines: string[] = [];
    for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) {
      let value = '';
      for (let j = 0, m = Math.floor(rnd() * 5); j < m; j++) value += rnd() < 0.75 ? pick(common) : pick(rare);
      lines.push(
        pick(['', '', 'export ', ' ']) +
          pick(['A', 'B', 'H', 'C', 'a.b']) +
          pick(['=', '=', ':', ' = ']) +
          pick(['', '', '"', "'"]) +
          value,
      );
    }
    return lines.join(pick(['\n', '\n', '\r\n'])) + pick(['\n', '']);
  });
}

test('parseEnv agrees with docker compose on 400 generated env files', () => {
  const files = generatedCorpus(400, 20240611);
  const rejects = (text: string) =>
    parseEnv(text, { lookup }).problems.some((p) => p.severity === 'error' && p.code !== 'empty-key');
  const accepted = files.map((_, i) => i).filter((i) => !rejects(files[i]!));
  const rejected = files.map((_, i) => i).filter((i) => rejects(files[i]!));
  assert.ok(accepted.length >= 50 && rejected.length >= 50, 'the generator covers both outcomes');

  const dir = mkdtempSync(join(root, 'generated-'));
  for (const i of accepted) writeFileSync(join(dir, `g${i}.env`), files[i]!);
  const run = composeConfig(
    dir,
    accepted.map((i) => `g${i}.env`),
  );
  if (run.code !== 0) {
    const composeRejects = accepted.filter((i) => {
      const one = mkdtempSync(join(root, 'generated-one-'));
      writeFileSync(join(one, 'case.env'), files[i]!);
      return composeConfig(one, ['case.env']).code !== 0;
    });
    assert.deepEqual(
      composeRejects.map((i) => `generated file ${i}`),
      [],
      'files compose rejects but parseEnv accepts',
    );
  }
  const mismatched: string[] = [];
  accepted.forEach((i, s) => {
    const composeEnv = run.services?.[`s${s}`]?.environment ?? {};
    const ours = envMap(parseEnv(files[i]!, { lookup }).entries);
    for (const key of new Set([...Object.keys(composeEnv), ...ours.keys()])) {
      const theirs = composeEnv[key];
      const mine = ours.get(key);
      if (!(typeof theirs === 'string' ? mine !== undefined && unescapeDollars(theirs) === mine : mine === undefined))
        mismatched.push(`generated file ${i}: ${JSON.stringify(key)}`);
    }
  });
  assert.deepEqual(mismatched, [], 'keys whose values differ between docker compose and parseEnv');

  // compose stops at the first error, so each rejected file needs its own run: check a sample of them
  const composeAccepts = rejected.slice(0, 15).filter((i) => {
    const one = mkdtempSync(join(root, 'generated-one-'));
    writeFileSync(join(one, 'case.env'), files[i]!);
    return composeConfig(one, ['case.env']).code === 0;
  });
  assert.deepEqual(
    composeAccepts.map((i) => `generated file ${i}`),
    [],
    'files parseEnv rejects but compose accepts',
  );
});
