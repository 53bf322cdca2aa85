/**
 * A preflight checklist: items grouped as local / per host, each ✓, ⚠ or ✗ with a one-line reason. A leaf of its
 * own, as the vocabulary both check/ and the strategies' preflight rules (strategy/*) speak.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckItem {
  title: string;
  status: CheckStatus;
  detail: string;
}

export interface Checklist {
  local: CheckItem[];
  hosts: { host: string; items: CheckItem[] }[];
}

export function countFailures(list: Checklist): number {
  return [...list.local, ...list.hosts.flatMap((h) => h.items)].filter((i) => i.status === 'fail').length;
}

export const ok = (title: string, detail: string): CheckItem => ({ title, status: 'ok', detail });
export const warn = (title: string, detail: string): CheckItem => ({ title, status: 'warn', detail });
export const fail = (title: string, detail: string): CheckItem => ({ title, status: 'fail', detail });
