// The segment builder: a form over the segment definition language
// (docs/segments.md), a live preview that follows every change, and
// save, rename, duplicate, delete and export.
import {
  api, APIError, el, fmt, debounce, toast, confirmDialog, barChart, fillDays,
  browserZone,
} from './app.js';
import { openExport } from './exportdialog.js';
import { renderForm } from './form.js';
import { setCatalog, incomplete as defIncomplete, cleanDef as clean, describe } from './segmodel.js';

const root = document.getElementById('builder');
const nameInput = document.getElementById('seg-name');
const badge = document.getElementById('seg-badge');
const saveState = document.getElementById('save-state');
const whenBox = document.getElementById('when');
const criteriaRoot = document.getElementById('criteria-root');
const jsonView = document.getElementById('def-json');
const btn = {
  save: document.getElementById('act-save'),
  duplicate: document.getElementById('act-duplicate'),
  del: document.getElementById('act-delete'),
  exp: document.getElementById('act-export'),
};
const pv = {
  box: document.querySelector('.preview'),
  state: document.getElementById('preview-state'),
  people: document.getElementById('pv-people'),
  sessions: document.getElementById('pv-sessions'),
  events: document.getElementById('pv-events'),
  error: document.getElementById('pv-error'),
  window: document.getElementById('pv-window'),
  funnel: document.getElementById('pv-funnel'),
  chart: document.getElementById('pv-chart'),
};
const funnelTitle = document.getElementById('pv-funnel-h');

let segId = root.dataset.segmentId;
let builtin = false;
let starred = false;
let def = { timeRange: { last: '30d' }, timezone: browserZone(), match: 'all', criteria: [] };
let saved = '';

function snapshot() {
  return JSON.stringify({ name: nameInput.value.trim(), def: cleanDef() });
}

// ---- changes, preview ----

function cleanDef() {
  return clean(def);
}

function incomplete() {
  return defIncomplete(def);
}

function render() {
  renderForm({ def, readOnly: builtin, changed, whenBox, criteriaRoot });
  showJSON();
}

function changed(structural = false) {
  if (structural) render(); else showJSON();
  markDirty();
  schedulePreview();
}

function showJSON() {
  const d = cleanDef();
  root.dataset.current = JSON.stringify(d);
  jsonView.textContent = JSON.stringify({ name: nameInput.value.trim() || undefined, ...d }, null, 2);
}

function markDirty() {
  const dirty = snapshot() !== saved;
  if (builtin) {
    saveState.textContent = 'Built-in segments cannot be changed. Duplicate this one to make your own.';
  } else if (dirty) {
    saveState.textContent = segId ? 'Unsaved changes.' : 'Not saved yet.';
  } else {
    saveState.textContent = segId ? 'All changes saved.' : '';
  }
  btn.save.disabled = builtin || (!dirty && !!segId);
}

let previewSeq = 0;
let previewAbort = null;
const schedulePreview = debounce(runPreview, 350);

function preview(definition, signal) {
  return api('POST', '/segments/v1/preview', { definition }, { signal });
}

async function runPreview() {
  clearErrors();
  if (incomplete()) {
    pv.state.textContent = 'Fill in the highlighted fields to update.';
    pv.box.classList.add('loading');
    markInvalid();
    return;
  }
  const seq = ++previewSeq;
  previewAbort?.abort();
  previewAbort = new AbortController();
  const { signal } = previewAbort;
  pv.box.classList.add('loading');
  pv.state.textContent = 'Updating…';
  const d = cleanDef();
  try {
    const res = await preview(d, signal);
    if (seq !== previewSeq) return;
    showStats(res);
    showChart(fillDays(res.perDay, res.start, res.end, res.timezone || d.timezone || 'UTC'));
    await showFunnel(res, d, signal, seq);
    if (seq !== previewSeq) return;
    root.dataset.previewed = JSON.stringify(d);
    pv.state.textContent = `Updated ${fmt.time(new Date().toISOString())}`;
  } catch (e) {
    if (e.name === 'AbortError' || seq !== previewSeq) return;
    showError(e);
    pv.state.textContent = '';
  } finally {
    if (seq === previewSeq) pv.box.classList.remove('loading');
  }
}

