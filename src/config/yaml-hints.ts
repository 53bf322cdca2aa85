/** What to do about the YAML parser's errors that newcomers meet most: the parser says what, not how to fix it. */
const HINTS: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY:
    'a value that contains ": " must be quoted ("a: b"), or its keys go on their own indented lines below',
  BAD_INDENT: 'indent every key of one mapping (and every "- " item of one list) by the same number of spaces',
  MISSING_CHAR: 'close the quote or bracket that was opened',
  DUPLICATE_KEY: 'a key may appear once per mapping: remove or merge the repeated one',
  TAB_AS_INDENT: 'YAML indents with spaces, never tabs',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check for a missing ":" or quote on the line above',
  UNEXPECTED_TOKEN: 'check for a stray character, or quote the value',
};

/** Parser messages that speak to a programmer using the library, replaced. */
const MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'a second YAML document starts at this "---": the file holds one document, remove the line',
};

/** The parser's message with what to do, when there is advice for its code. */
export function withYamlHint(code: string, message: string): string {
  const replaced = MESSAGES[code];
  if (replaced) return replaced;
  const hint = HINTS[code];
  return hint ? `${message}: ${hint}` : message;
}
