// The segment builder's form: the time range, and an editor for every
// kind of criterion of the segment language, with pickers that suggest
// values seen in the data.
import { api, el, fmt, debounce, timezones } from './app.js';
import {
  kindOf, newCriterion, fieldsFor, fieldInfo, valueShape, countIncomplete,
  eventTypes, opLabels, timeOpLabels, kindTitles, countLabels,
} from './segmodel.js';

let ctx = null; // {def, readOnly, changed, whenBox, criteriaRoot}

function idFor(path, part) {
  return 'f' + path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '') + '-' + part;
}

// renderForm draws the form for opts.def into opts.whenBox and
// opts.criteriaRoot. Every edit changes opts.def in place and calls
// opts.changed, with true when the form must be drawn again.
export function renderForm(opts) {
  ctx = opts;
  const def = ctx.def;
  const focused = document.activeElement?.id;
  renderWhen();
  ctx.criteriaRoot.replaceChildren(
    el('div', { class: 'match-line' },
      el('label', { for: 'f-match', text: 'People who match' }),
      matchSelect('f-match', def.match, (m) => { def.match = m; ctx.changed(true); }),
      el('span', { class: 'muted', text: def.criteria.length ? 'of these criteria:' : 'of these criteria (none yet: everyone active in the window):' })),
    criteriaList(def.criteria, 'criteria', def.match, 0),
    addRow(def.criteria, 'criteria', 0));
  if (focused) document.getElementById(focused)?.focus();
}

function matchSelect(id, value, onchange) {
  return el('select', { id, disabled: ctx.readOnly, onchange: (e) => onchange(e.target.value) },
    el('option', { value: 'all', selected: value !== 'any', text: 'all' }),
    el('option', { value: 'any', selected: value === 'any', text: 'any' }));
}

function renderWhen() {
  const def = ctx.def;
  const r = def.timeRange || {};
  const mode = r.last !== undefined ? 'last' : r.since !== undefined ? 'since'
    : (r.start !== undefined || r.end !== undefined) ? 'between' : 'all';
  const parts = [field('tr-mode', 'Time range', el('select', {
    id: 'tr-mode', disabled: ctx.readOnly,
    onchange: (e) => {
      def.timeRange = {
        last: { last: '30d' }, since: { since: today(-30) },
        between: { start: today(-7), end: today(1) }, all: { all: true },
      }[e.target.value];
      ctx.changed(true);
    },
  }, ...[['last', 'In the last'], ['since', 'Since'], ['between', 'Between'], ['all', 'All time']]
    .map(([v, t]) => el('option', { value: v, text: t, selected: v === mode }))))];

  if (mode === 'last') {
    const m = /^(\d+)([hdw])$/.exec(r.last) || [null, r.last.replace(/\D/g, ''), 'd'];
    const update = () => {
      def.timeRange = { last: `${document.getElementById('tr-n').value}${document.getElementById('tr-unit').value}` };
      ctx.changed();
    };
    parts.push(field('tr-n', 'Count', el('input', {
      id: 'tr-n', type: 'number', min: 1, max: 100000, value: m[1], class: 'short', disabled: ctx.readOnly,
      oninput: update,
    })));
    parts.push(field('tr-unit', 'Unit', el('select', { id: 'tr-unit', disabled: ctx.readOnly, onchange: update },
      ...[['h', 'hours'], ['d', 'days'], ['w', 'weeks']].map(([v, t]) => el('option', { value: v, text: t, selected: v === m[2] })))));
  } else if (mode === 'since') {
    parts.push(field('tr-since', 'From', dateInput('tr-since', r.since, (v) => { def.timeRange = { since: v }; ctx.changed(); })));
  } else if (mode === 'between') {
    parts.push(field('tr-start', 'From', dateInput('tr-start', r.start, (v) => { def.timeRange.start = v; ctx.changed(); })));
    parts.push(field('tr-end', 'Until (not included)', dateInput('tr-end', r.end, (v) => { def.timeRange.end = v; ctx.changed(); })));
  }
  const zone = def.timezone || 'UTC';
  const zones = timezones();
  if (!zones.includes(zone)) zones.unshift(zone);
  parts.push(field('tr-zone', 'Time zone', el('select', {
    id: 'tr-zone', disabled: ctx.readOnly,
    onchange: (e) => { def.timezone = e.target.value; ctx.changed(); },
  }, zones.map((z) => el('option', { value: z, text: z.replaceAll('_', ' '), selected: z === zone })))));
  const focused = document.activeElement?.id;
  ctx.whenBox.replaceChildren(...parts);
  if (focused?.startsWith('tr-')) document.getElementById(focused)?.focus();
}

