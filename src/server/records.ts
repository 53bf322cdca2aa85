/**
 * Release records (`<dir>/.gangway/releases.jsonl`), one JSON line per attempt, written by apply.sh.
 * One vocabulary: `operation` (what was attempted) and `outcome` (how it ended); `status` is the documented
 * single word for both (succeeded | rolled_back | failed | rollback). `isGood` is the one test of a release
 * that passed its health gate.
 */
export type Operation = 'deploy' | 'env-only' | 'rollback';
export type Outcome = 'succeeded' | 'rolled_back' | 'failed';
export type RecordStatus = 'succeeded' | 'rolled_back' | 'failed' | 'rollback';

export interface ReleaseRecord {
  id: string;
  tag: string;
  status: RecordStatus | string;
  operation?: Operation | string;
  outcome?: Outcome | string;
  started?: string;
  finished?: string;
  duration_s?: number;
  who?: string;
  serving?: string;
  failing_step?: string;
  reason?: string;
  /** The run it belongs to (shared by every host of a fleet's rollout; absent before fleets). */
  rollout?: string;
  [field: string]: unknown;
}

/** Passed its health gate (records written before `outcome` existed say so by their status). */
export function isGood(record: Pick<ReleaseRecord, 'status' | 'outcome'>): boolean {
  if (record.outcome !== undefined) return record.outcome === 'succeeded';
  return record.status === 'succeeded' || record.status === 'rollback';
}

/** The documented status (docs/guides/deploy.md) for an operation's outcome. */
export function statusOf(operation: Operation, outcome: Outcome): RecordStatus {
  if (outcome === 'succeeded') return operation === 'rollback' ? 'rollback' : 'succeeded';
  if (outcome === 'rolled_back') return operation === 'rollback' ? 'failed' : 'rolled_back';
  return 'failed';
}
