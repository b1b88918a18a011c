// Staff console: pick an entity, then its queue by status (soonest due first).
import { getLang, t } from '../i18n.js';
import { api, entities } from '../lib/api.js';
import { currentUser, roleFor } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { dateTime, entityName, groupReference, normalize, relative } from '../lib/format.js';
import {
  badge,
  empty,
  field,
  input,
  pageHeader,
  pagedList,
  referenceText,
  select,
  slaBadge,
  statusBadge,
  typeBadge,
} from '../lib/ui.js';
import { signInPrompt } from './submit.js';

export const QUEUE_STATUSES = [
  'submitted',
  'in_progress',
  'awaiting_info',
  'reopened',
  'responded',
  'closed',
  'rejected',
  'withdrawn',
];
const LAST_ENTITY_KEY = 'tawasul.staff.entity';

/** The entities the user works: their groups' entities, or every entity for oversight. */
export async function staffEntities(user) {
  const list = await entities();
  const byId = new Map(list.map((e) => [e.id, e]));
  let chosen;
  if (user.oversight) chosen = list;
  else {
    const ids = [...new Set(user.staff.map((s) => s.entity))];
    chosen = ids.map((id) => byId.get(id) || { id, name_ar: id, name_en: id, joined: true, central: false });
  }
  return [...chosen].sort((a, b) => entityName(a).localeCompare(entityName(b), getLang()));
}

export function staffGate(here) {
  const user = currentUser();
  if (!user) return { gate: signInPrompt(here, t('staff.signInFirst')) };
  if (!user.isStaff) {
    return {
      gate: h('div', { class: 'card' }, h('h1', { tabindex: '-1' }, t('staff.title')), h('p', {}, t('staff.notStaff'))),
    };
  }
  return { user };
}

export function roleBadge(role) {
  return role ? badge(t(`role.${role}`), 'role') : null;
}

function findCaseForm(navigate) {
  const reference = input({ dir: 'ltr', autocomplete: 'off', placeholder: 'TW-XXXX-XXXX-XXXX', maxlength: '40', class: 'reference-input' });
  const form = h(
    'form',
    { class: 'inline-form', role: 'search' },
    field(t('staff.findLabel'), reference),
    h('button', { type: 'submit', class: 'btn' }, t('cases.find')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (reference.value.trim()) navigate(`#/staff/cases/${encodeURIComponent(groupReference(reference.value.trim()))}`);
  });
  return form;
}

export async function staffHomeView({ navigate, query }) {
  const { user, gate } = staffGate('#/staff');
  if (gate) return gate;
  const list = await staffEntities(user);
  let remembered = null;
  try {
    remembered = sessionStorage.getItem(LAST_ENTITY_KEY);
  } catch {
    remembered = null;
  }
  if (!user.oversight && list.length === 1 && !query.get('pick')) {
    return staffQueueView({ params: [list[0].id, 'submitted'], navigate });
  }

  const search = input({ type: 'search', autocomplete: 'off' });
  const grid = h('ul', { class: 'entity-grid' });
  function show() {
    const q = normalize(search.value);
    const matches = list.filter((e) => !q || normalize(e.name_ar).includes(q) || normalize(e.name_en).includes(q) || e.id.includes(q));
    grid.replaceChildren(
      ...matches.map((entity) =>
        h(
          'li',
          { class: `entity-card${entity.id === remembered ? ' is-recent' : ''}` },
          h('h2', { class: 'entity-name' }, h('a', { href: `#/staff/queue/${entity.id}/submitted` }, entityName(entity))),
          h(
            'div',
            { class: 'entity-footer' },
            user.oversight ? null : roleBadge(roleFor(user, entity.id)),
            entity.joined ? null : badge(t('staff.notJoined'), 'warn'),
          ),
        ),
      ),
    );
    if (!matches.length) grid.append(h('li', {}, empty(t('catalogue.none'))));
  }
  search.addEventListener('input', show);
  show();
  return h(
    'div',
    {},
    pageHeader(t('staff.title'), {
      subtitle: user.oversight ? t('staff.leadOversight') : t('staff.lead'),
      actions: [
        user.oversight ? roleBadge('oversight') : null,
        h('a', { class: 'btn btn-primary', href: '#/staff/intake' }, t('intake.title')),
      ],
    }),
    h('div', { class: 'card' }, findCaseForm(navigate)),
    h(
      'section',
      { class: 'band', 'aria-labelledby': 'pick-title' },
      h('h2', { id: 'pick-title' }, t('staff.pickEntity')),
      list.length > 8 ? h('div', { class: 'search-row', role: 'search' }, field(t('catalogue.search'), search)) : null,
      grid,
    ),
  );
}

