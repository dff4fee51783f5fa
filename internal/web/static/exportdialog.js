// The export dialog: what to export, how, and which columns, with the
// estimate before starting; then a live progress bar and the download.
import { api, el, fmt, debounce, timezones, downloadExport } from './app.js';

const dialog = document.getElementById('export-dialog');
const form = document.getElementById('export-form');
const $ = (id) => document.getElementById(id);
const ui = {
  title: $('export-title'),
  options: $('export-options'),
  progressView: $('export-progress'),
  scopeField: $('ex-scope-field'),
  scope: $('ex-scope'),
  compression: $('ex-compression'),
  zone: $('ex-timezone'),
  range: $('ex-range'),
  start: $('ex-start'),
  end: $('ex-end'),
  fieldQ: $('ex-field-q'),
  fieldCount: $('ex-fields-count'),
  groups: $('ex-field-groups'),
  estimate: $('ex-estimate'),
  error: $('ex-error'),
  startBtn: $('ex-start-btn'),
  close: $('ex-close'),
  download: $('ex-download'),
  progress: $('ex-progress'),
  progressLabel: $('ex-progress-label'),
  progressDetail: $('ex-progress-detail'),
  failed: $('ex-failed'),
};

let seg = null; // {segmentId, name, timezone}
let segWindow = null; // the segment's own window, from a preview
const fieldLists = new Map(); // export type to its groups
let selected = new Set();
let touched = false; // whether the person changed the columns
let op = null;
let polling = 0;

function value(name) {
  return form.querySelector(`input[name="${name}"]:checked`)?.value;
}

function type() {
  return value('type');
}

// openExport shows the dialog for a saved segment.
export async function openExport(s) {
  seg = s;
  segWindow = null;
  op = null;
  clearInterval(polling);
  ui.title.textContent = `Export “${s.name}”`;
  ui.options.hidden = false;
  ui.progressView.hidden = true;
  ui.startBtn.hidden = false;
  ui.startBtn.disabled = false;
  ui.download.hidden = true;
  ui.close.textContent = 'Cancel';
  ui.error.hidden = true;
  ui.failed.hidden = true;
  ui.estimate.hidden = false;
  document.getElementById('ex-all').hidden = true;
  if (!ui.zone.options.length) {
    ui.zone.append(...timezones().map((z) => el('option', { value: z, text: z.replaceAll('_', ' ') })));
  }
  ui.zone.value = s.timezone || 'UTC';
  ui.range.value = 'segment';
  showRange();
  ui.estimate.textContent = 'Estimating…';
  if (!dialog.open) dialog.showModal();
  // The segment's own window is the default time range of the rows.
  try {
    const p = await api('POST', '/segments/v1/preview', { segmentId: s.segmentId });
    segWindow = { start: p.start || '', end: p.end || '' };
  } catch (e) {
    ui.error.textContent = e.message;
    ui.error.hidden = false;
  }
  await loadFields();
  estimate();
}

async function loadFields() {
  const t = type();
  if (!fieldLists.has(t)) {
    ui.groups.replaceChildren(el('p', { class: 'muted small', text: 'Loading columns…' }));
    try {
      fieldLists.set(t, (await api('GET', `/ui/api/fields?type=${t}`)).groups);
    } catch (e) {
      ui.groups.replaceChildren(el('p', { class: 'error', text: e.message }));
      return;
    }
  }
  resetFields();
}

function allFields() {
  return (fieldLists.get(type()) || []).flatMap((g) => g.fields);
}

function resetFields() {
  selected = new Set(allFields().filter((f) => f.default).map((f) => f.name));
  touched = false;
  renderFields();
}

