/**
 * Messages for gangway.yml's validation problems in a user's words: what the value must be, with an example of
 * the form wanted (never the value written: it could be a secret pasted in the wrong place), instead of the
 * validator's "Invalid input: expected string, received number".
 * Messages a schema sets itself (a pattern's explanation) are kept: zod prefers them over this map.
 */
import type * as z from 'zod';
import { DURATION_PATTERN } from '../util/duration.js';
import { didYouMean } from './did-you-mean.js';

type Issue = z.core.$ZodRawIssue;

const WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  boolean: 'true or false',
};

export function issueMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return invalidType(issue.expected, issue.input, isDuration(issue.inst));
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} item${plural(issue.minimum)}`;
      if (issue.origin === 'number' || issue.origin === 'int') return `must be at least ${String(issue.minimum)}`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'array') return `may have at most ${String(issue.maximum)} item${plural(issue.maximum)}`;
      // origin int: past the safe integer range (1e30), which every z.int() has
      if (issue.origin === 'number' || issue.origin === 'int') return `must be at most ${String(issue.maximum)}`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return undefined;
    case 'invalid_value': {
      const values = issue.values.map(String);
      const guess = typeof issue.input === 'string' ? didYouMean(issue.input, values) : undefined;
      return `must be one of: ${values.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`;
    }
    case 'invalid_union':
      return invalidUnion(issue.errors);
    case 'invalid_format':
      if (issue.format === 'url') return 'must be a URL such as http://localhost:8080/health';
      if (issue.format === 'email') return 'must be an email address such as ops@example.com';
      return undefined;
    default:
      return undefined;
  }
}

function invalidType(expected: string, input: unknown, duration: boolean): string | undefined {
  if (input === undefined) return 'is required';
  if (expected === 'string' && duration) {
    return 'write a duration such as 120s, 500ms, 2m or 1h (a number needs a unit: ms, s, m or h)';
  }
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean'))
    return 'must be text: write it in quotes';
  if ((expected === 'number' || expected === 'int') && typeof input === 'string')
    return input.trim() !== '' && !Number.isNaN(Number(input))
      ? 'must be a number: write it without quotes'
      : `must be ${WORDS[expected]}`;
  if ((expected === 'number' || expected === 'int') && typeof input === 'number')
    return Number.isFinite(input)
      ? 'must be a whole number, not a fraction'
      : `must be ${WORDS[expected]} (not .nan or .inf)`;
  if (expected === 'boolean' && (input === 'true' || input === 'false')) return 'must be true or false, without quotes';
  if (expected === 'array' && (typeof input === 'string' || typeof input === 'number'))
    return 'must be a list: [a, b], or one "- item" line per item below the key';
  if (expected === 'object') return 'must be a mapping: its keys on indented lines below it, or { key: value }';
  const word = WORDS[expected];
  return word ? `must be ${word}, not ${describe(input)}` : undefined;
}

/** "text or a list": the shapes the alternatives accept, when each failed only on its type. */
function invalidUnion(branches: readonly (readonly z.core.$ZodIssue[])[]): string | undefined {
  const words: string[] = [];
  for (const branch of branches) {
    const first = branch[0];
    if (branch.length !== 1 || first?.code !== 'invalid_type' || first.path.length > 0) return undefined;
    const word = WORDS[first.expected];
    if (!word) return undefined;
    if (!words.includes(word)) words.push(word);
  }
  return words.length > 0 ? `must be ${words.join(' or ')}` : undefined;
}

function describe(input: unknown): string {
  if (input === null) return 'empty';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return 'text';
  return typeof input === 'number' ? 'a number' : typeof input === 'boolean' ? 'true or false' : typeof input;
}

function plural(n: unknown): string {
  return Number(n) === 1 ? '' : 's';
}

/** A string schema checked against the duration pattern (the schema's `duration()` helper). */
function isDuration(inst: unknown): boolean {
  const checks = (inst as { _zod?: { def?: { checks?: { _zod?: { def?: { pattern?: RegExp } } }[] } } } | undefined)
    ?._zod?.def?.checks;
  return checks?.some((c) => c._zod?.def?.pattern?.source === DURATION_PATTERN.source) ?? false;
}
