// The public performance page: how every entity answers (no sign-in, no personal data).
import { t } from '../i18n.js';
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { entityName } from '../lib/format.js';
import { field, input, pageHeader } from '../lib/ui.js';

function figure(value, suffix = '') {
  return value === null || value === undefined ? '—' : `${value}${suffix}`;
}

export async function performanceView({ query, navigate }) {
  const year = new Date().getFullYear();
  const from = query.get('from') || `${year}-01-01`;
  const to = query.get('to') || `${year}-12-31`;
  const data = await api.get('/v1/public/performance', { query: { from, to }, auth: false });

  const fromInput = input({ type: 'date', value: from, required: true });
  const toInput = input({ type: 'date', value: to, required: true });
  const picker = h(
    'form',
    { class: 'card filters' },
    field(t('reports.from'), fromInput),
    field(t('reports.to'), toInput),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('reports.show')),
  );
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(`#/performance?from=${fromInput.value}&to=${toInput.value}`);
  });

  const n = data.national;
  const national = h(
    'dl',
    { class: 'card stats' },
    [
      [t('reports.total'), figure(n.total)],
      [t('reports.withinSla'), figure(n.within_sla_pct, ' %')],
      [t('reports.avgHours'), figure(n.avg_first_response_hours)],
      [t('reports.satisfaction'), figure(n.satisfaction_avg)],
    ].map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value))),
  );

  const table = h(
    'table',
    { class: 'table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [t('reports.entity'), t('reports.total'), t('reports.withinSla'), t('reports.avgHours'), t('reports.satisfaction')].map(
          (label) => h('th', { scope: 'col' }, label),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      data.entities.map((row) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, entityName({ name_ar: row.name_ar, name_en: row.name_en })),
          h('td', {}, figure(row.total)),
          h('td', {}, figure(row.within_sla_pct, ' %')),
          h('td', {}, figure(row.avg_first_response_hours)),
          h('td', {}, figure(row.satisfaction_avg)),
        ),
      ),
    ),
  );
  return h(
    'div',
    {},
    pageHeader(t('performance.title'), { subtitle: t('performance.lead') }),
    picker,
    national,
    h('div', { class: 'card table-wrap' }, table),
  );
}
