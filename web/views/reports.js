// Reports for oversight, heads and supervisors: period picker, the national table against the
// previous year, a monthly chart (inline SVG), the sortable entity league and a CSV download.
import { getLang, t } from '../i18n.js';
import { api, download, entities } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { entityName } from '../lib/format.js';
import { announce, empty, field, input, pageHeader, section, select } from '../lib/ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHANNELS = ['portal', 'app', 'call_centre', 'walk_in'];
const TYPES = ['complaint', 'suggestion', 'inquiry', 'compliment'];
const LEAGUE = [
  ['total', 'reports.total'],
  ['within_sla_pct', 'reports.withinSla'],
  ['avg_first_response_hours', 'reports.avgHours'],
  ['satisfaction_avg', 'reports.satisfaction'],
  ['breached', 'reports.breached'],
  ['reopened', 'reports.reopened'],
  ['transferred_in', 'reports.transferredIn'],
  ['transferred_out', 'reports.transferredOut'],
];

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

function figure(value, suffix = '') {
  return value === null || value === undefined ? '—' : `${value}${suffix}`;
}

export function canReport(user) {
  return Boolean(user && (user.oversight || user.staff.some((s) => s.role === 'head' || s.role === 'supervisor')));
}

/** Bars of the monthly totals; time runs right to left in Arabic. */
export function monthlyChart(items) {
  const width = 640;
  const height = 220;
  const pad = 28;
  const max = Math.max(1, ...items.map((m) => m.total));
  const slot = (width - 2 * pad) / Math.max(1, items.length);
  const rtl = getLang() === 'ar';
  const label = items.map((m) => `${m.month}: ${m.total}`).join('، ');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': `${t('reports.monthly')} — ${label}` });
  chart.append(svg('line', { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: 'chart-axis' }));
  items.forEach((m, i) => {
    const index = rtl ? items.length - 1 - i : i;
    const barHeight = ((height - 2 * pad) * m.total) / max;
    const x = pad + index * slot + slot * 0.15;
    const y = height - pad - barHeight;
    chart.append(
      svg('rect', { x, y, width: slot * 0.7, height: barHeight, class: 'chart-bar' }, svg('title', {}, `${m.month}: ${m.total}`)),
      svg('text', { x: x + slot * 0.35, y: height - pad + 16, class: 'chart-label', 'text-anchor': 'middle' }, m.month.slice(2)),
      svg('text', { x: x + slot * 0.35, y: y - 4, class: 'chart-value', 'text-anchor': 'middle' }, String(m.total)),
    );
  });
  return chart;
}

function nationalTable(summary) {
  const rows = [
    [t('reports.total'), figure(summary.total)],
    [t('reports.previousYear'), summary.previous ? figure(summary.previous.total) : '—'],
    [t('reports.growth'), figure(summary.growth_pct, ' %')],
    ...CHANNELS.map((c) => [t(`reports.channel.${c}`), figure(summary.by_channel[c])]),
    ...TYPES.map((k) => [t(`type.${k}`), figure(summary.by_type[k])]),
    [t('reports.answeredInTime'), figure(summary.sla.answered_in_time)],
    [t('reports.breached'), figure(summary.sla.breached)],
    [t('reports.withinSla'), figure(summary.sla.within_sla_pct, ' %')],
    [t('reports.satisfaction'), `${figure(summary.satisfaction.avg)} (${summary.satisfaction.count})`],
  ];
  return h(
    'table',
    { class: 'table' },
    h('tbody', {}, rows.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value)))),
  );
}

function league(rows) {
  let key = null;
  let descending = true;
  const body = h('tbody');
  const headers = LEAGUE.map(([column, label]) =>
    h('th', { scope: 'col' }, h('button', { type: 'button', class: 'btn-link', onClick: () => sortBy(column) }, t(label))),
  );
  function sortBy(column) {
    descending = column === key ? !descending : true;
    key = column;
    headers.forEach((th, i) => th.setAttribute('aria-sort', LEAGUE[i][0] === key ? (descending ? 'descending' : 'ascending') : 'none'));
    draw();
  }
  function draw() {
    const sorted = [...rows].sort((a, b) => {
      const x = a[key] ?? -1;
      const y = b[key] ?? -1;
      return descending ? y - x : x - y;
    });
    body.replaceChildren(
      ...sorted.map((row) =>
        h('tr', {}, h('th', { scope: 'row' }, entityName(row)), LEAGUE.map(([column]) => h('td', {}, figure(row[column])))),
      ),
    );
  }
  sortBy('total');
  return h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('reports.entity')), headers)), body);
}

export async function reportsView({ query, navigate }) {
  const user = currentUser();
  if (!canReport(user)) return h('div', { class: 'card' }, h('h1', { tabindex: '-1' }, t('reports.title')), empty(t('reports.notAllowed')));
  const year = new Date().getFullYear();
  const params = {
    from: query.get('from') || `${year}-01-01`,
    to: query.get('to') || `${year}-12-31`,
    entity_id: query.get('entity_id') || '',
  };
  const [summary, monthly, catalogue] = await Promise.all([
    api.get('/v1/reports/summary', { query: { ...params, compare: 'previous_year' } }),
    api.get('/v1/reports/monthly', { query: params }),
    entities(),
  ]);

  const fromInput = input({ type: 'date', value: params.from, required: true });
  const toInput = input({ type: 'date', value: params.to, required: true });
  const options = user.oversight ? [{ value: '', label: t('reports.national') }] : [];
  const choices = user.oversight ? catalogue : catalogue.filter((e) => summary.by_entity.some((r) => r.entity_id === e.id) || user.staff.some((s) => s.entity === e.id));
  for (const e of choices) options.push({ value: e.id, label: entityName(e), selected: e.id === params.entity_id });
  const entitySelect = select(options);
  const picker = h(
    'form',
    { class: 'card filters' },
    field(t('reports.from'), fromInput),
    field(t('reports.to'), toInput),
    field(t('reports.entity'), entitySelect),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('reports.show')),
  );
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams({ from: fromInput.value, to: toInput.value });
    if (entitySelect.value) next.set('entity_id', entitySelect.value);
    navigate(`#/reports?${next}`);
  });

  const csv = h('button', { type: 'button', class: 'btn' }, t('reports.csv'));
  csv.addEventListener('click', async () => {
    try {
      await download('/v1/reports/summary.csv', params, `tawasul-${params.from}-${params.to}.csv`);
    } catch {
      announce(t('reports.csvFailed'), 'error');
    }
  });

  return h(
    'div',
    {},
    pageHeader(t('reports.title'), { subtitle: `${summary.from} — ${summary.to}`, actions: csv }),
    picker,
    section(t('reports.national'), h('div', { class: 'table-wrap' }, nationalTable(summary))),
    section(t('reports.monthly'), h('div', { class: 'chart-wrap' }, monthlyChart(monthly.items))),
    section(t('reports.league'), h('div', { class: 'table-wrap' }, league(summary.by_entity))),
  );
}
