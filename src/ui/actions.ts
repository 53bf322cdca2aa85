/**
 * What the dashboard may ask for, checked before anything runs: a known target, a tag Docker would accept (so it
 * can never be read as an option), and the CLI arguments each action becomes. `--yes` stands for the dashboard's
 * own confirmation dialog, which the request must say it passed.
 */
export type ActionKind = 'deploy' | 'rollback' | 'unlock';

export interface ActionRequest {
  kind: ActionKind;
  target: string;
  /** deploy: the tag to deploy (default: the image.tag rule); rollback: a retained tag to go back to. */
  tag?: string;
  confirmed: boolean;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export class ActionError extends Error {}

export function parseAction(body: unknown, targets: readonly string[]): ActionRequest {
  if (typeof body !== 'object' || body === null) throw new ActionError('the request is not a JSON object');
  const b = body as Record<string, unknown>;
  if (b.kind !== 'deploy' && b.kind !== 'rollback' && b.kind !== 'unlock')
    throw new ActionError('kind must be deploy, rollback or unlock');
  if (typeof b.target !== 'string' || !targets.includes(b.target))
    throw new ActionError(`target must be one of ${targets.join(', ')}`);
  const tag = typeof b.tag === 'string' && b.tag.trim() !== '' ? b.tag.trim() : undefined;
  if (tag !== undefined && (b.kind === 'unlock' || !TAG.test(tag)))
    throw new ActionError(b.kind === 'unlock' ? 'unlock takes no tag' : `"${tag}" is not a valid image tag`);
  if (b.confirmed !== true) throw new ActionError('the action was not confirmed');
  return { kind: b.kind, target: b.target, ...(tag !== undefined && { tag }), confirmed: true };
}

/** The CLI arguments of an action (after `-c CONFIG --json --no-color`). */
export function actionArgs(a: ActionRequest): string[] {
  switch (a.kind) {
    case 'deploy':
      return ['deploy', a.target, ...(a.tag ? ['--tag', a.tag] : []), '--yes'];
    case 'rollback':
      return ['rollback', a.target, ...(a.tag ? ['--to', a.tag] : []), '--yes'];
    case 'unlock':
      return ['lock', 'release', a.target, '--yes'];
  }
}

/** How the dashboard names an action: `deploy v2 to prod`. */
export function describeAction(a: ActionRequest): string {
  if (a.kind === 'deploy') return `deploy ${a.tag ?? '(the image.tag rule)'} to ${a.target}`;
  if (a.kind === 'rollback') return `roll ${a.target} back${a.tag ? ` to ${a.tag}` : ''}`;
  return `release the lock of ${a.target}`;
}
