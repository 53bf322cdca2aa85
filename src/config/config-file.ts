/**
 * gangway.yml read and parsed once per command although two readers want it early: a command's early
 * connections (cli/early-connect.ts), which need only the target's hosts, and loadConfig, which validates it all.
 * The early reader leaves what it read here; loadConfig takes it if it is for the same file (and the same text),
 * once, and otherwise reads for itself.
 */
import { readFile } from 'node:fs/promises';
import type { ConfigProblem } from '../errors.js';
import { YamlSource } from './yaml-source.js';

export interface ConfigSource {
  source: YamlSource;
  problems: ConfigProblem[];
}

let readAhead: { file: string; text: Promise<string> } | undefined;
let parsedAhead: { displayName: string; text: string; parsed: ConfigSource } | undefined;

/** The file's text, read now and kept for loadConfig. */
export function readConfigAhead(file: string): Promise<string> {
  const text = readFile(file, 'utf8');
  text.catch(() => {}); // loadConfig reports it
  readAhead = { file, text };
  return text;
}

/** The file's text: what was read ahead for it, else read now. */
export function readConfigText(file: string): Promise<string> {
  const ahead = readAhead;
  readAhead = undefined;
  return ahead?.file === file ? ahead.text : readFile(file, 'utf8');
}

/** The text parsed, kept for parseConfig. */
export function parseConfigAhead(displayName: string, text: string): ConfigSource {
  const parsed = YamlSource.parse(displayName, text);
  parsedAhead = { displayName, text, parsed };
  return parsed;
}

/** The text parsed: what was parsed ahead for it, else parsed now. */
export function parseConfigSource(displayName: string, text: string): ConfigSource {
  const ahead = parsedAhead;
  parsedAhead = undefined;
  return ahead?.displayName === displayName && ahead.text === text ? ahead.parsed : YamlSource.parse(displayName, text);
}
