// The segment definition as the builder edits it: the field catalog,
// what each kind of criterion starts as, when a definition is complete
// enough to preview, and criteria described in words.

let catalog = { eventTypes: [], eventFields: [], userFields: [] };

// setCatalog installs the catalog of GET /ui/api/catalog.
export function setCatalog(c) {
  catalog = c;
}

// eventTypes lists the event types with how often the data has each.
export function eventTypes() {
  return catalog.eventTypes;
}

// Labels of the operators, by the field's value type.
export const opLabels = {
  eq: 'is', neq: 'is not', contains: 'contains', not_contains: 'does not contain',
  starts_with: 'starts with', ends_with: 'ends with', matches: 'matches regex',
  in: 'is one of', not_in: 'is none of', gt: 'is more than', gte: 'is at least',
  lt: 'is less than', lte: 'is at most', between: 'is between', exists: 'is set',
  not_exists: 'is not set',
};
export const timeOpLabels = { gt: 'is after', gte: 'is on or after', lt: 'is before', lte: 'is on or before' };
export const kindTitles = { user: 'User', did: 'Did', didNot: 'Did not', sequence: 'Sequence', group: 'Group' };
export const countLabels = { gte: 'at least', eq: 'exactly', lte: 'at most', between: 'between' };

export function kindOf(c) {
  for (const k of ['user', 'did', 'didNot', 'sequence']) if (c[k] !== undefined) return k;
  return 'group';
}

export function newCriterion(kind) {
  switch (kind) {
    case 'user': return { user: { field: 'device', op: 'eq', value: '' } };
    case 'did': return { did: { type: 'click', where: [] } };
    case 'didNot': return { didNot: { type: 'custom', where: [{ field: 'name', op: 'eq', value: '' }] } };
    case 'sequence': return { sequence: [{ type: 'navigate', where: [] }, { type: 'click', where: [] }] };
    default: return { match: 'any', criteria: [{ did: { type: 'click', where: [] } }] };
  }
}

export function fieldsFor(user) {
  return user ? catalog.userFields : catalog.eventFields;
}

export function fieldInfo(name, user) {
  return fieldsFor(user).find((f) => f.name === name) || guessField(name);
}

// guessField describes a property the catalog does not list (no data of
// it yet) from its name's type suffix.
function guessField(name) {
  const t = (name || '').split('_').pop();
  const type = { str: 'text', int: 'number', real: 'number', date: 'time', bool: 'bool', strs: 'textList' }[t] || 'text';
  const ops = {
    text: ['eq', 'neq', 'contains', 'not_contains', 'starts_with', 'ends_with', 'matches', 'in', 'not_in', 'exists', 'not_exists'],
    number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'exists', 'not_exists'],
    time: ['gt', 'gte', 'lt', 'lte', 'between', 'exists', 'not_exists'],
    bool: ['eq', 'neq', 'exists', 'not_exists'],
    textList: ['eq', 'neq', 'in', 'not_in', 'exists', 'not_exists'],
  }[type];
  return { name, label: name, type, ops };
}

// valueShape says what an operator takes: none, one value, a list or two.
export function valueShape(op) {
  if (op === 'exists' || op === 'not_exists') return 'none';
  if (op === 'in' || op === 'not_in') return 'list';
  if (op === 'between') return 'pair';
  return 'one';
}

function condIncomplete(c, user) {
  const f = fieldInfo(c.field, user);
  switch (valueShape(c.op)) {
    case 'none': return false;
    case 'list': return !Array.isArray(c.values) || c.values.length === 0;
    case 'pair': return !Array.isArray(c.values) || c.values.length !== 2 ||
      c.values.some((v) => v === '' || v == null || Number.isNaN(v));
    default:
      if (f.type === 'flag' || f.type === 'bool') return typeof c.value !== 'boolean';
      return c.value === '' || c.value == null || Number.isNaN(c.value);
  }
}

function filterIncomplete(f) {
  return (f.where || []).some((c) => condIncomplete(c, false));
}

function critIncomplete(c) {
  switch (kindOf(c)) {
    case 'user': return condIncomplete(c.user, true);
    case 'did': return filterIncomplete(c.did) || (c.count && countIncomplete(c.count));
    case 'didNot': return filterIncomplete(c.didNot);
    case 'sequence': return c.sequence.some(filterIncomplete);
    default: return c.criteria.length === 0 || c.criteria.some(critIncomplete);
  }
}

export function countIncomplete(n) {
  if (n.op === 'between') return !(n.values?.length === 2 && n.values[0] >= 1 && n.values[1] >= n.values[0]);
  return !(Number.isInteger(n.value) && n.value >= 1);
}

export function incomplete(def) {
  return def.criteria.some(critIncomplete) || timeRangeIncomplete(def.timeRange);
}

function timeRangeIncomplete(range) {
  const r = range || {};
  if (r.last !== undefined) return !/^[1-9][0-9]*[hdw]$/.test(r.last);
  if (r.since !== undefined) return !r.since;
  if (r.start !== undefined || r.end !== undefined) return !r.start && !r.end;
  return false;
}

// cleanDef is the definition as the API takes it, without empty parts.
export function cleanDef(d) {
  const copy = JSON.parse(JSON.stringify(d));
  const tidy = (list) => {
    for (const c of list) {
      for (const f of [c.did, c.didNot, ...(c.sequence || [])]) {
        if (f) {
          if (!f.type) delete f.type;
          if (!f.where?.length) delete f.where;
        }
      }
      if (c.criteria) tidy(c.criteria);
    }
  };
  tidy(copy.criteria);
  if (!copy.criteria.length) delete copy.criteria;
  if (!copy.timezone) delete copy.timezone;
  return copy;
}

// describe summarises a criterion in words, for the funnel.
export function describe(c, i) {
  if (!c) return `Criterion ${i + 1}`;
  const cond = (x, user) => {
    const f = fieldInfo(x.field, user);
    const v = x.values ? x.values.join(', ') : x.value === undefined ? '' : String(x.value);
    if (f.type === 'flag') return `${f.label.toLowerCase()}${x.value === false ? ' (no)' : ''}`;
    return `${f.label.toLowerCase()} ${(f.type === 'time' && timeOpLabels[x.op]) || opLabels[x.op]} ${v ? `“${v}”` : ''}`.trim();
  };
  const filt = (f) => {
    const where = [...(f.where || [])];
    let head = (f.type || 'any event').replaceAll('_', ' ');
    // "custom “Order Completed”" reads better than the name condition.
    const named = where.findIndex((x) => x.field === 'name' && x.op === 'eq');
    if (named >= 0) head += ` “${where.splice(named, 1)[0].value}”`;
    return head + (where.length ? ' where ' + where.map((x) => cond(x, false)).join(', ') : '');
  };
  const n = `${i + 1}. `;
  switch (kindOf(c)) {
    case 'user': return n + cond(c.user, true);
    case 'did': {
      const k = c.count;
      const times = k ? ` ${countLabels[k.op]} ${k.values ? k.values.join('–') : k.value}×` : '';
      return `${n}did ${filt(c.did)}${times}`;
    }
    case 'didNot': return `${n}never ${filt(c.didNot)}`;
    case 'sequence': return n + c.sequence.map((s) => filt(s)).join(' → ');
    default: return `${n}${c.match === 'any' ? 'any' : 'all'} of ${c.criteria.length}`;
  }
}