function renderFields() {
  const q = ui.fieldQ.value.trim().toLowerCase();
  const groups = fieldLists.get(type()) || [];
  ui.groups.replaceChildren(...groups.map((g, gi) => {
    const shown = g.fields.filter((f) => !q || f.name.toLowerCase().includes(q));
    if (!shown.length) return null;
    const on = g.fields.filter((f) => selected.has(f.name)).length;
    const all = el('input', {
      type: 'checkbox', id: `exg-${gi}`, checked: on === g.fields.length && on > 0,
      indeterminate: on > 0 && on < g.fields.length,
      onchange: (e) => {
        for (const f of g.fields) e.target.checked ? selected.add(f.name) : selected.delete(f.name);
        touched = true;
        renderFields();
        document.getElementById(`exg-${gi}`)?.focus();
      },
    });
    return el('div', { class: 'field-group' },
      el('label', { for: all.id }, all, `${g.name} (${on}/${g.fields.length})`),
      el('ul', {}, shown.map((f) => el('li', {}, el('label', {},
        el('input', {
          type: 'checkbox', name: 'field', value: f.name, checked: selected.has(f.name),
          onchange: (e) => {
            e.target.checked ? selected.add(f.name) : selected.delete(f.name);
            touched = true;
            const box = document.getElementById(`exg-${gi}`);
            const n = g.fields.filter((x) => selected.has(x.name)).length;
            box.checked = n === g.fields.length;
            box.indeterminate = n > 0 && n < g.fields.length;
            box.parentElement.lastChild.textContent = `${g.name} (${n}/${g.fields.length})`;
            countFields();
          },
        }),
        f.name, el('span', { class: 'kind', text: f.kind }))))));
  }));
  if (!ui.groups.children.length) ui.groups.append(el('p', { class: 'muted small', text: 'No column matches.' }));
  countFields();
}

function countFields() {
  const n = selected.size;
  const total = allFields().length;
  ui.fieldCount.textContent = touched
    ? `${fmt.int(n)} of ${fmt.int(total)} chosen`
    : `the defaults: ${fmt.int(n)} of ${fmt.int(total)}, custom properties included`;
}

// chosenFields is the fields list to send: none for the defaults, so the
// server also adds properties that arrive before the export runs.
function chosenFields() {
  if (!touched) return undefined;
  return allFields().map((f) => f.name).filter((n) => selected.has(n));
}

function showRange() {
  const custom = ui.range.value === 'custom';
  for (const x of form.querySelectorAll('[data-custom]')) x.hidden = !custom;
  ui.scopeField.hidden = type() !== 'TYPE_EVENT';
}

function timeRange() {
  switch (ui.range.value) {
    case 'segment':
      return segWindow && (segWindow.start || segWindow.end) ? segWindow : undefined;
    case 'custom':
      return { start: ui.start.value, end: ui.end.value };
    default:
      return undefined;
  }
}

// request is the POST /segments/v1/exports body of the form.
function request() {
  const body = {
    segmentId: seg.segmentId, type: type(), format: value('format'), timezone: ui.zone.value,
  };
  if (ui.compression.value) body.compression = ui.compression.value;
  const range = timeRange();
  if (range) body.timeRange = range;
  const fields = chosenFields();
  if (fields) body.fields = fields;
  if (body.type === 'TYPE_EVENT') body.eventDetails = { scope: ui.scope.value };
  return body;
}

let estimateSeq = 0;
const estimate = debounce(async () => {
  const seq = ++estimateSeq;
  const req = request();
  ui.estimate.textContent = 'Estimating…';
  try {
    const res = await api('POST', '/segments/v1/preview', { segmentId: seg.segmentId, export: req });
    if (seq !== estimateSeq) return;
    ui.estimate.textContent = estimateText(res, req);
    ui.error.hidden = true;
  } catch (e) {
    if (seq !== estimateSeq) return;
    ui.estimate.textContent = 'No estimate';
    ui.error.textContent = e.message;
    ui.error.hidden = false;
  }
}, 250);

