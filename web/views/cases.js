// "My cases": newest first, with "load more"; and a jump to a case by its reference.
import { t } from '../i18n.js';
import { api, entityMap } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { dateOnly, dateTime, entityName, groupReference } from '../lib/format.js';
import { field, input, pageHeader, pagedList, referenceText, statusBadge, typeBadge } from '../lib/ui.js';
import { signInPrompt } from './submit.js';

export async function myCasesView({ navigate }) {
  const user = currentUser();
  if (!user) return signInPrompt('#/cases', t('cases.signInFirst'));
  const names = await entityMap();

  const reference = input({ name: 'reference', dir: 'ltr', autocomplete: 'off', placeholder: 'TW-XXXX-XXXX-XXXX', maxlength: '40', class: 'reference-input' });
  const find = h(
    'form',
    { class: 'inline-form', role: 'search' },
    field(t('cases.findLabel'), reference, { hint: t('cases.findHint') }),
    h('button', { type: 'submit', class: 'btn' }, t('cases.find')),
  );
  find.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = reference.value.trim();
    if (value) navigate(`#/cases/${encodeURIComponent(groupReference(value))}`);
  });

  const { node } = pagedList({
    fetchPage: (next) => api.get('/v1/cases', { query: { limit: 10, next_token: next } }),
    renderItem: (item) => caseCard(item, names),
    emptyText: t('cases.none'),
    listClass: 'case-list',
  });

  return h(
    'div',
    {},
    pageHeader(t('cases.title'), {
      subtitle: t('cases.lead'),
      actions: h('a', { class: 'btn btn-primary', href: '#/submit' }, t('home.submit')),
    }),
    h('div', { class: 'card' }, find),
    node,
  );
}

function caseCard(item, names) {
  const entity = names.get(item.entity_id);
  const href = `#/cases/${encodeURIComponent(item.reference)}`;
  return h(
    'li',
    { class: 'case-card' },
    h(
      'div',
      { class: 'case-card-top' },
      referenceText(item.reference),
      h('span', { class: 'badges' }, typeBadge(item.type), statusBadge(item.status)),
    ),
    h('h2', { class: 'case-card-title' }, h('a', { href }, h('bdi', {}, item.subject))),
    h('p', { class: 'muted' }, entity ? entityName(entity) : item.entity_id),
    h(
      'p',
      { class: 'case-card-meta' },
      h('span', {}, t('case.submittedOn'), ' ', h('time', { datetime: item.created_at }, dateTime(item.created_at))),
      ['submitted', 'in_progress', 'awaiting_info', 'reopened'].includes(item.status)
        ? h('span', {}, t('case.expected'), ': ', h('time', { datetime: item.expected_response_at }, dateOnly(item.expected_response_at)))
        : null,
    ),
  );
}
