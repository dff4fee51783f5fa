// Settings: the snippet to paste into a site, and API keys (admins
// only): create with a role, list, revoke.
import { api, el, fmt, toast, confirmDialog, copyButtons } from './app.js';

const rows = document.getElementById('key-rows');
const form = document.getElementById('key-form');
const created = document.getElementById('key-created');

async function load() {
  if (!rows) return;
  try {
    const { keys } = await api('GET', '/keys/v1');
    rows.replaceChildren(...keys.map(row));
  } catch (e) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'error', text: e.message })));
  }
}

function row(k) {
  const state = k.revoked ? el('span', { class: 'pill bad', text: 'revoked' })
    : k.current ? el('span', { class: 'pill brand', text: 'this session' })
      : el('span', { class: 'pill ok', text: 'active' });
  return el('tr', { dataset: { id: k.id } },
    el('td', { class: 'name', 'data-label': 'Name', text: k.name || '(no name)' }),
    el('td', { 'data-label': 'Role', text: k.role }),
    el('td', { 'data-label': 'Key' }, k.lastFour ? el('code', { text: `…${k.lastFour}` }) : el('span', { class: 'muted', text: k.id.slice(0, 8) })),
    el('td', { 'data-label': 'Created', title: fmt.dateTime(k.created), text: fmt.date(k.created) }),
    el('td', { 'data-label': 'State' }, state),
    el('td', {}, k.revoked || k.current ? null : el('button', {
      type: 'button', class: 'small danger', text: 'Revoke', 'aria-label': `Revoke ${k.name || 'key'}`,
      onclick: () => revoke(k),
    })));
}

async function revoke(k) {
  const ok = await confirmDialog(`Revoke the key “${k.name || k.id}”? Scripts using it stop working at once.`, 'Revoke');
  if (!ok) return;
  try {
    await api('DELETE', '/keys/v1/' + encodeURIComponent(k.id));
    toast('Key revoked');
  } catch (e) {
    toast(`Could not revoke: ${e.message}`, 'bad');
  }
  load();
}

form?.addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = document.getElementById('key-name').value.trim();
  const role = document.getElementById('key-role').value;
  try {
    const res = await api('POST', '/keys/v1', { name, role });
    document.querySelector('#new-key code').textContent = res.key;
    created.hidden = false;
    form.reset();
    created.querySelector('button').focus();
    load();
  } catch (err) {
    toast(`Could not create the key: ${err.message}`, 'bad');
  }
});

copyButtons();
load();