function estimateText(res, req) {
  if (res.estimate && res.estimate.rows != null) {
    const size = res.estimate.bytes ? `, about ${fmt.bytes(res.estimate.bytes)}` : '';
    return `${fmt.plural(res.estimate.rows, 'row', 'rows')}${size}`;
  }
  // Without an estimate from the server, the preview's counts bound it:
  // the segment's people, or their events in its window.
  if (req.type === 'TYPE_INDIVIDUAL') return `about ${fmt.plural(res.people, 'row', 'rows')}`;
  const exact = ui.range.value === 'segment' && req.eventDetails.scope === 'SCOPE_INDIVIDUAL';
  return `${exact ? '' : 'up to '}${fmt.plural(res.events, 'row', 'rows')}`;
}

async function start(e) {
  e.preventDefault();
  ui.error.hidden = true;
  if (touched && selected.size === 0) {
    ui.error.textContent = 'Choose at least one column.';
    ui.error.hidden = false;
    document.getElementById('ex-fields').open = true;
    ui.fieldQ.focus();
    return;
  }
  ui.startBtn.disabled = true;
  try {
    const { operationId } = await api('POST', '/segments/v1/exports', request());
    op = { id: operationId };
  } catch (err) {
    ui.error.textContent = err.message;
    ui.error.hidden = false;
    ui.startBtn.disabled = false;
    return;
  }
  ui.options.hidden = true;
  ui.progressView.hidden = false;
  ui.startBtn.hidden = true;
  ui.estimate.hidden = true;
  document.getElementById('ex-all').hidden = false;
  ui.close.textContent = 'Close';
  setProgress(0, 'Export queued…');
  poll();
  polling = setInterval(poll, 500);
}

function setProgress(pct, label, cls = '') {
  ui.progress.className = `progress ${cls}`;
  ui.progress.setAttribute('aria-valuenow', String(pct));
  ui.progress.querySelector('.progress-bar').style.width = `${pct}%`;
  ui.progressLabel.textContent = label;
}

async function poll() {
  if (!op) return;
  let o;
  try {
    o = await api('GET', '/operations/v1/' + encodeURIComponent(op.id));
  } catch (e) {
    ui.progressDetail.textContent = `Could not check the export: ${e.message}`;
    return;
  }
  op = o;
  switch (o.state) {
    case 'PENDING':
      setProgress(o.estimatePctComplete, `Exporting… ${o.estimatePctComplete}%`);
      ui.progressDetail.textContent = 'You can close this dialog; the export keeps running and shows on the Exports page.';
      return;
    case 'COMPLETED':
      clearInterval(polling);
      setProgress(100, 'Export complete', 'done');
      ui.progressDetail.textContent = `${fmt.plural(o.rows, 'row', 'rows')}, ${fmt.bytes(o.bytes)}. ` +
        `The file is kept until ${fmt.dateTime(o.results?.expires)}.`;
      ui.download.hidden = false;
      ui.download.focus();
      return;
    default:
      clearInterval(polling);
      setProgress(o.estimatePctComplete || 100, o.state === 'CANCELLED' ? 'Export cancelled' : 'Export failed', 'failed');
      ui.failed.textContent = o.errorDetails || 'The export did not finish.';
      ui.failed.hidden = false;
      ui.progressDetail.textContent = '';
  }
}

form.addEventListener('submit', start);
form.addEventListener('change', (e) => {
  if (e.target.name === 'type') {
    showRange();
    loadFields().then(estimate);
    return;
  }
  if (e.target.name === 'field' || e.target.id?.startsWith('exg-')) return;
  showRange();
  estimate();
});
ui.fieldQ.addEventListener('input', renderFields);
ui.fieldQ.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
$('ex-fields-default').addEventListener('click', () => { resetFields(); estimate(); });
$('ex-fields-none').addEventListener('click', () => { selected.clear(); touched = true; renderFields(); });
for (const b of dialog.querySelectorAll('[data-close]')) b.addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => clearInterval(polling));
ui.download.addEventListener('click', async () => {
  try {
    await downloadExport(op.results.searchExportId);
  } catch (e) {
    ui.failed.textContent = `Could not download: ${e.message}`;
    ui.failed.hidden = false;
  }
});