function field(id, label, control) {
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), control);
}

function dateInput(id, value, onchange) {
  const plain = !value || /^\d{4}-\d{2}-\d{2}$/.test(value);
  return el('input', {
    id, type: plain ? 'date' : 'text', value: value || '', disabled: ctx.readOnly,
    oninput: (e) => onchange(e.target.value),
  });
}

function today(offsetDays) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function criteriaList(list, path, match, depth) {
  const box = el('div', { class: 'criteria' });
  list.forEach((c, i) => {
    if (i > 0) box.append(el('div', { class: 'joiner', 'aria-hidden': 'true', text: match === 'any' ? 'or' : 'and' }));
    box.append(critCard(c, `${path}[${i}]`, list, i, depth));
  });
  return box;
}

function critCard(c, path, list, i, depth) {
  const kind = kindOf(c);
  const number = depth === 0 ? `${i + 1}. ` : '';
  const title = el('span', { class: 'crit-title', id: idFor(path, 'title'), text: number + kindTitles[kind] });
  const remove = el('button', {
    type: 'button', class: 'icon', id: idFor(path, 'remove'), disabled: ctx.readOnly,
    'aria-label': `Remove criterion ${number}${kindTitles[kind]}`, text: '✕',
    onclick: () => {
      list.splice(i, 1);
      ctx.changed(true);
      (document.getElementById(idFor(path, 'remove')) || document.getElementById('add-criteria-did'))?.focus();
    },
  });
  let body;
  switch (kind) {
    case 'user': body = condRow(c.user, `${path}.user`, true, null); break;
    case 'did': body = [filterEditor(c.did, `${path}.did`), countRow(c, path)]; break;
    case 'didNot': body = filterEditor(c.didNot, `${path}.didNot`); break;
    case 'sequence': body = sequenceEditor(c, path); break;
    default: body = [
      el('div', { class: 'match-line' },
        el('label', { for: idFor(path, 'match'), text: 'Match' }),
        matchSelect(idFor(path, 'match'), c.match, (m) => { c.match = m; ctx.changed(true); }),
        el('span', { class: 'muted', text: 'of:' })),
      criteriaList(c.criteria, `${path}.criteria`, c.match, depth + 1),
      addRow(c.criteria, `${path}.criteria`, depth + 1)];
  }
  const hint = {
    user: 'Who the person is, or where and how they visited.',
    did: 'People with matching events.',
    didNot: 'People with no matching event in the window.',
    sequence: 'Steps done in this order.',
    group: '',
  }[kind];
  return el('div', {
    class: `crit k-${kind}`, role: 'group', 'aria-labelledby': title.id, dataset: { path },
  },
  el('div', { class: 'crit-head' }, title, el('span', { class: 'muted small', text: hint }),
    el('span', { class: 'spacer' }), remove),
  el('div', { class: 'crit-body' }, body));
}

function addRow(list, path, depth) {
  const kinds = [['user', '+ User'], ['did', '+ Did'], ['didNot', '+ Did not'], ['sequence', '+ Sequence']];
  if (depth < 3) kinds.push(['group', '+ Group']);
  return el('div', { class: 'add-row', role: 'group', 'aria-label': 'Add a criterion' },
    kinds.map(([k, label]) => el('button', {
      type: 'button', id: `add-${path.replace(/[^A-Za-z0-9]+/g, '-')}-${k}`, disabled: ctx.readOnly,
      'aria-label': `Add a ${kindTitles[k]} criterion`, text: label,
      onclick: () => {
        list.push(newCriterion(k));
        ctx.changed(true);
        const card = ctx.criteriaRoot.querySelector(`[data-path="${path}[${list.length - 1}]"]`);
        card?.querySelector('select, input')?.focus();
      },
    })));
}

function typeSelect(f, path) {
  const counts = new Map(eventTypes().map((t) => [t.type, t.count]));
  const types = [...eventTypes()].sort((a, b) => b.count - a.count).map((t) => t.type);
  return el('select', {
    id: idFor(path, 'type'), disabled: ctx.readOnly, 'aria-label': 'Event type',
    onchange: (e) => { f.type = e.target.value; ctx.changed(true); },
  },
  el('option', { value: '', text: 'any event', selected: !f.type }),
  types.map((t) => el('option', {
    value: t, selected: f.type === t,
    text: counts.get(t) ? `${t.replaceAll('_', ' ')} (${fmt.compact(counts.get(t))})` : t.replaceAll('_', ' '),
  })));
}