export async function staffQueueView({ params, navigate }) {
  const [entityId, status] = params;
  const { user, gate } = staffGate(`#/staff/queue/${entityId}/${status}`);
  if (gate) return gate;
  const list = await staffEntities(user);
  const entity = list.find((e) => e.id === entityId);
  try {
    sessionStorage.setItem(LAST_ENTITY_KEY, entityId);
  } catch {
    // storage refused: nothing to remember
  }
  const role = roleFor(user, entityId);

  const switcher =
    list.length > 1
      ? (() => {
          const chooser = select(
            list.map((e) => ({ value: e.id, label: entityName(e), selected: e.id === entityId })),
            {},
          );
          chooser.addEventListener('change', () => navigate(`#/staff/queue/${chooser.value}/${status}`));
          return field(t('staff.entity'), chooser, { className: 'field-compact' });
        })()
      : null;

  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': t('staff.statuses') },
    h(
      'ul',
      {},
      QUEUE_STATUSES.map((s) =>
        h('li', {}, h('a', { href: `#/staff/queue/${entityId}/${s}`, 'aria-current': s === status ? 'page' : null }, t(`status.${s}`))),
      ),
    ),
  );

  const { node } = pagedList({
    fetchPage: (next) => api.get('/v1/staff/queue', { query: { entity_id: entityId, status, limit: 20, next_token: next } }),
    renderItem: queueRow,
    emptyText: t('staff.queueEmpty'),
    listTag: 'tbody',
    listClass: '',
    container: (tbody) =>
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'queue' },
          h('caption', { class: 'visually-hidden' }, t('staff.queueCaption', { status: t(`status.${status}`), entity: entity ? entityName(entity) : entityId })),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['staff.col.due', 'staff.col.sla', 'staff.col.case', 'staff.col.type', 'staff.col.level', 'staff.col.assignee'].map((key) =>
                h('th', { scope: 'col' }, t(key)),
              ),
            ),
          ),
          tbody,
        ),
      ),
  });

  return h(
    'div',
    {},
    pageHeader(entity ? entityName(entity) : entityId, {
      subtitle: t('staff.queueLead'),
      back: { href: '#/staff?pick=1', label: t('staff.title') },
      actions: [
        roleBadge(role),
        h('a', { class: 'btn', href: `#/staff/replies/${entityId}` }, t('replies.title')),
        h('a', { class: 'btn btn-primary', href: `#/staff/intake?entity=${entityId}` }, t('intake.title')),
      ],
    }),
    h('div', { class: 'toolbar' }, switcher, findCaseForm(navigate)),
    tabs,
    node,
  );
}

function queueRow(item) {
  const href = `#/staff/cases/${encodeURIComponent(item.reference)}`;
  const open = ['submitted', 'in_progress', 'awaiting_info', 'reopened'].includes(item.status);
  return h(
    'tr',
    { class: `sla-${item.sla_state}` },
    h(
      'td',
      { 'data-label': t('staff.col.due') },
      h('time', { datetime: item.due_at }, dateTime(item.due_at)),
      open ? h('span', { class: 'muted small block' }, relative(item.due_at)) : null,
    ),
    h('td', { 'data-label': t('staff.col.sla') }, slaBadge(item.sla_state)),
    h(
      'td',
      { 'data-label': t('staff.col.case') },
      h('a', { href, class: 'queue-link' }, h('bdi', {}, item.subject)),
      h('span', { class: 'block' }, referenceText(item.reference, 'reference small')),
      item.status ? h('span', { class: 'visually-hidden' }, statusBadge(item.status)) : null,
    ),
    h('td', { 'data-label': t('staff.col.type') }, typeBadge(item.type), h('span', { class: 'muted small block' }, t(`channel.${item.channel}`))),
    h('td', { 'data-label': t('staff.col.level') }, levelText(item.escalation_level)),
    h('td', { 'data-label': t('staff.col.assignee') }, item.assignee ? h('bdi', {}, item.assignee) : h('span', { class: 'muted' }, t('staff.unassigned'))),
  );
}

export function levelText(level) {
  const n = Number(level) || 0;
  return h('span', { class: `level level-${Math.min(n, 3)}` }, t(`level.${Math.min(n, 3)}`));
}
