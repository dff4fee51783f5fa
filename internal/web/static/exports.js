// The exports page: every export operation with what it was asked for,
// its state and live progress, rows and size, expiry, the reason it
// failed, and cancel and download buttons.
import { api, el, fmt, toast, confirmDialog, downloadExport } from './app.js';

const rows = document.getElementById('ops-rows');
const stateSel = document.getElementById('ops-state');
const more = document.getElementById('ops-more');

let ops = [];
let next = '';
const details = new Map(); // operation id to what it was asked for
let timer = 0;
const highlight = new URLSearchParams(location.search).get('op');

const stateLabels = {
  PENDING: ['Running', 'brand'], COMPLETED: ['Completed', 'ok'], FAILED: ['Failed', 'bad'],
  CANCELLED: ['Cancelled', 'warn'], EXPIRED: ['Expired', ''],
};
const typeLabels = { TYPE_EVENT: 'Events', TYPE_INDIVIDUAL: 'People' };
const scopeLabels = {
  SCOPE_INDIVIDUAL: 'all events of the people', SCOPE_SESSIONS: 'events of matching sessions',
  SCOPE_PAGES: 'events of matching pages', SCOPE_EVENT: 'matching events only',
};

function query(limit, token = '') {
  const p = new URLSearchParams({ limit: String(limit) });
  if (stateSel.value) p.set('state', stateSel.value);
  if (token) p.set('paginationToken', token);
  return '/operations/v1?' + p;
}

// refresh reloads the operations shown so far, and keeps polling while
// any is running.
async function refresh() {
  clearTimeout(timer);
  try {
    const page = await api('GET', query(Math.min(100, Math.max(20, ops.length))));
    ops = page.operations;
    if (!next || ops.length < 100) next = page.nextPaginationToken || '';
    await loadDetails(ops);
    render();
  } catch (e) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'error', text: e.message })));
  }
  const running = ops.some((o) => o.state === 'PENDING');
  timer = setTimeout(refresh, running ? 1000 : 10000);
}

async function loadMore() {
  const page = await api('GET', query(20, next));
  ops.push(...page.operations);
  next = page.nextPaginationToken || '';
  await loadDetails(page.operations);
  render();
}

async function loadDetails(list) {
  const want = list.map((o) => o.id).filter((id) => !details.has(id));
  if (!want.length) return;
  try {
    const { operations } = await api('GET', '/ui/api/operations?ids=' + want.map(encodeURIComponent).join(','));
    for (const [id, d] of Object.entries(operations)) details.set(id, d);
  } catch {
    // The table still shows state and progress without the details.
  }
}

function render() {
  more.hidden = !next;
  if (!ops.length) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'muted' },
      'No exports yet. Open a ', el('a', { href: '/ui/segments', text: 'segment' }), ' and choose Export.')));
    return;
  }
  const focused = document.activeElement?.dataset?.action;
  rows.replaceChildren(...ops.map(row));
  if (focused) rows.querySelector(`[data-action="${CSS.escape(focused)}"]`)?.focus();
}

function row(o) {
  const d = details.get(o.id) || {};
  const [label, cls] = stateLabels[o.state] || [o.state, ''];
  const kept = o.state === 'COMPLETED' && o.results?.expires && new Date(o.results.expires) > Date.now();
  const stateCell = el('td', { class: 'state-cell', 'data-label': 'State' },
    el('span', { class: `pill ${cls}`, text: label }));
  if (o.state === 'PENDING') {
    const bar = el('div', { class: 'progress-bar' });
    bar.style.width = `${o.estimatePctComplete}%`;
    stateCell.append(' ', el('span', { class: 'small muted', text: `${o.estimatePctComplete}%` }),
      el('div', {
        class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
        'aria-valuenow': o.estimatePctComplete, 'aria-label': 'Export progress',
      }, bar));
  }
  if (o.errorDetails && o.state !== 'COMPLETED') {
    stateCell.append(el('div', { class: 'reason', text: o.errorDetails }));
  }
  const options = [typeLabels[d.type] || d.type, formatName(d.format), d.compression ? d.compression.replace('COMPRESSION_', '').toLowerCase() : null]
    .filter(Boolean).join(' · ');
  const range = d.start || d.end
    ? `${d.start ? fmt.date(d.start) : 'start'} – ${d.end ? fmt.date(d.end) : 'now'}`
    : 'all time';
  const actions = el('td', { class: 'actions-cell' });
  if (o.state === 'PENDING') {
    actions.append(el('button', {
      type: 'button', class: 'small', dataset: { action: 'cancel-' + o.id }, text: 'Cancel',
      onclick: () => cancel(o),
    }));
  }
  if (kept) {
    actions.append(el('button', {
      type: 'button', class: 'small primary', dataset: { action: 'download-' + o.id }, text: 'Download',
      'aria-label': `Download ${d.fileName || 'the file'}`,
      onclick: () => downloadExport(o.results.searchExportId).catch((e) => toast(`Could not download: ${e.message}`, 'bad')),
    }));
  }
  return el('tr', { class: o.id === highlight ? 'highlight' : null, dataset: { id: o.id, state: o.state } },
    el('td', { class: 'nowrap', 'data-label': 'Started', title: fmt.dateTime(o.createdAt) },
      fmt.dateTime(o.createdAt), el('span', { class: 'sub', text: fmt.relative(o.createdAt) })),
    el('td', { class: 'name', 'data-label': 'Segment' }, d.segmentId
      ? el('a', { href: '/ui/segments/' + encodeURIComponent(d.segmentId), text: d.segmentName || d.segmentId })
      : '—'),
    el('td', { 'data-label': 'Options' }, options || '—',
      el('span', { class: 'sub', text: [d.type === 'TYPE_EVENT' ? scopeLabels[d.scope] : null, range, d.timezone].filter(Boolean).join(' · ') })),
    stateCell,
    el('td', { class: 'num', 'data-label': 'Rows', text: o.state === 'COMPLETED' || o.rows ? fmt.int(o.rows) : '—' }),
    el('td', { class: 'num', 'data-label': 'Size', text: o.bytes ? fmt.bytes(o.bytes) : '—' }),
    el('td', { class: 'nowrap', 'data-label': 'Kept until', title: fmt.dateTime(o.results?.expires) },
      kept ? fmt.date(o.results.expires) : o.state === 'EXPIRED' ? 'deleted' : '—'),
    actions);
}

function formatName(f) {
  return { FORMAT_CSV: 'CSV', FORMAT_JSON: 'JSON', FORMAT_NDJSON: 'NDJSON', FORMAT_PARQUET: 'Parquet' }[f] || f || '';
}

async function cancel(o) {
  if (!(await confirmDialog('Stop this export? Nothing of it is kept.', 'Stop export'))) return;
  try {
    await api('POST', `/operations/v1/${encodeURIComponent(o.id)}/cancel`);
    toast('Export cancelled');
  } catch (e) {
    toast(`Could not cancel: ${e.message}`, 'bad');
  }
  refresh();
}

stateSel.addEventListener('change', () => { ops = []; next = ''; refresh(); });
more.addEventListener('click', () => loadMore().catch((e) => toast(e.message, 'bad')));
refresh();
