// The dashboard page: renders the server's snapshot (every target's status and releases, the running action) and
// follows it over server-sent events. Every value is set with textContent: nothing from a server becomes markup.
'use strict';

const token = new URLSearchParams(location.search).get('token') ?? '';
let snapshot;

/** el('td', { class: 'x', testid: 'y' }, child, 'text', …) */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'testid') node.dataset.testid = value;
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

const when = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '');

function hostRow(target, label, status) {
  const h = status?.hosts?.find((x) => x.host === label);
  // A host that could not be read: its lock, tags and drift are unknown, never "free", "none" or "clean".
  const unknown = h?.reachable === false ? 'unknown (host unreachable)' : undefined;
  const items = [
    ...(h?.reasons ?? []).map((r) => el('li', { class: 'reason' }, r)),
    ...(h?.warnings ?? []).map((w) => el('li', { class: 'warning' }, w)),
  ];
  const backups = h?.backups
    ? h.backups.map((b) => {
        const newest = b.newest ? `${b.newest}${b.at ? ` (${when(b.at)})` : ''}` : 'none';
        return `${b.name}: ${newest}${b.lastVerified ? `, verified ${when(b.lastVerified)}` : ', never verified'}`;
      })
    : [];
  return el(
    'tr',
    { testid: `host-${target}-${label}` },
    el('td', {}, label),
    el('td', {}, el('span', { class: `pill ${h?.verdict ?? ''}`, testid: 'verdict' }, h?.verdict ?? '…')),
    el('td', { testid: 'serving' }, unknown ?? h?.currentTag ?? '—'),
    el('td', { testid: 'last-good' }, unknown ?? h?.lastGoodTag ?? '—'),
    el('td', { testid: 'lock' }, h ? (unknown ?? h.lock ?? 'free') : ''),
    el('td', {}, backups.length ? backups.join('; ') : '—'),
    el(
      'td',
      { testid: 'drift' },
      h ? (unknown ?? (h.drifted === true ? 'drifted' : h.drifted === false ? 'clean' : '—')) : '',
    ),
    el('td', {}, items.length ? el('ul', { class: 'reasons' }, items) : ''),
  );
}

function releasesTable(target) {
  const rows = (target.releases?.hosts ?? []).flatMap((h) =>
    (h.releases ?? []).map((r) =>
      el(
        'tr',
        { testid: 'release' },
        el('td', {}, h.host),
        el('td', {}, when(r.started)),
        el('td', {}, r.tag ?? ''),
        el('td', {}, el('span', { class: `pill ${r.status}` }, r.status ?? '')),
        el('td', {}, r.id === h.current ? 'in service' : ''),
        el('td', {}, r.who ?? ''),
        el('td', {}, r.failing_step ? `${r.failing_step}: ${r.reason ?? ''}` : ''),
      ),
    ),
  );
  if (rows.length === 0) return el('p', { class: 'muted' }, 'no releases yet');
  const head = ['host', 'started', 'tag', 'result', '', 'by', 'failure'].map((t) => el('th', {}, t));
  return el('table', { testid: `releases-${target.name}` }, el('thead', {}, el('tr', {}, head)), el('tbody', {}, rows));
}

function targetCard(target) {
  const busy = snapshot.action && !snapshot.action.finished;
  const tag = el('input', { placeholder: 'tag', 'aria-label': `tag for ${target.name}`, testid: `tag-${target.name}` });
  const button = (label, kind, cls) =>
    el('button', { type: 'button', class: cls, disabled: busy, testid: `${kind}-${target.name}` }, label);
  const deploy = button('Deploy', 'deploy', 'danger');
  deploy.onclick = () => act({ kind: 'deploy', target: target.name, tag: tag.value.trim() || undefined });
  const rollback = button('Roll back', 'rollback');
  rollback.onclick = () => act({ kind: 'rollback', target: target.name, tag: tag.value.trim() || undefined });
  const unlock = button('Release lock', 'unlock');
  unlock.onclick = () => act({ kind: 'unlock', target: target.name });
  const verdict = target.status?.verdict;
  const head = ['host', 'verdict', 'serving', 'last good', 'lock', 'backups', 'drift', 'reasons / warnings'];
  return el(
    'section',
    { class: 'card', testid: `target-${target.name}` },
    el(
      'h2',
      {},
      target.name,
      el('span', { class: `pill ${verdict ?? ''}`, testid: `verdict-${target.name}` }, verdict ?? '…'),
      el('span', { class: 'muted' }, target.refreshedAt ? `read ${when(target.refreshedAt)}` : 'reading…'),
    ),
    target.error ? el('p', { class: 'error', testid: `error-${target.name}` }, target.error) : undefined,
    el('div', { class: 'actions' }, tag, deploy, rollback, unlock),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          head.map((t) => el('th', {}, t)),
        ),
      ),
      el(
        'tbody',
        {},
        target.hosts.map((h) => hostRow(target.name, h, target.status)),
      ),
    ),
    el('h3', {}, 'Releases'),
    releasesTable(target),
  );
}

function describe(a) {
  if (a.kind === 'deploy') return `Deploy ${a.tag ?? 'the tag of the image.tag rule'} to ${a.target}?`;
  if (a.kind === 'rollback') return `Roll ${a.target} back${a.tag ? ` to ${a.tag}` : ' to its last good release'}?`;
  return `Release the deploy lock of ${a.target}?`;
}

/** Ask in the dialog; only a confirmed action is sent (and the server runs only confirmed ones). */
function act(request) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = describe(request);
  dialog.returnValue = '';
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'ok') return;
    const response = await fetch('/api/actions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gangway-token': token },
      body: JSON.stringify({ ...request, confirmed: true }),
    });
    if (!response.ok) alert((await response.json()).error ?? response.statusText);
  };
  dialog.showModal();
}

function renderAction(a) {
  const section = document.getElementById('action');
  section.hidden = !a;
  if (!a) return;
  document.getElementById('action-title').textContent = a.title;
  const state = document.getElementById('action-state');
  const result = a.finished ? (a.code === 0 ? 'succeeded' : 'failed') : 'running';
  state.textContent = a.finished ? `${result} (exit ${a.code})` : 'running…';
  state.className = `pill ${result}`;
  const log = document.getElementById('action-log');
  log.dataset.id = String(a.id);
  log.textContent = a.log.join('\n') + (a.finished && a.code !== 0 && a.outcome ? `\n${a.outcome}` : '');
}

function render() {
  document.getElementById('app').textContent = snapshot.app;
  document.getElementById('config').textContent = snapshot.config;
  renderAction(snapshot.action);
  document.getElementById('targets').replaceChildren(...snapshot.targets.map(targetCard));
}

function connect() {
  const connection = document.getElementById('connection');
  const events = new EventSource(`/events?token=${encodeURIComponent(token)}`);
  events.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'pill ok';
  });
  events.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'pill warn';
  });
  events.addEventListener('snapshot', (e) => {
    snapshot = JSON.parse(e.data);
    render();
  });
  events.addEventListener('log', (e) => {
    const { id, line } = JSON.parse(e.data);
    const log = document.getElementById('action-log');
    if (log.dataset.id !== String(id)) return;
    log.textContent += (log.textContent ? '\n' : '') + line;
    log.scrollTop = log.scrollHeight;
  });
}

document.getElementById('refresh').onclick = () =>
  fetch('/api/refresh', { method: 'POST', headers: { 'x-gangway-token': token } });
connect();
