import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findVariables, interpolate } from '../../src/env/interpolate.js';
import { envMap, expandEscapes, parseEnv, type ParseEnvOptions } from '../../src/env/parse.js';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';

const ENV: Record<string, string> = { H: 'host', EMPTY: '' };
const lookup = (name: string) => (Object.hasOwn(ENV, name) ? ENV[name] : undefined);

/** envMap as a plain object (harmless fixture values only). */
function read(text: string, options: ParseEnvOptions = { lookup }): Record<string, string> {
  return Object.fromEntries(envMap(parseEnv(text, options).entries));
}
function errors(text: string, options: ParseEnvOptions = { lookup }): string[] {
  return parseEnv(text, options)
    .problems.filter((p) => p.severity === 'error')
    .map((p) => `${p.line}:${p.code}`);
}

test('worked examples of the rules (env has H=host, not U)', () => {
  const cases: [string, Record<string, string>][] = [
    ['A=b c  # x\n', { A: 'b c' }],
    ['A=b#c\n', { A: 'b#c' }],
    ['A=  # x\n', { A: '# x' }],
    ['A: 1\n', { A: '1' }],
    ['export A=1\n', { A: '1' }],
    ['exportA=1\n', { exportA: '1' }],
    ['A=$H/$U/$$\n', { A: 'host//$' }],
    ['A=${U:-d}\nB=${H:+yes}\n', { A: 'd', B: 'yes' }],
    ["A='$H\\n'\n", { A: '$H\\n' }],
    ['A="$H\\n\\t\\$x\\\\"\n', { A: 'host\n\t$x\\' }],
    ['A="it\\"s"\n', { A: 'it"s' }],
    ["A='it\\'s'\n", { A: "it's" }],
    ['A="x\\q\\u0041"\n', { A: 'x\\q\\u0041' }],
    ['H=file\nB=$H\n', { H: 'file', B: 'host' }],
    ['A\n', {}],
    ['B=1\nA', { B: '1', '': 'A' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(read(text), expected, JSON.stringify(text));
  const warned = interpolate('$H/$U/$$', lookup);
  assert.deepEqual(warned, { value: 'host//$', unset: ['U'] });
});

test('BOM, blank lines, comments and Unicode space between statements', () => {
  assert.deepEqual(read('\uFEFF# c\n\n   # indented\n\t\nA=1\n#B=2\n\u3000C=3\n\u2028D=4\n# last'), {
    A: '1',
    C: '3',
    D: '4',
  });
  // only one leading BOM is dropped; a second one is an invalid key character
  assert.deepEqual(errors('\uFEFF\uFEFFA=1\n'), ['1:invalid-key']);
});

test('export prefix needs whitespace after it; export alone is harmless', () => {
  assert.deepEqual(read('export A=1\nexport\tB=2\nexport  C=3\nexportD=4\n'), { A: '1', B: '2', C: '3', exportD: '4' });
  assert.deepEqual(read('export\nA=1\n'), { A: '1' });
  assert.deepEqual(read('export H\n'), { H: 'host' });
  assert.deepEqual(errors('A=1\nexport '), ['2:invalid-key']);
});

test('separators: = or :, the first one wins, spaces around are allowed', () => {
  assert.deepEqual(read('A:B=C\nD=1:2\nE : e\nF = f\nG\t=\tg\nH2 :x\n'), {
    A: 'B=C',
    D: '1:2',
    E: 'e',
    F: 'f',
    G: 'g',
    H2: 'x',
  });
});

test('key charset: letters, numbers, _ . - [ ], leading digits, Unicode letters, inner tab', () => {
  assert.deepEqual(read('a.b=1\na-b=2\na[1]=3\n1X=y\nárvíztűrő-TÜKÖR=4\nA\tB=5\n'), {
    'a.b': '1',
    'a-b': '2',
    'a[1]': '3',
    '1X': 'y',
    'árvíztűrő-TÜKÖR': '4',
    'A\tB': '5',
  });
});

test('invalid keys: bad character, space, and recovery at the next line', () => {
  assert.deepEqual(errors('A=1\nA/B=2\nC=3\n'), ['2:invalid-key']);
  assert.deepEqual(read('A=1\nA/B=2\nC=3\n'), { A: '1', C: '3' });
  assert.deepEqual(errors('A B=1\n'), ['1:invalid-key']);
  assert.deepEqual(errors('hello world\n'), ['1:invalid-key']);
  assert.deepEqual(errors('A="x" b c\n'), ['1:invalid-key']);
  assert.deepEqual(errors("A='x''y'\n"), ['1:invalid-key']);
  // a space-in-key statement still consumes its (multi-line) value
  assert.deepEqual(read('A B="x\ny"\nC=1\n'), { C: '1' });
  // compose stops at the first error
  assert.deepEqual(read('A=1\nA/B=2\nC=3\n', { lookup, stopAtFirstError: true }), { A: '1' });
});

test('inherited bare keys: from the lookup, else left out; never from earlier keys', () => {
  assert.deepEqual(read('H\nU\nEMPTY\n'), { H: 'host', EMPTY: '' });
  assert.deepEqual(read('U=1\nU\n'), { U: '1' });
  assert.deepEqual(read('H=file\nH\n'), { H: 'host' });
  const p = parseEnv('H\n', { lookup });
  assert.deepEqual(p.entries, [{ key: 'H', value: 'host', line: 1, quote: 'none', inherited: true }]);
  assert.deepEqual(read('H\n', {}), {});
});

test('last line without = and without newline: the whole line is the value of an empty key', () => {
  assert.deepEqual(read('A=1\nLAST ONE'), { A: '1', '': 'LAST ONE' });
  assert.deepEqual(errors('A=1\nLAST'), ['2:empty-key']);
  assert.deepEqual(read('=v\n'), { '': 'v' });
  assert.deepEqual(errors('=v\n'), ['1:empty-key']);
});

test('unquoted values: cut at the first " #", trimmed, no escapes, not multi-line', () => {
  assert.deepEqual(
    read('A=b c  # x\nB=a\t#c\nC=#x\nD=a #b #c\nE=   padded  value   \nF=a\\nb\nG=trailing\\\nI=x\r\n'),
    {
      A: 'b c',
      B: 'a\t#c',
      C: '#x',
      D: 'a',
      E: 'padded  value',
      F: 'a\\nb',
      G: 'trailing\\',
      I: 'x',
    },
  );
  assert.deepEqual(read('A=a"b"\nB=a \'b\'\nC=`cmd`\n'), { A: 'a"b"', B: "a 'b'", C: '`cmd`' });
  assert.deepEqual(read('A=\nB=   \nC= # c\n'), { A: '', B: '', C: '# c' });
  assert.deepEqual(read('A=\u00a0x\u00a0\nB=y\u3000\nC=\u2003z\n'), { A: 'x', B: 'y', C: '\u2003z' });
  assert.deepEqual(read('A=\\$H\n'), { A: '\\host' });
});

test('the " #" cut happens before interpolation', () => {
  assert.deepEqual(errors('X=${U:-a #b}\n'), ['1:invalid-interpolation']);
});

test('single quotes: literal, multi-line, v2 backslash scan', () => {
  assert.deepEqual(read("A='$H\\n'\nB='  spaced  '\nC='a # b'\nD=''\nE='${U:?x}'\nF='$$'\n"), {
    A: '$H\\n',
    B: '  spaced  ',
    C: 'a # b',
    D: '',
    E: '${U:?x}',
    F: '$$',
  });
  assert.deepEqual(read("A='it\\'s'\nB='a\\\\'\nC='x\\y'\nD='x\\''\n"), { A: "it's", B: 'a\\\\', C: 'x\\y', D: "x'" });
  assert.deepEqual(read("A='l1\nl2\r\n  l3'\nB=x\n"), { A: 'l1\nl2\r\n  l3', B: 'x' });
  const p = parseEnv("A='l1\nl2'\nB=x\n");
  assert.deepEqual(
    p.entries.map((e) => [e.key, e.line, e.quote]),
    [
      ['A', 1, 'single'],
      ['B', 3, 'none'],
    ],
  );
});

test('double quotes: escapes, then interpolation, multi-line', () => {
  assert.deepEqual(read('A="\\a\\b\\f\\v\\r\\n\\t"\nB="\\c"\nC="\\\\n"\nD="a\\\nb"\nE="\\\'"\n'), {
    A: '\x07\b\f\v\r\n\t',
    B: '\\c',
    C: '\\n',
    D: 'a\\\nb',
    E: "\\'",
  });
  assert.deepEqual(read('A="$$H"\nB="\\${H}"\nC="$${H}"\nD="a # b"\nE="$"\nF="\\0044H"\n'), {
    A: '$H',
    B: '${H}',
    C: '${H}',
    D: 'a # b',
    E: '$',
    F: 'host',
  });
  assert.deepEqual(read('A="x\n${H}\n  y"\nB=1\n'), { A: 'x\nhost\n  y', B: '1' });
  assert.equal(parseEnv('A="x"\n').entries[0]!.quote, 'double');
});

test('expandEscapes: octal forms and Go UnquoteChar failures', () => {
  assert.equal(expandEscapes('\\0101'), 'A');
  assert.equal(expandEscapes('\\012'), '\\12');
  assert.equal(expandEscapes('\\0'), '\\');
  assert.equal(expandEscapes('\\0400'), '\\400');
  assert.equal(expandEscapes('\\01234'), 'S4');
  assert.equal(expandEscapes('\\0089'), '\\089');
  assert.equal(expandEscapes('\\0377'), '\u00ff');
  assert.equal(expandEscapes('\\$'), '$$');
  assert.equal(expandEscapes('\\x41\\u0041\\q'), '\\x41\\u0041\\q');
});

test('text after a closing quote is the next statement', () => {
  assert.deepEqual(read('A="x" B=y\nC=\'p\'#comment\nD="q" # c\nE="r" H\n'), {
    A: 'x',
    B: 'y',
    C: 'p',
    D: 'q',
    E: 'r',
    H: 'host',
  });
});

test('interpolation lookup: environment first, then earlier keys; no forward references', () => {
  assert.deepEqual(read('X=1\nY=$X-${X}\nZ="${X}2"\n'), { X: '1', Y: '1-1', Z: '12' });
  assert.deepEqual(read('H=file\nB=$H\n'), { H: 'file', B: 'host' });
  assert.deepEqual(read('A=$LATER\nLATER=1\n'), { A: '', LATER: '1' });
});

test('duplicates: kept in entries with their lines, last wins in envMap, intermediate value visible in between', () => {
  const p = parseEnv('A=1\nB=$A\nA=2\nC=$A\n');
  assert.deepEqual(
    p.entries.map((e) => [e.key, e.line]),
    [
      ['A', 1],
      ['B', 2],
      ['A', 3],
      ['C', 4],
    ],
  );
  assert.deepEqual(Object.fromEntries(envMap(p.entries)), { A: '2', B: '1', C: '2' });
});

test('CRLF: CR is space in keys and trimmed from unquoted values, kept inside quotes', () => {
  assert.deepEqual(read('A=1\r\nB="x"\r\nC=\'m\r\nn\'\r\nD=v # c\r\nH\r\n'), {
    A: '1',
    B: 'x',
    C: 'm\r\nn',
    D: 'v',
    H: 'host',
  });
  assert.deepEqual(read('A=x\ry\n'), { A: 'x\ry' });
});

test('unterminated quotes: error on the line the quote opens, nothing after it is read', () => {
  assert.deepEqual(errors('A=1\nB="abc\nC=1\n\n'), ['2:unterminated-quote']);
  assert.deepEqual(errors("A='abc"), ['1:unterminated-quote']);
  assert.deepEqual(errors('A="abc\\"\n'), ['1:unterminated-quote']);
  assert.deepEqual(read('A=1\nB="abc\nC=1\n'), { A: '1' });
});

test('invalid templates and required variables are errors with the line and key', () => {
  for (const text of ['A=${U\n', 'A=${1}\n', 'A="${A.B}"\n', 'A=${}\n', 'A=${U:-${B}\n'])
    assert.deepEqual(errors(text), ['1:invalid-interpolation'], text);
  assert.deepEqual(errors('A=1\nB=${U:?need it}\n'), ['2:required-variable']);
  assert.deepEqual(errors('A=${EMPTY:?}\n'), ['1:required-variable']);
  assert.deepEqual(errors('A=${U?}\n'), ['1:required-variable']);
  assert.deepEqual(errors('A=${EMPTY?}\n'), []);
  // the error text of an unused default is still substituted, so it still fails
  assert.deepEqual(errors('A=${H:-${U:?x}}\n'), ['1:required-variable']);
  const [p] = parseEnv('B=${U:?need it}\n').problems;
  assert.equal(p!.key, 'B');
  assert.match(p!.message, /required variable U/);
  assert.ok(!p!.message.includes('need it'));
  // the failing key is not set, and the next statements are still read
  assert.deepEqual(read('A=${U\nB=1\n'), { B: '1' });
});

test('interpolate: every operator', () => {
  const v = (t: string) => {
    const r = interpolate(t, lookup);
    assert.ok(r.error === undefined, t);
    return r.value;
  };
  assert.equal(v('${U:-d}|${EMPTY:-d}|${H:-d}'), 'd|d|host');
  assert.equal(v('${U-d}|${EMPTY-d}|${H-d}'), 'd||host');
  assert.equal(v('${U:+a}|${EMPTY:+a}|${H:+a}'), '||a');
  assert.equal(v('${U+a}|${EMPTY+a}|${H+a}'), '|a|a');
  assert.equal(v('${H:?x}|${H?x}|${EMPTY?x}'), 'host|host|');
  assert.equal(v('${U:-${H:-x}}|${U:-${U2:-deep}}|${U:-a}b${H:+yes}|${U:-x}}'), 'host|deep|abyes|x}');
  assert.equal(v('${U:-http://x:80/p?q=1}|${U-a?b}'), 'http://x:80/p?q=1|a?b');
  // the brace quirks: the match runs to the last "}" of the line, then is cut at its closing brace, skipping the
  // character after every "{"
  assert.equal(v('${H:-{x}}|${U:-{}}'), 'host|{}');
  assert.equal(v('${U:-{x}}|${H}'), '{x}|host');
  assert.equal(interpolate('${U:-{}}|${U-a?b}', lookup).error?.kind, 'invalid-template');
  assert.equal(interpolate('${U:-{x}|${H}', lookup).error?.kind, 'invalid-template');
  assert.equal(v('$1$-$ $$ $$H $H.bar ${H}x'), '$1$-$ $ $H host.bar hostx');
  assert.equal(v('$\u212A|x$\u017Fy'), '|x'); // Go's case-insensitive [a-z] also matches the Kelvin sign and long s
  assert.deepEqual(interpolate('$U ${U} ${U:-d}', lookup), { value: '  d', unset: ['U'] });
  const e = interpolate('${U:?secret-looking message}', lookup);
  assert.equal(e.error?.kind, 'required-missing');
  assert.ok(!e.error?.message.includes('secret-looking'));
  assert.equal(interpolate('ab${', lookup).error?.kind, 'invalid-template');
  assert.equal(interpolate('ab${', lookup).error?.offset, 2);
});

test('findVariables: names, operators, arguments, offsets, nested references', () => {
  assert.deepEqual(findVariables('a $A ${B} ${C:-x${D}y} $$E ${F?} $1 ${G:+${H:-$I}}'), [
    { name: 'A', offset: 2 },
    { name: 'B', offset: 5 },
    { name: 'C', operator: ':-', argument: 'x${D}y', offset: 10 },
    { name: 'D', offset: 16 },
    { name: 'F', operator: '?', argument: '', offset: 27 },
    { name: 'G', operator: ':+', argument: '${H:-$I}', offset: 36 },
    { name: 'H', operator: ':-', argument: '$I', offset: 41 },
    { name: 'I', offset: 46 },
  ]);
  assert.deepEqual(findVariables('${A-1}${B}'), [
    { name: 'A', operator: '-', argument: '1', offset: 0 },
    { name: 'B', offset: 6 },
  ]);
  assert.deepEqual(findVariables('${A:-x} and ${B:-y}'), [
    { name: 'A', operator: ':-', argument: 'x', offset: 0 },
    { name: 'B', operator: ':-', argument: 'y', offset: 12 },
  ]);
  for (const op of [':-', '-', ':?', '?', ':+', '+'] as const)
    assert.equal(findVariables(`\${X${op}v}`)[0]!.operator, op);
  assert.deepEqual(findVariables('${1} ${A.B} $$ $'), []);
});

test('secrets: no value in any problem message', () => {
  const text =
    `${canaryEnvFile()}\nBAD KEY=${CANARIES.REGISTRY}\nX=\${U:?${CANARIES.REGISTRY}}\n` +
    `${CANARIES.DB_PASSWORD}\nY="${CANARIES.API_TOKEN}`;
  const { problems } = parseEnv(text);
  assert.ok(problems.length >= 3);
  assert.deepEqual(
    findLeaks(Object.fromEntries(problems.map((p, i) => [`problem ${i}`, `${p.key ?? ''} ${p.message}`]))),
    [],
  );
  // and the canaries are read as Compose reads them
  const map = envMap(parseEnv(canaryEnvFile()).entries);
  assert.ok(map.get('DB_PASSWORD') === CANARIES.DB_PASSWORD, 'DB_PASSWORD read back');
  assert.ok(map.get('API_TOKEN') === CANARIES.API_TOKEN, 'API_TOKEN read back');
  assert.ok(map.get('MULTILINE_KEY') === CANARIES.MULTILINE_KEY, 'MULTILINE_KEY read back');
});