function showStats(res) {
  pv.people.textContent = fmt.int(res.people);
  pv.sessions.textContent = res.sessions == null ? 'n/a' : fmt.int(res.sessions);
  pv.sessions.title = res.sessions == null ? 'This server does not count sessions in a preview yet' : '';
  pv.events.textContent = fmt.int(res.events);
  pv.error.hidden = true;
  const zone = res.timezone || def.timezone || 'UTC';
  const inZone = (iso) => {
    try {
      return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso));
    } catch {
      return fmt.dateTime(iso);
    }
  };
  const from = res.start ? inZone(res.start) : 'the first event';
  const to = res.end ? inZone(res.end) : 'now';
  pv.window.textContent = `Judged from ${from} until ${to} (${zone.replaceAll('_', ' ')}).`;
}

function showChart(perDay) {
  if (!Array.isArray(perDay) || perDay.length === 0) {
    pv.chart.replaceChildren(el('p', { class: 'muted small', text: 'No people-per-day counts in this preview.' }));
    return;
  }
  pv.chart.replaceChildren(barChart(perDay));
}

// showFunnel draws how many people are left after each criterion. The
// server's funnel is used when it sends one; otherwise, for "all" with a
// few criteria, the page previews each prefix of the criteria itself.
async function showFunnel(res, d, signal, seq) {
  const crits = d.criteria || [];
  funnelTitle.textContent = d.match === 'any' ? 'People matched by the first criteria' : 'People left after each criterion';
  if (crits.length === 0) {
    pv.funnel.replaceChildren(el('p', { class: 'muted small', text: 'Add criteria to see how each narrows the segment.' }));
    return;
  }
  let steps;
  if (Array.isArray(res.funnel)) {
    // The server counts the people judged on the first k criteria, for
    // each k; with one criterion that is the segment itself.
    const list = res.funnel.length ? res.funnel : [{ criterion: 0, people: res.people }];
    steps = list.map((f) => ({ label: describe(crits[f.criterion], f.criterion), people: f.people }));
  } else if (d.match !== 'any' && crits.length <= 8) {
    // A server without a funnel: preview each prefix of the criteria.
    const prefixes = crits.slice(0, -1).map((_, i) => crits.slice(0, i + 1));
    const counts = await Promise.all(prefixes.map((p) => preview({ ...d, criteria: p }, signal)));
    if (seq !== previewSeq) return;
    steps = crits.map((c, i) => ({ label: describe(c, i), people: i < counts.length ? counts[i].people : res.people }));
  } else {
    pv.funnel.replaceChildren(el('p', { class: 'muted small', text: 'The funnel shows when people must match all criteria.' }));
    return;
  }
  const max = Math.max(1, ...steps.map((s) => s.people));
  pv.funnel.replaceChildren(...steps.map((s) => {
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${(100 * s.people) / max}%`;
    return el('div', { class: 'funnel-step' },
      el('span', { class: 'label', title: s.label, text: s.label }),
      el('span', { class: 'count', text: fmt.int(s.people) }),
      el('div', { class: 'track', role: 'presentation' }, fill));
  }));
}

function clearErrors() {
  for (const x of criteriaRoot.querySelectorAll('.has-error')) x.classList.remove('has-error');
  pv.error.hidden = true;
}

function markInvalid() {
  for (const x of root.querySelectorAll('input[aria-invalid="true"]')) x.closest('.crit')?.classList.add('has-error');
}

// showError shows an API error and marks the criterion its path names,
// such as "criteria[1].did.where[0].value: ...".
function showError(e) {
  pv.error.textContent = e.message;
  pv.error.hidden = false;
  if (!(e instanceof APIError)) return;
  const m = /^(criteria(?:\[\d+\](?:\.criteria)?)+)/.exec(e.message);
  if (!m) return;
  const path = m[1].replace(/\.criteria$/, '');
  criteriaRoot.querySelector(`[data-path="${CSS.escape(path)}"]`)?.classList.add('has-error');
}

// ---- actions ----

async function save() {
  const name = nameInput.value.trim();
  if (!name) {
    nameInput.setAttribute('aria-invalid', 'true');
    saveState.textContent = 'Give the segment a name first.';
    nameInput.focus();
    return false;
  }
  nameInput.removeAttribute('aria-invalid');
  if (incomplete()) {
    saveState.textContent = 'Fill in the highlighted fields first.';
    markInvalid();
    root.querySelector('input[aria-invalid="true"]')?.focus();
    return false;
  }
  btn.save.disabled = true;
  try {
    const body = { name, definition: cleanDef(), starred };
    const res = segId
      ? await api('PUT', '/segments/v1/' + encodeURIComponent(segId), body)
      : await api('POST', '/segments/v1', body);
    const created = !segId;
    segId = res.id;
    if (created) history.replaceState(null, '', '/ui/segments/' + encodeURIComponent(segId));
    document.title = `${name} · Backstory`;
    saved = snapshot();
    showActions();
    markDirty();
    toast(created ? `Saved “${name}”` : `Saved changes to “${name}”`);
    return true;
  } catch (e) {
    saveState.textContent = `Not saved: ${e.message}`;
    showError(e);
    btn.save.disabled = false;
    return false;
  }
}

async function duplicate() {
  try {
    const res = await api('POST', '/segments/v1', { name: `${nameInput.value.trim() || 'Segment'} (copy)`, definition: cleanDef() });
    location.assign('/ui/segments/' + encodeURIComponent(res.id));
  } catch (e) {
    toast(`Could not duplicate: ${e.message}`, 'bad');
  }
}

async function remove() {
  const ok = await confirmDialog(`Delete the segment “${nameInput.value.trim()}”? Exports made from it stay.`, 'Delete');
  if (!ok) return;
  try {
    await api('DELETE', '/segments/v1/' + encodeURIComponent(segId));
    location.assign('/ui/segments');
  } catch (e) {
    toast(`Could not delete: ${e.message}`, 'bad');
  }
}

async function startExport() {
  if (!builtin && (!segId || snapshot() !== saved)) {
    if (!(await save())) return;
  }
  openExport({ segmentId: segId, name: nameInput.value.trim(), timezone: def.timezone || 'UTC' });
}

function showActions() {
  btn.save.hidden = builtin;
  btn.duplicate.hidden = !segId;
  btn.del.hidden = !segId || builtin;
  badge.hidden = !builtin;
  badge.textContent = builtin ? 'built-in' : '';
  nameInput.readOnly = builtin;
}

async function init() {
  try {
    const [cat, seg] = await Promise.all([
      api('GET', '/ui/api/catalog'),
      segId ? api('GET', '/segments/v1/' + encodeURIComponent(segId)) : null,
    ]);
    setCatalog(cat);
    if (seg) {
      builtin = !!seg.builtin;
      starred = !!seg.starred;
      nameInput.value = seg.name;
      document.title = `${seg.name} · Backstory`;
      def = seg.definition || {};
      def.match = def.match || 'all';
      def.criteria = def.criteria || [];
      def.timeRange = def.timeRange || { all: true };
    }
  } catch (e) {
    saveState.textContent = e.status === 404 ? 'This segment does not exist (it may have been deleted).' : e.message;
    return;
  }
  render();
  saved = snapshot();
  showActions();
  markDirty();
  runPreview();
  if (location.hash === '#export') startExport();
  if (!segId) nameInput.focus();
}

nameInput.addEventListener('input', () => { nameInput.removeAttribute('aria-invalid'); showJSON(); markDirty(); });
nameInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !builtin) {
    e.preventDefault();
    save();
  }
});
btn.save.addEventListener('click', save);
btn.duplicate.addEventListener('click', duplicate);
btn.del.addEventListener('click', remove);
btn.exp.addEventListener('click', startExport);
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 's') {
    e.preventDefault();
    if (!builtin) save();
  }
});
init();
