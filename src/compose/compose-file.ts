/**
 * Compose files read with their source positions, so every check can point at file:line:col.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { isNode, isScalar, visit, type Pair } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { keyPathTo } from '../config/key-path.js';
import { YamlSource } from '../config/yaml-source.js';

export interface ComposeFile {
  /** Absolute path. */
  path: string;
  /** How the file is named in problems (relative to the display base). */
  file: string;
  text: string;
  source: YamlSource;
  /**
   * The document as plain data, as compose sees one file before interpolation: `<<` merge keys applied,
   * entries tagged `!reset` removed, `!override` tags dropped. Variables are NOT substituted.
   */
  doc: unknown;
  /** Key paths of entries tagged `!reset` (removed from `doc`; they clear what earlier files set). */
  resets: PropertyKey[][];
  /** Key paths of entries tagged `!override` (they replace, not merge with, what earlier files set). */
  overrides: PropertyKey[][];
}

/** Compose's own YAML tags: unknown to the YAML library, not problems. */
const COMPOSE_TAGS = new Set(['!reset', '!override']);

/**
 * Read and parse compose files, in order. A file that cannot be read or has YAML syntax errors yields
 * problems and no ComposeFile; the others are returned even when some fail.
 */
export async function loadComposeFiles(
  paths: readonly string[],
  displayBase: string,
): Promise<{ files: ComposeFile[]; problems: ConfigProblem[] }> {
  const files: ComposeFile[] = [];
  const problems: ConfigProblem[] = [];
  for (const p of paths) {
    const path = resolve(p);
    const file = displayName(path, displayBase);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      problems.push({ file, message: readFailure(cause) });
      continue;
    }
    const parsed = parseComposeFile(text, path, file);
    problems.push(...parsed.problems);
    if (parsed.file) files.push(parsed.file);
  }
  return { files, problems };
}

/**
 * Parse one compose file's text. `file` is its display name. No ComposeFile when the YAML has errors;
 * a ConfigError when its aliases cannot be expanded safely.
 */
export function parseComposeFile(
  text: string,
  path: string,
  file: string,
): { file?: ComposeFile; problems: ConfigProblem[] } {
  const { source, problems: yamlProblems } = YamlSource.parse(file, text);
  const problems = yamlProblems.filter(
    (p) => !/^Unresolved tag: (.*)$/.test(p.message) || !COMPOSE_TAGS.has(p.message.slice('Unresolved tag: '.length)),
  );
  if (source.doc.errors.length > 0) return { problems };
  const plain = plainDocument(source);
  // Not one problem among others: no Compose, local or on a server, may be handed the file (an alias bomb
  // hangs it), so the command stops here, before any host is contacted.
  if ('problem' in plain) throw new ConfigError([plain.problem]);
  const { doc, resets, overrides } = plain;
  if (doc === null || doc === undefined)
    problems.push({ file, message: 'the file is empty (compose needs at least a services mapping)' });
  return { file: { path, file, text, source, doc, resets, overrides }, problems };
}

type Plain = { doc: unknown; resets: PropertyKey[][]; overrides: PropertyKey[][] } | { problem: ConfigProblem };

function plainDocument(source: YamlSource): Plain {
  const resets: PropertyKey[][] = [];
  const overrides: PropertyKey[][] = [];
  const copy = source.doc.clone();
  visit(copy, {
    Pair(_key, pair, path) {
      const value = pair.value;
      if (!isNode(value) || value.tag === undefined || !COMPOSE_TAGS.has(value.tag)) return undefined;
      const keyPath = pairPath(path, pair);
      if (value.tag === '!reset') {
        resets.push(keyPath);
        return visit.REMOVE;
      }
      overrides.push(keyPath);
      value.tag = undefined;
      return undefined;
    },
  });
  // YAML 1.2 has no merge keys, but compose files use `<<: *anchor` (go-yaml supports it).
  copy.setSchema('1.2', { merge: true });
  // Compose files repeat anchors more than gangway.yml does (x- blocks merged into every service).
  const plain = source.toJS(10_000, copy);
  return 'problem' in plain ? plain : { doc: plain.value, resets, overrides };
}

/** Key path of a pair from the ancestors `visit` passes. */
function pairPath(ancestors: readonly unknown[], pair: Pair): PropertyKey[] {
  return [...keyPathTo(ancestors, pair), isScalar(pair.key) ? String(pair.key.value) : '?'];
}

function displayName(path: string, base: string): string {
  return relative(resolve(base), path) || path;
}

function readFailure(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'compose file not found';
    case 'EISDIR':
      return 'is a directory, not a compose file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot read the compose file: permission denied';
    default:
      return `cannot read the compose file (${code ?? 'unknown error'})`;
  }
}
