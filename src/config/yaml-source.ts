/**
 * A YAML document kept with its source positions, so every problem can be reported as file:line:col.
 */
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigProblem } from '../errors.js';

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
      return { file, line: pos.line, col: pos.col, message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') };
    });
    return { source, problems };
  }

  toJS(): unknown {
    return this.doc.toJS();
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
