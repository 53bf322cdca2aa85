/**
 * A YAML document kept with its source positions, so every problem can be reported as file:line:col.
 */
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { withYamlHint } from './yaml-hints.js';
import type { ConfigProblem } from '../errors.js';
import { formatKeyPath, keyPathTo } from './key-path.js';
import { aliasUses, brokenAlias, largestAlias, type AliasUse } from './yaml-aliases.js';

export interface Position {
  line: number;
  col: number;
}

export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source: YamlSource; problems: ConfigProblem[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
    const source = new YamlSource(file, doc, lines);
    const problems = [...doc.errors, ...doc.warnings].map((e) => {
      const pos = lines.linePos(e.pos[0]);
      const key = e.code === 'DUPLICATE_KEY' ? keyStartingAt(doc, e.pos[0]) : undefined;
      return {
        file,
        line: pos.line,
        col: pos.col,
        ...(key && { key }),
        message: withYamlHint(e.code, e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')),
      };
    });
    return { source, problems };
  }

  /**
   * The document (or `doc`, a transformed copy of it) as plain data; an alias that cannot be expanded, or that
   * expands past `maxAliasCount` (yaml's measure of an alias bomb), is a problem at its line, not a crash.
   */
  toJS(maxAliasCount = 100, doc: Document = this.doc): { value: unknown } | { problem: ConfigProblem } {
    const uses = aliasUses(doc);
    const broken = brokenAlias(uses);
    if (broken) return { problem: this.aliasProblem(broken.use, broken.message) };
    try {
      return { value: doc.toJS({ maxAliasCount }) };
    } catch (e) {
      if (!(e instanceof ReferenceError)) throw e;
      const top = largestAlias(uses);
      const what = top ? `alias *${top.alias.source} expands` : 'YAML aliases expand';
      const message = `${what} the document too far (an alias bomb?); gangway refuses it`;
      return { problem: top ? this.aliasProblem(top, message) : { file: this.file, message } };
    }
  }

  private aliasProblem(use: AliasUse, message: string): ConfigProblem {
    const at = this.rangeStart(use.alias);
    return { file: this.file, ...at, ...(use.path.length > 0 && { key: formatKeyPath(use.path) }), message };
  }

  positionOf(offset: number): Position {
    return this.lines.linePos(offset);
  }

  /**
   * Where a key path is written. With `keyName`, the position of that key inside the map at `path`
   * (for unknown keys). A path that does not exist (a missing key) falls back to its nearest existing parent.
   */
  locate(path: readonly PropertyKey[], keyName?: string): Position | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true);
      const target = n === 0 ? this.doc.contents : node;
      if (!isNode(target)) continue;
      if (keyName !== undefined && n === path.length && isMap(target)) {
        const pair = target.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === keyName);
        if (pair && isNode(pair.key) && pair.key.range) return this.positionOf(pair.key.range[0]);
      }
      return this.rangeStart(target);
    }
    return undefined;
  }

  private rangeStart(node: Node): Position | undefined {
    return node.range ? this.positionOf(node.range[0]) : undefined;
  }
}

/** The key path of the mapping key written at `offset` (a repeated key), if it is a plain one. */
function keyStartingAt(doc: Document, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      found = formatKeyPath([...keyPathTo(ancestors, pair), String(pair.key.value)]);
      return visit.BREAK;
    },
  });
  return found;
}
