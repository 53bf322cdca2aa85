/**
 * A host with a stub `docker` first on PATH that plays the gangway-proxy container: its proxy home (label), its
 * state, the routes and upstreams of Caddy's admin API. The scripts run for real under the local sh (LocalHost).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/testenv.js';

const DOCKER = `#!/bin/sh
d=$(dirname "$0")
[ -s "$d/home" ] || exit 1 # no such container
case "$1" in
  inspect)
    case "$3" in
      *gangway.proxy.home*) cat "$d/home" 2>/dev/null || exit 1 ;;
      *State.Running*) cat "$d/running" 2>/dev/null || exit 1 ;;
      *State.Status*) cat "$d/status" 2>/dev/null || exit 1 ;;
      *) exit 1 ;;
    esac ;;
  exec) # docker exec gangway-proxy wget -q -O OUT URL
    case "$7" in
      */id/*) grep -qxF "\${7##*/id/}" "$d/routes" 2>/dev/null ;;
      */reverse_proxy/upstreams) cat "$d/upstreams" 2>/dev/null ;;
      *) exit 1 ;;
    esac ;;
  *) exit 1 ;;
esac
`;

export interface StubProxy {
  /** The app's <dir>/.gangway. */
  state: string;
  /** The proxy's home (its maintenance pages live in maintenance/). */
  home: string;
  /** Set what `docker` answers: no proxy at all, its state, the routes it has, Caddy's upstreams JSON. */
  set(facts: { exists?: boolean; running?: boolean; routes?: string[]; upstreams?: string }): void;
}

/** Puts the stub first on this process's PATH (each test file runs in its own process). */
export function stubProxy(): StubProxy {
  const root = tempDir('gangway-proxy-stub-');
  const bin = join(root, 'bin');
  const home = join(root, 'proxy-home');
  const state = join(root, 'app', '.gangway');
  mkdirSync(bin);
  mkdirSync(join(state, 'proxy'), { recursive: true });
  writeFileSync(join(bin, 'docker'), DOCKER, { mode: 0o755 });
  process.env.PATH = `${bin}:${process.env.PATH}`;
  const set: StubProxy['set'] = ({ exists = true, running = true, routes = [], upstreams = '[]\n' }) => {
    writeFileSync(join(bin, 'home'), exists ? `${home}\n` : '');
    writeFileSync(join(bin, 'running'), `${running}\n`);
    writeFileSync(join(bin, 'status'), running ? 'running\n' : 'exited\n');
    writeFileSync(join(bin, 'routes'), routes.map((r) => `${r}\n`).join(''));
    writeFileSync(join(bin, 'upstreams'), upstreams);
  };
  set({});
  return { state, home, set };
}
