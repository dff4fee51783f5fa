// What every page shares: calling the API with the session's CSRF token,
// building DOM, formatting numbers and dates, toasts, confirmations and
// small SVG charts. The pages call the same JSON API as any script; the
// browser's session cookie stands in for the API key.

const csrf = document.querySelector('meta[name="backstory-csrf"]')?.content ?? '';

// APIError is an error answer of the API: its status, code and message.
export class APIError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || '';
  }
}

// api calls the JSON API and returns the decoded answer. A 401 means the
// session ended, so the browser goes back to the sign-in page.
export async function api(method, path, body, { signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-Backstory-CSRF'] = csrf;
  const res = await fetch(path, {
    method, headers, signal, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (res.status === 401) {
    const next = location.pathname + location.search + location.hash;
    location.assign('/ui/sign-in?next=' + encodeURIComponent(next));
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// downloadExport asks for a fresh signed link to an export's file and
// follows it; the browser saves the file.
export async function downloadExport(exportId) {
  const { location: link } = await api('GET', `/search/v1/exports/${encodeURIComponent(exportId)}/results`);
  window.location.assign(link);
}

// listAll follows nextPaginationToken until the last page.
export async function listAll(path, key) {
  const out = [];
  let token = '';
  for (let i = 0; i < 50; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=100` +
      (token ? `&paginationToken=${encodeURIComponent(token)}` : ''));
    out.push(...(page[key] || []));
    token = page.nextPaginationToken;
    if (!token) break;
  }
  return out;
}

const props = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'indeterminate', 'open']);

// el builds an element: el('a', {href, class, text, onclick}, ...children).
export function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

// svg builds an SVG element the same way.
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false && !props.has(k)) continue;
    if (k === 'class') node.setAttribute('class', v);
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (props.has(k)) node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const intFmt = new Intl.NumberFormat();
const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

// fmt formats values for people to read.
export const fmt = {
  int: (n) => (n == null ? '–' : intFmt.format(n)),
  compact: (n) => (n == null ? '–' : compactFmt.format(n)),
  bytes(n) {
    if (n == null) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
  },
  date: (iso) => (iso ? dateFmt.format(new Date(iso)) : ''),
  dateTime: (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : ''),
  time: (iso) => (iso ? timeFmt.format(new Date(iso)) : ''),
  relative(iso, now = Date.now()) {
    if (!iso) return '';
    const s = (new Date(iso).getTime() - now) / 1000;
    const steps = [[60, 'second'], [3600, 'minute', 60], [86400, 'hour', 3600],
      [86400 * 30, 'day', 86400], [Infinity, 'month', 86400 * 30]];
    for (const [limit, unit, div = 1] of steps) {
      if (Math.abs(s) < limit) return relFmt.format(Math.round(s / div), unit);
    }
    return '';
  },
  plural: (n, one, many) => `${fmt.int(n)} ${n === 1 ? one : many}`,
};

// debounce delays fn until calls stop for ms.
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// toast shows a short message in the corner; screen readers hear it.
export function toast(message, kind = '') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = el('div', { class: `toast ${kind}`, text: message });
  box.append(t);
  setTimeout(() => t.remove(), kind === 'bad' ? 8000 : 4000);
}

// confirmDialog asks a yes-or-no question in a modal and resolves true
// when the person confirms. Escape and Cancel resolve false.
export function confirmDialog(message, confirmLabel = 'Confirm', danger = true) {
  return new Promise((resolve) => {
    const ok = el('button', { type: 'submit', class: danger ? 'danger' : 'primary', value: 'ok', text: confirmLabel });
    const d = el('dialog', { class: 'dialog confirm', 'aria-label': message },
      el('form', { method: 'dialog' },
        el('div', { class: 'dialog-body' }, el('p', { text: message })),
        el('footer', { class: 'dialog-foot' }, el('span', { class: 'spacer' }),
          el('button', { type: 'submit', value: 'cancel', text: 'Cancel' }), ok)));
    d.addEventListener('close', () => {
      resolve(d.returnValue === 'ok');
      d.remove();
    });
    document.body.append(d);
    d.showModal();
    ok.focus();
  });
}

// copyButtons wires buttons with data-copy="<element id>" to copy text.
export function copyButtons(root = document) {
  for (const b of root.querySelectorAll('[data-copy]')) {
    b.addEventListener('click', async () => {
      const text = document.getElementById(b.dataset.copy)?.textContent ?? '';
      try {
        await navigator.clipboard.writeText(text);
        b.textContent = 'Copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(b.dataset.copy));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        b.textContent = 'Selected';
      }
      setTimeout(() => { b.textContent = 'Copy'; }, 2000);
    });
  }
}

// creatorLabel turns a segment's creator into words.
export function creatorLabel(creator, keyNames = new Map()) {
  if (creator === 'backstory') return 'Built in';
  const id = creator?.startsWith('key:') ? creator.slice(4) : '';
  if (id) return keyNames.get(id) || `key ${id.slice(0, 6)}`;
  return creator || '';
}

// fillDays adds the days without people to a preview's people per day,
// from the window's first local day to its last (or the data's, for an
// open window), so that charts keep time evenly spaced.
export function fillDays(perDay, start, end, zone = 'UTC') {
  if (!Array.isArray(perDay) || perDay.length === 0) return [];
  let dayOf;
  try {
    const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayOf = (t) => f.format(new Date(t));
  } catch {
    dayOf = (t) => new Date(t).toISOString().slice(0, 10);
  }
  const days = perDay.map((d) => d.day).sort();
  let first = start ? dayOf(start) : days[0];
  let last = end ? dayOf(new Date(end).getTime() - 1) : days[days.length - 1];
  if (days[0] < first) first = days[0];
  if (days[days.length - 1] > last) last = days[days.length - 1];
  const have = new Map(perDay.map((d) => [d.day, d.people]));
  const out = [];
  const t = new Date(first + 'T00:00:00Z');
  for (let i = 0; i < 400; i++) {
    const day = t.toISOString().slice(0, 10);
    if (day > last) break;
    out.push({ day, people: have.get(day) || 0 });
    t.setUTCDate(t.getUTCDate() + 1);
  }
  return out;
}

// sparkline draws people per day as a small line with its area.
export function sparkline(perDay, { width = 120, height = 28 } = {}) {
  const values = perDay.map((d) => d.people);
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const pts = values.map((v, i) => [i * step, height - 2 - (v / max) * (height - 4)]);
  const line = pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const first = perDay[0]?.day ?? '';
  const last = perDay[perDay.length - 1]?.day ?? '';
  return svg('svg', {
    class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `People per day from ${first} to ${last}, at most ${max}`,
  },
  svg('polygon', { class: 'area', points: `0,${height} ${line} ${width},${height}` }),
  svg('polyline', { class: 'line', points: line }));
}

// barChart draws people per day as bars with a light grid and axis labels.
export function barChart(perDay, { height = 150 } = {}) {
  const width = 340;
  const pad = { l: 34, r: 6, t: 8, b: 20 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const max = Math.max(1, ...perDay.map((d) => d.people));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const bw = w / Math.max(1, perDay.length);
  const y = (v) => pad.t + h - (v / top) * h;
  const grid = ticks.map((t) => [
    svg('line', { class: 'grid', x1: pad.l, x2: width - pad.r, y1: y(t), y2: y(t) }),
    svg('text', { class: 'axis', x: pad.l - 4, y: y(t) + 3, 'text-anchor': 'end', text: fmt.compact(t) }),
  ]);
  const bars = perDay.map((d, i) => svg('rect', {
    class: 'bar', x: pad.l + i * bw + bw * 0.12, width: Math.max(1, bw * 0.76),
    y: y(d.people), height: Math.max(0, pad.t + h - y(d.people)), rx: Math.min(2, bw / 4),
  }, svg('title', { text: `${d.day}: ${fmt.plural(d.people, 'person', 'people')}` })));
  const labels = perDay.length ? [0, Math.floor((perDay.length - 1) / 2), perDay.length - 1]
    .filter((v, i, a) => a.indexOf(v) === i)
    .map((i, k, all) => {
      // The first and last labels align with the plot's edges.
      const edge = all.length > 1 && k === 0 ? 'start' : all.length > 1 && k === all.length - 1 ? 'end' : 'middle';
      const x = { start: pad.l, end: width - pad.r, middle: pad.l + i * bw + bw / 2 }[edge];
      return svg('text', { class: 'axis', x, y: height - 5, 'text-anchor': edge, text: shortDay(perDay[i].day) });
    }) : [];
  const total = perDay.reduce((a, d) => Math.max(a, d.people), 0);
  return svg('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `People per day, ${perDay.length} days, peak ${fmt.int(total)}`,
  }, grid, bars, labels);
}

function shortDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })
    .format(Date.UTC(y, m - 1, d));
}

function niceTicks(max) {
  const raw = max / 3;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, Math.ceil([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)));
  const out = [0];
  for (let v = step; out[out.length - 1] < max; v += step) out.push(v);
  return out;
}

// timezones lists the IANA zones the browser knows, UTC first.
export function timezones() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

// browserZone is the person's own time zone.
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