function defaultWhere(type) {
  const field = { click: 'target_text', custom: 'name', custom_error: 'name', error: 'error_kind', request: 'request_status' }[type] || 'url';
  const info = fieldInfo(field, false);
  return { field, op: info.ops[0] === 'eq' && info.type === 'text' ? 'eq' : info.ops[0], value: '' };
}

function filterEditor(f, path) {
  f.where = f.where || [];
  return el('div', { class: 'step' },
    el('div', { class: 'cond' }, typeSelect(f, path),
      el('button', {
        type: 'button', class: 'small', id: idFor(path, 'add-where'), disabled: ctx.readOnly, text: '+ Where',
        'aria-label': 'Add a condition on the event',
        onclick: () => {
          f.where.push(defaultWhere(f.type));
          ctx.changed(true);
          document.getElementById(idFor(`${path}.where[${f.where.length - 1}]`, 'field'))?.focus();
        },
      })),
    f.where.length ? el('div', { class: 'where' }, f.where.map((c, k) =>
      condRow(c, `${path}.where[${k}]`, false, () => {
        f.where.splice(k, 1);
        ctx.changed(true);
        document.getElementById(idFor(path, 'add-where'))?.focus();
      }))) : null);
}

function countRow(c, path) {
  const on = !!c.count;
  const parts = [el('label', { class: 'check' },
    el('input', {
      type: 'checkbox', id: idFor(path, 'count-on'), checked: on, disabled: ctx.readOnly,
      onchange: (e) => { c.count = e.target.checked ? { op: 'gte', value: 2 } : undefined; if (!c.count) delete c.count; ctx.changed(true); },
    }), 'Count how many times')];
  if (on) {
    const n = c.count;
    parts.push(el('select', {
      id: idFor(path, 'count-op'), disabled: ctx.readOnly, 'aria-label': 'How many times',
      onchange: (e) => {
        const first = n.op === 'between' ? n.values?.[0] : n.value;
        c.count = e.target.value === 'between' ? { op: 'between', values: [first || 1, (first || 1) + 1] } : { op: e.target.value, value: first || 1 };
        ctx.changed(true);
      },
    }, Object.entries(countLabels).map(([v, t]) => el('option', { value: v, text: t, selected: n.op === v }))));
    const num = (id, value, set, label) => el('input', {
      id: idFor(path, id), type: 'number', min: 1, step: 1, value: value ?? '', class: 'value short',
      disabled: ctx.readOnly, 'aria-label': label,
      'aria-invalid': String(countIncomplete(n)),
      oninput: (e) => { set(e.target.value === '' ? NaN : Number(e.target.value)); ctx.changed(); },
    });
    if (n.op === 'between') {
      parts.push(num('count-lo', n.values[0], (v) => { n.values[0] = v; }, 'At least'),
        el('span', { class: 'and', text: 'and' }),
        num('count-hi', n.values[1], (v) => { n.values[1] = v; }, 'At most'));
    } else {
      parts.push(num('count-n', n.value, (v) => { n.value = v; }, 'Number of times'));
    }
    parts.push(el('span', { class: 'and', text: 'times' }));
  }
  return el('div', { class: 'cond' }, parts);
}

function sequenceEditor(c, path) {
  const steps = c.sequence.map((s, j) => el('div', { class: 'step' },
    el('div', { class: 'crit-head' },
      el('span', { class: 'step-label', text: `Step ${j + 1}${j ? ', then' : ''}` }),
      el('span', { class: 'spacer' }),
      c.sequence.length > 2 ? el('button', {
        type: 'button', class: 'icon', disabled: ctx.readOnly, text: '✕', 'aria-label': `Remove step ${j + 1}`,
        onclick: () => { c.sequence.splice(j, 1); ctx.changed(true); },
      }) : null),
    filterEditor(s, `${path}.sequence[${j}]`)));
  const w = /^(\d+)([smhdw])$/.exec(c.within || '') || [null, '', 'm'];
  const setWithin = () => {
    const n = document.getElementById(idFor(path, 'within-n')).value;
    const u = document.getElementById(idFor(path, 'within-unit')).value;
    if (n) c.within = `${n}${u}`; else delete c.within;
    ctx.changed();
  };
  return [
    ...steps,
    el('div', { class: 'cond' },
      c.sequence.length < 10 ? el('button', {
        type: 'button', class: 'small', disabled: ctx.readOnly, text: '+ Step',
        onclick: () => { c.sequence.push({ type: 'click', where: [] }); ctx.changed(true); },
      }) : null,
      el('label', { for: idFor(path, 'within-n'), class: 'check', text: 'All within' }),
      el('input', {
        id: idFor(path, 'within-n'), type: 'number', min: 1, class: 'value short', value: w[1],
        placeholder: 'any', disabled: ctx.readOnly, oninput: setWithin,
      }),
      el('select', { id: idFor(path, 'within-unit'), 'aria-label': 'Unit', disabled: ctx.readOnly, onchange: setWithin },
        [['s', 'seconds'], ['m', 'minutes'], ['h', 'hours'], ['d', 'days'], ['w', 'weeks']]
          .map(([v, t]) => el('option', { value: v, text: t, selected: v === w[2] }))),
      el('label', { class: 'check' }, el('input', {
        type: 'checkbox', id: idFor(path, 'same-session'), checked: !!c.sameSession, disabled: ctx.readOnly,
        onchange: (e) => { if (e.target.checked) c.sameSession = true; else delete c.sameSession; ctx.changed(); },
      }), 'in one session')),
  ];
}

