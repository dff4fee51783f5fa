// The segments list: built-ins and saved segments, starred first, with a
// search, each segment's size and a sparkline of its people per day.
import { api, listAll, el, fmt, toast, sparkline, fillDays, creatorLabel } from './app.js';

const rows = document.getElementById('seg-rows');
const q = document.getElementById('seg-q');
const creatorSel = document.getElementById('seg-creator');
const from = document.getElementById('seg-from');
const to = document.getElementById('seg-to');
const count = document.getElementById('seg-count');

let segments = [];
const order = new Map(); // id to the server's position, to keep ties stable
const previews = new Map(); // id to a preview answer, or an Error
let keyNames = new Map();

async function load() {
  try {
    segments = await listAll('/segments/v1', 'segments');
  } catch (e) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'error', text: e.message })));
    return;
  }
  segments.forEach((s, i) => order.set(s.id, i));
  keyNames = await loadKeyNames();
  const creators = [...new Set(segments.map((s) => s.creator))].sort();
  creatorSel.append(...creators.map((c) => el('option', { value: c, text: creatorLabel(c, keyNames) })));
  render();
  loadSizes();
}

// loadKeyNames names the keys that created segments; only admins may
// list keys, so others see short key ids.
async function loadKeyNames() {
  if (document.body.dataset.role !== 'admin') return new Map();
  try {
    const { keys } = await api('GET', '/keys/v1');
    return new Map(keys.map((k) => [k.id, k.name || `${k.role} key ${k.id.slice(0, 6)}`]));
  } catch {
    return new Map();
  }
}

function changed(s) {
  return s.updated || s.created || '';
}

function visible() {
  const text = q.value.trim().toLowerCase();
  const who = creatorSel.value;
  const lo = from.value;
  const hi = to.value;
  return segments.filter((s) => {
    if (who && s.creator !== who) return false;
    if (text) {
      const hay = `${s.name} ${s.creator} ${creatorLabel(s.creator, keyNames)}`.toLowerCase();
      if (!hay.includes(text)) return false;
    }
    if (lo || hi) {
      const day = localDay(changed(s));
      if (!day || (lo && day < lo) || (hi && day > hi)) return false;
    }
    return true;
  }).sort((a, b) => (b.starred - a.starred) || order.get(a.id) - order.get(b.id));
}

// localDay is an instant's date in the browser's zone, as YYYY-MM-DD.
function localDay(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function render() {
  const focused = document.activeElement?.dataset?.star;
  const list = visible();
  if (list.length === 0) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'muted', text: 'No segment matches.' })));
  } else {
    rows.replaceChildren(...list.map(row));
  }
  count.textContent = `${fmt.plural(list.length, 'segment', 'segments')} of ${fmt.int(segments.length)}.`;
  if (focused) rows.querySelector(`[data-star="${CSS.escape(focused)}"]`)?.focus();
}

function row(s) {
  const href = '/ui/segments/' + encodeURIComponent(s.id);
  const star = s.builtin
    ? el('span', { class: 'pill', title: 'Built-in segments cannot be starred', text: 'built-in' })
    : el('button', {
      type: 'button', class: 'star', 'aria-pressed': String(!!s.starred),
      'aria-label': `Star ${s.name}`, dataset: { star: s.id }, text: s.starred ? '★' : '☆',
      onclick: () => toggleStar(s),
    });
  return el('tr', { dataset: { id: s.id } },
    el('td', { class: 'star-cell' }, star),
    el('td', { class: 'name' }, el('a', { href, text: s.name })),
    el('td', { 'data-label': 'Creator', text: creatorLabel(s.creator, keyNames) }),
    el('td', { 'data-label': 'Changed', title: fmt.dateTime(changed(s)), text: s.builtin ? '—' : fmt.date(changed(s)) }),
    el('td', { class: 'num', 'data-label': 'People' }, sizeCell(s)),
    el('td', { class: 'spark-cell' }, sparkCell(s)),
    el('td', {}, el('a', { class: 'button small', href: href + '#export', text: 'Export',
      'aria-label': `Export ${s.name}` })));
}

function sizeCell(s) {
  const p = previews.get(s.id);
  if (p === undefined) return el('span', { class: 'muted', text: '…', 'aria-label': 'counting' });
  if (p instanceof Error) return el('span', { class: 'muted', title: p.message, text: '—' });
  return el('strong', { text: fmt.int(p.people) });
}

function sparkCell(s) {
  const p = previews.get(s.id);
  if (!p || p instanceof Error || !Array.isArray(p.perDay) || p.perDay.length === 0) return '';
  return sparkline(fillDays(p.perDay, p.start, p.end, p.timezone));
}

async function toggleStar(s) {
  const starred = !s.starred;
  try {
    const saved = await api('PUT', '/segments/v1/' + encodeURIComponent(s.id),
      { name: s.name, definition: s.definition, starred });
    Object.assign(s, saved);
    toast(starred ? `Starred “${s.name}”` : `Unstarred “${s.name}”`);
  } catch (e) {
    toast(`Could not change the star: ${e.message}`, 'bad');
  }
  render();
}

// loadSizes previews each segment, a few at a time, and fills its row.
async function loadSizes() {
  const queue = [...segments];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      try {
        previews.set(s.id, await api('POST', '/segments/v1/preview', { segmentId: s.id }));
      } catch (e) {
        previews.set(s.id, e);
      }
      const tr = rows.querySelector(`tr[data-id="${CSS.escape(s.id)}"]`);
      if (tr) {
        tr.querySelector('td.num').replaceChildren(sizeCell(s));
        tr.querySelector('td.spark-cell').replaceChildren(sparkCell(s));
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

for (const input of [q, creatorSel, from, to]) input.addEventListener('input', render);
document.getElementById('seg-filters').addEventListener('submit', (e) => e.preventDefault());
load();
