/** What to do about the YAML parser's errors: advice after its message, or a message in the user's words. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withYamlHint } from '../../src/config/yaml-hints.js';

test('a known code gets its advice after the parser message', () => {
  assert.equal(
    withYamlHint('TAB_AS_INDENT', 'Tabs are not allowed as indentation'),
    'Tabs are not allowed as indentation: YAML indents with spaces, never tabs',
  );
  assert.match(
    withYamlHint('DUPLICATE_KEY', 'Map keys must be unique'),
    /^Map keys must be unique: a key may appear once/,
  );
});

test('an unknown code keeps the parser message as it is', () => {
  assert.equal(withYamlHint('TAG_RESOLVE_FAILED', 'Unresolved tag: !x'), 'Unresolved tag: !x');
});

test('a message addressed to a programmer using the parser library is replaced', () => {
  const m = withYamlHint('MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()');
  assert.doesNotMatch(m, /parseAllDocuments/);
  assert.match(m, /second YAML document/);
});