function fieldSelect(c, path, user) {
  const fields = fieldsFor(user);
  const builtins = fields.filter((f) => !/^(user|evt|page)_/.test(f.name));
  const groups = user ? [['User properties', 'user_']] : [['Event properties', 'evt_'], ['Page properties', 'page_']];
  const known = fields.some((f) => f.name === c.field);
  return el('select', {
    id: idFor(path, 'field'), disabled: ctx.readOnly, 'aria-label': 'Field',
    onchange: (e) => {
      const info = fieldInfo(e.target.value, user);
      c.field = info.name;
      if (!info.ops.includes(c.op)) c.op = info.ops[0];
      delete c.values;
      delete c.caseSensitive;
      c.value = info.type === 'flag' || info.type === 'bool' ? true : '';
      if (valueShape(c.op) !== 'one') delete c.value;
      ctx.changed(true);
    },
  },
  known ? null : el('option', { value: c.field, text: c.field, selected: true }),
  builtins.map((f) => el('option', { value: f.name, text: f.label, selected: f.name === c.field })),
  groups.map(([label, prefix]) => {
    const props = fields.filter((f) => f.name.startsWith(prefix));
    return props.length ? el('optgroup', { label }, props.map((f) => el('option', {
      value: f.name, selected: f.name === c.field, text: `${f.label} (${f.name.split('_').pop()})`,
    }))) : null;
  }));
}

function opSelect(c, path, info) {
  return el('select', {
    id: idFor(path, 'op'), disabled: ctx.readOnly, 'aria-label': 'Operator',
    onchange: (e) => {
      const before = valueShape(c.op);
      c.op = e.target.value;
      const after = valueShape(c.op);
      if (before !== after) {
        const first = c.value ?? c.values?.[0];
        delete c.value;
        delete c.values;
        if (after === 'one') c.value = first ?? '';
        if (after === 'list') c.values = first != null && first !== '' ? [first] : [];
        if (after === 'pair') c.values = [first ?? '', ''];
      }
      if (after === 'none' || info.type !== 'text') delete c.caseSensitive;
      ctx.changed(true);
    },
  }, info.ops.map((op) => el('option', {
    value: op, selected: op === c.op,
    text: (info.type === 'time' && timeOpLabels[op]) || (info.type === 'selector' ? 'matches' : opLabels[op]),
  })));
}

// condRow edits one condition: field, operator and value(s).
function condRow(c, path, user, onRemove) {
  const info = fieldInfo(c.field, user);
  const parts = [fieldSelect(c, path, user)];
  const shape = valueShape(c.op);
  if (info.type === 'flag') {
    // A flag reads best as "is yes/no"; the model keeps op eq with a
    // boolean, so "neq true" becomes "eq false".
    if (c.op === 'neq') c.value = c.value === false;
    c.op = 'eq';
    parts.push(el('select', {
      id: idFor(path, 'value'), disabled: ctx.readOnly, 'aria-label': 'Value',
      onchange: (e) => { c.value = e.target.value === 'true'; ctx.changed(); },
    }, el('option', { value: 'true', text: 'yes', selected: c.value !== false }),
    el('option', { value: 'false', text: 'no', selected: c.value === false })));
    if (typeof c.value !== 'boolean') c.value = true;
  } else {
    parts.push(opSelect(c, path, info));
    if (shape !== 'none') parts.push(valueEditor(c, path, user, info, shape));
    if (info.type === 'text' && shape !== 'none') {
      parts.push(el('label', { class: 'check' }, el('input', {
        type: 'checkbox', id: idFor(path, 'fold'), checked: c.caseSensitive === false, disabled: ctx.readOnly,
        onchange: (e) => { if (e.target.checked) c.caseSensitive = false; else delete c.caseSensitive; ctx.changed(); },
      }), 'ignore case'));
    }
  }
  if (onRemove) {
    parts.push(el('button', {
      type: 'button', class: 'icon', disabled: ctx.readOnly, text: '✕', 'aria-label': 'Remove this condition',
      onclick: onRemove,
    }));
  }
  return el('div', { class: 'cond' }, parts);
}

