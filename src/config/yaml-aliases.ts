/**
 * YAML aliases are how a document attacks its reader: an alias bomb ("billion laughs") expands exponentially,
 * an alias inside its own anchor never ends, an alias to no anchor cannot be read. These find the alias to
 * blame, so that it is reported at its line instead of crashing the reader.
 */
import { isAlias, isCollection, isPair, visit, type Alias, type Document, type Node } from 'yaml';
import { keyPathTo } from './key-path.js';

export interface AliasUse {
  alias: Alias;
  /** The anchored node it repeats: the last `&name` before it, as YAML resolves it. */
  target?: Node;
  path: PropertyKey[];
  /** It sits inside the node it repeats: a recursive document. */
  recursive: boolean;
}

export function aliasUses(doc: Document): AliasUse[] {
  const anchors = new Map<string, Node>();
  const uses: AliasUse[] = [];
  visit(doc, {
    Node(_key, node, ancestors) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        const recursive = target !== undefined && ancestors.includes(target);
        uses.push({ alias: node, ...(target && { target }), path: keyPathTo(ancestors, node), recursive });
      } else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return uses;
}

/** The first alias that cannot be expanded at all, and why. */
export function brokenAlias(uses: readonly AliasUse[]): { use: AliasUse; message: string } | undefined {
  for (const use of uses) {
    const name = use.alias.source;
    if (!use.target) return { use, message: `alias *${name} refers to no anchor (&${name} must come before it)` };
    if (use.recursive) {
      return { use, message: `alias *${name} is inside its own anchor &${name} (the document never ends)` };
    }
  }
  return undefined;
}

/** The alias whose expansion is largest: the top of an alias bomb. */
export function largestAlias(uses: readonly AliasUse[]): AliasUse | undefined {
  const targets = new Map(uses.map((u) => [u.alias, u.target]));
  const sizes = new Map<unknown, number>();
  const measure = (node: unknown): number => {
    if (isAlias(node)) return measure(targets.get(node));
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 1); // met again while measuring itself (a recursive alias): counted once
    let size = 1;
    if (isCollection(node)) {
      for (const item of node.items) size += isPair(item) ? measure(item.key) + measure(item.value) : measure(item);
    }
    sizes.set(node, size);
    return size;
  };
  let largest: { use: AliasUse; size: number } | undefined;
  for (const use of uses) {
    const size = measure(use.alias);
    if (!largest || size > largest.size) largest = { use, size };
  }
  return largest?.use;
}
