// Live events: the latest events as they arrive, newest first, filtered
// by type and person, to check that a site's snippet is installed.
import { api, el, fmt, debounce } from './app.js';

const rows = document.getElementById('live-rows');
const typeSel = document.getElementById('live-type');
const person = document.getElementById('live-person');
const pause = document.getElementById('live-pause');
const stateBox = document.getElementById('live-state');

const keep = 100;
let events = []; // newest first
const seen = new Set();
let cursor = '';
let timer = 0;
let paused = false;
let generation = 0;

async function loadTypes() {
  try {
    const { eventTypes } = await api('GET', '/ui/api/catalog');
    const sorted = [...eventTypes].sort((a, b) => b.count - a.count);
    typeSel.append(...sorted.map((t) => el('option', { value: t.type, text: t.type.replaceAll('_', ' ') })));
  } catch {
    // The filter still works by typing a person; types stay "any".
  }
}

async function poll() {
  clearTimeout(timer);
  if (paused) return;
  const gen = generation;
  const p = new URLSearchParams({ limit: cursor ? '100' : '40' });
  if (cursor) p.set('after', cursor);
  if (typeSel.value) p.set('type', typeSel.value);
  if (person.value.trim()) p.set('person', person.value.trim());
  try {
    const res = await api('GET', '/ui/api/events?' + p);
    if (gen !== generation) return;
    const fresh = res.events.filter((e) => !seen.has(e.EventId));
    for (const e of fresh) seen.add(e.EventId);
    const first = !cursor;
    cursor = res.cursor || cursor;
    if (fresh.length || first) {
      events = [...fresh, ...events].slice(0, keep);
      render(first ? new Set() : new Set(fresh.map((e) => e.EventId)));
    }
    setState(paused ? 'Paused' : 'Listening', paused ? 'paused' : 'live');
  } catch (e) {
    setState('Reconnecting…', 'warn');
  }
  timer = setTimeout(poll, 2000);
}

function setState(text, cls) {
  stateBox.textContent = text;
  stateBox.className = `pill ${cls}`;
}

function render(freshIDs) {
  if (!events.length) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No events yet. They show here within seconds of arriving.' })));
    return;
  }
  rows.replaceChildren(...events.map((e) => row(e, freshIDs.has(e.EventId))));
}

function what(e) {
  const t = e.EventType;
  const quote = (s) => `“${s.length > 80 ? s.slice(0, 80) + '…' : s}”`;
  const flags = [e.EventModFrustrated && 'rage', e.EventModDead && 'dead', e.EventModError && 'error']
    .filter(Boolean).map((f) => el('span', { class: 'pill bad', text: f }));
  let text;
  if (t === 'click') text = e.EventTargetText ? `Clicked ${quote(e.EventTargetText)}` : 'Clicked';
  else if (t === 'custom' || t === 'custom_error') text = e.EventCustomName || 'Custom event';
  else if (t === 'navigate' || t === 'load') text = pathOf(e.PageUrl) || 'Page';
  else if (t === 'error') text = e.EventVarErrorKind || e.EventTargetText || 'JavaScript error';
  else if (t === 'request') text = `Request ${e.ReqStatus ?? ''}`.trim();
  else if (t === 'change') text = e.EventTargetText ? `Changed ${quote(e.EventTargetText)}` : 'Changed a field';
  else if (t === 'seen') text = e.EventTargetText ? `Saw ${quote(e.EventTargetText)}` : 'Saw an element';
  else if (t === 'uservar') text = 'Set user properties';
  else if (t === 'pagevar') text = 'Set page properties';
  else text = e.EventCustomName || e.EventTargetText || t;
  const props = e.props ? Object.entries(e.props).slice(0, 4)
    .map(([k, v]) => `${k.replace(/_(str|int|real|bool|date)s?$/, '')}=${JSON.stringify(v)}`).join(' ') : '';
  return [text, ' ', flags, props ? el('span', { class: 'sub', text: props }) : null];
}

function pathOf(url) {
  try {
    const u = new URL(url);
    return u.pathname + u.search + u.hash;
  } catch {
    return url || '';
  }
}

function row(e, fresh) {
  const who = e.UserDisplayName || e.UserEmail || e.UserAppKey;
  return el('tr', { class: fresh ? 'fresh' : null },
    el('td', { 'data-label': 'Received', title: fmt.dateTime(e.EventReceivedAt) },
      fmt.time(e.EventReceivedAt), el('span', { class: 'sub', text: fmt.date(e.EventReceivedAt) })),
    el('td', { 'data-label': 'Type' }, el('span', { class: `pill ${typeClass(e.EventType)}`, text: e.EventType })),
    el('td', { 'data-label': 'What' }, what(e)),
    el('td', { 'data-label': 'Person' }, who || 'Anonymous',
      el('span', { class: 'sub', text: `IndvId ${e.IndvId}${e.UserAppKey && who !== e.UserAppKey ? ' · uid ' + e.UserAppKey : ''}` })),
    el('td', { 'data-label': 'Where' }, hostOf(e.PageUrl),
      el('span', { class: 'sub', text: [e.PageBrowser, e.PageDevice, e.PageOperatingSystem, e.PageCountry].filter(Boolean).join(' · ') })));
}

function typeClass(t) {
  if (t === 'error' || t === 'custom_error' || t === 'console') return 'bad';
  if (t === 'custom') return 'brand';
  if (t === 'navigate' || t === 'load') return 'ok';
  return '';
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function restart() {
  generation++;
  events = [];
  seen.clear();
  cursor = '';
  rows.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'Loading…' })));
  poll();
}

typeSel.addEventListener('change', restart);
person.addEventListener('input', debounce(restart, 300));
document.getElementById('live-filters').addEventListener('submit', (e) => e.preventDefault());
pause.addEventListener('click', () => {
  paused = !paused;
  pause.setAttribute('aria-pressed', String(paused));
  pause.textContent = paused ? 'Resume' : 'Pause';
  setState(paused ? 'Paused' : 'Listening', paused ? 'paused' : 'live');
  if (!paused) poll();
});
document.addEventListener('visibilitychange', () => { if (!document.hidden && !paused) poll(); });
loadTypes();
poll();