function parseValue(raw, type) {
  if (type === 'number') return raw.trim() === '' ? NaN : Number(raw);
  if (type === 'bool') return raw === 'true';
  return raw;
}

function valueEditor(c, path, user, info, shape) {
  const id = idFor(path, 'value');
  if (info.type === 'bool') {
    if (typeof c.value !== 'boolean') c.value = true;
    return el('select', {
      id, disabled: ctx.readOnly, 'aria-label': 'Value',
      onchange: (e) => { c.value = e.target.value === 'true'; ctx.changed(); },
    }, el('option', { value: 'true', text: 'true', selected: c.value !== false }),
    el('option', { value: 'false', text: 'false', selected: c.value === false }));
  }
  // A time condition takes a date; a full timestamp stays editable as text.
  const plainDates = [c.value, ...(c.values || [])].every((v) => v == null || v === '' || /^\d{4}-\d{2}-\d{2}$/.test(v));
  const inputType = info.type === 'number' ? 'number' : info.type === 'time' && plainDates ? 'date' : 'text';
  const list = info.suggest ? datalistFor(info.name, user) : null;
  const one = (value, oninput, label, extra = {}) => {
    const input = el('input', {
      type: inputType, value: value ?? '', class: 'value', disabled: ctx.readOnly, 'aria-label': label,
      list: list?.id, autocomplete: 'off', step: inputType === 'number' ? 'any' : null,
      'aria-invalid': String(value === '' || value == null || Number.isNaN(value)),
      placeholder: info.type === 'selector' ? 'e.g. button.add-to-cart' : null,
      oninput: (e) => {
        oninput(parseValue(e.target.value, info.type));
        e.target.setAttribute('aria-invalid', String(e.target.value === ''));
        if (list) suggest(info.name, user, e.target.value);
        ctx.changed();
      },
      onfocus: () => list && suggest(info.name, user, ''),
      ...extra,
    });
    return input;
  };
  if (shape === 'pair') {
    c.values = c.values || ['', ''];
    return el('span', { class: 'cond' },
      one(c.values[0], (v) => { c.values[0] = v; }, 'From', { id }),
      el('span', { class: 'and', text: 'and' }),
      one(c.values[1], (v) => { c.values[1] = v; }, 'To', { id: idFor(path, 'value2') }));
  }
  if (shape === 'list') {
    c.values = c.values || [];
    return el('input', {
      id, type: 'text', class: 'value', value: c.values.join(', '), disabled: ctx.readOnly,
      'aria-label': 'Values, separated by commas', placeholder: 'a, b, c', list: list?.id,
      'aria-invalid': String(c.values.length === 0),
      oninput: (e) => {
        c.values = e.target.value.split(',').map((s) => s.trim()).filter(Boolean)
          .map((s) => parseValue(s, info.type));
        e.target.setAttribute('aria-invalid', String(c.values.length === 0));
        ctx.changed();
      },
      onfocus: () => list && suggest(info.name, user, ''),
    });
  }
  return one(c.value, (v) => { c.value = v; }, 'Value', { id });
}

// ---- pickers: values seen in the data ----

const datalists = new Map();
const suggested = new Map();

function datalistFor(name, user) {
  const key = `${user ? 'u' : 'e'}-${name}`;
  if (!datalists.has(key)) {
    const dl = el('datalist', { id: 'dl-' + key.replace(/[^A-Za-z0-9-]/g, '-') });
    document.body.append(dl);
    datalists.set(key, dl);
  }
  return datalists.get(key);
}

const suggest = debounce(async (name, user, q) => {
  const key = `${user ? 'u' : 'e'}-${name}-${q}`;
  let values = suggested.get(key);
  if (!values) {
    try {
      ({ values } = await api('GET', `/ui/api/suggest?field=${encodeURIComponent(name)}&user=${user}&q=${encodeURIComponent(q)}`));
    } catch { values = []; }
    suggested.set(key, values);
  }
  datalistFor(name, user).replaceChildren(...values.map((v) => el('option', { value: v.value, label: `${fmt.compact(v.count)} events` })));
}, 200);
