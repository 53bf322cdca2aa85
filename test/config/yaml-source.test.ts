/** YamlSource: every YAML problem as file:line:col (and the key, where one is known), and where a key path is. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YamlSource } from '../../src/config/yaml-source.js';
import { formatProblem } from '../../src/errors.js';

const FILE = 'deploy/gangway.yml';

/** The problems of `text` as the user reads them. */
const problems = (text: string): string[] => YamlSource.parse(FILE, text).problems.map(formatProblem);
const source = (text: string): YamlSource => {
  const { source, problems } = YamlSource.parse(FILE, text);
  assert.deepEqual(problems, []);
  return source;
};

test('valid YAML has no problems and reads as plain data', () => {
  const s = source('app: shop\ntargets:\n  prod: { hosts: [a, b] }\n');
  assert.equal(s.file, FILE);
  assert.deepEqual(s.toJS(), { value: { app: 'shop', targets: { prod: { hosts: ['a', 'b'] } } } });
  assert.deepEqual(source('').toJS(), { value: null });
});

test('a duplicate key names the file, the line of the repeat and its key path', () => {
  const dup = 'Map keys must be unique: a key may appear once per mapping: remove or merge the repeated one';
  assert.deepEqual(problems('app: a\napp: b\n'), [`${FILE}:2:1 app: ${dup}`]);
  assert.deepEqual(problems('health:\n  timeout: 3s\n  timeout: 4s\n'), [`${FILE}:3:3 health.timeout: ${dup}`]);
  assert.deepEqual(problems('hosts:\n  - name: a\n    name: b\n'), [`${FILE}:3:5 hosts[0].name: ${dup}`]);
  assert.deepEqual(problems('env: { file: a, file: b }\n'), [`${FILE}:1:17 env.file: ${dup}`]);
});

test('syntax errors are located and carry advice for the mistakes newcomers make', () => {
  assert.deepEqual(problems('app:\n\tname: x\n'), [
    `${FILE}:2:1: Tabs are not allowed as indentation: YAML indents with spaces, never tabs`,
  ]);
  assert.deepEqual(problems('health: url: http://x\n'), [
    `${FILE}:1:9: Nested mappings are not allowed in compact mappings: a value that contains ": " must be quoted ` +
      '("a: b"), or its keys go on their own indented lines below',
  ]);
  assert.deepEqual(problems('a:\n  b: 1\n c: 2\n'), [
    `${FILE}:3:1: All mapping items must start at the same column: indent every key of one mapping ` +
      '(and every "- " item of one list) by the same number of spaces',
  ]);
  const [quote] = problems('app: "unclosed\n');
  assert.match(quote!, /^deploy\/gangway\.yml:\d+:\d+: Missing closing "quote: close the quote or bracket/);
});

test("the parser's own position suffix is cut: the position is given once, in front", () => {
  for (const text of ['a: [1, 2\n', 'a: @x\n', '- a\nb: 1\n', 'app: "x\n']) {
    for (const p of problems(text)) {
      assert.match(p, /^deploy\/gangway\.yml:\d+:\d+: /);
      assert.doesNotMatch(p, /at line \d+, column \d+/);
      assert.ok(!p.includes('\n'), p);
    }
  }
});

test("a second document is named as such, not as the parser library's advice", () => {
  const [p] = problems('app: a\n---\napp: b\n');
  assert.match(p!, /^deploy\/gangway\.yml:2:1: /);
  assert.doesNotMatch(p!, /parseAllDocuments|please use/);
  assert.match(p!, /---/);
});

test('a warning (an unknown tag) is a problem too', () => {
  assert.deepEqual(problems('app: !secret x\n'), [`${FILE}:1:6: Unresolved tag: !secret`]);
});

test('locate: a value by key path, a key by name, and the nearest parent of a path that does not exist', () => {
  const s = source('top:\n  list:\n    - name: x\n      port: 1\n  other: y\n');
  assert.deepEqual(s.locate(['top', 'list', 0, 'port']), { line: 4, col: 13 });
  assert.deepEqual(s.locate(['top', 'list', 0], 'name'), { line: 3, col: 7 });
  assert.deepEqual(s.locate(['top'], 'other'), { line: 5, col: 3 });
  // An unknown key name at an existing map: the map itself.
  assert.deepEqual(s.locate(['top'], 'nothere'), { line: 2, col: 3 });
  // A missing key: its nearest existing parent; the root: the document.
  assert.deepEqual(s.locate(['top', 'missing', 'deep']), { line: 2, col: 3 });
  assert.deepEqual(s.locate(['top', 'list', 5]), { line: 3, col: 5 });
  assert.deepEqual(s.locate([]), { line: 1, col: 1 });
  assert.equal(source('').locate(['app']), undefined);
});

test('positionOf counts lines and columns from 1', () => {
  const s = source('a: 1\nbb: 2\n');
  assert.deepEqual(s.positionOf(0), { line: 1, col: 1 });
  assert.deepEqual(s.positionOf(5), { line: 2, col: 1 });
  assert.deepEqual(s.positionOf(9), { line: 2, col: 5 });
});

test('an alias that cannot be expanded is a problem at its line and key, not a crash', () => {
  assert.deepEqual(source('a: [1]\nb: [*nowhere]\n').toJS(), {
    problem: {
      file: FILE,
      line: 2,
      col: 5,
      key: 'b[0]',
      message: 'alias *nowhere refers to no anchor (&nowhere must come before it)',
    },
  });
  assert.deepEqual(source('x: &a [1, *a]\n').toJS(), {
    problem: {
      file: FILE,
      line: 1,
      col: 11,
      key: 'x[1]',
      message: 'alias *a is inside its own anchor &a (the document never ends)',
    },
  });
  // At the root there is no key to name.
  assert.deepEqual(source('*nowhere\n').toJS(), {
    problem: {
      file: FILE,
      line: 1,
      col: 1,
      message: 'alias *nowhere refers to no anchor (&nowhere must come before it)',
    },
  });
});

test('aliases within the limit expand; past it, the alias that expands most is blamed', () => {
  const text = 'a: &x [1, 2]\nb: [*x, *x, *x]\n';
  assert.deepEqual(source(text).toJS(), {
    value: {
      a: [1, 2],
      b: [
        [1, 2],
        [1, 2],
        [1, 2],
      ],
    },
  });
  const r = source(text).toJS(2);
  assert.ok('problem' in r);
  assert.deepEqual(r.problem, {
    file: FILE,
    line: 2,
    col: 5,
    key: 'b[0]',
    message: 'alias *x expands the document too far (an alias bomb?); gangway refuses it',
  });
});
