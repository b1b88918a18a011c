// Administration (oversight only): entities, their SLA policies and calendars, the audit log.
import { getLang, t, tMaybe } from '../i18n.js';
import { api, entities, forgetCatalogue } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h, ltr } from '../lib/dom.js';
import { dateTime, entityName, normalize } from '../lib/format.js';
import {
  announce,
  badge,
  empty,
  field,
  formError,
  input,
  onSubmit,
  pageHeader,
  pagedList,
  section,
  submitButton,
  textarea,
} from '../lib/ui.js';
import { CASE_TYPES, signInPrompt } from './submit.js';

export const WEEK_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const LEVELS = [0, 1, 2, 3];

function adminGate(here) {
  const user = currentUser();
  if (!user) return signInPrompt(here, t('admin.signInFirst'));
  if (!user.oversight) {
    return h('div', { class: 'card' }, h('h1', { tabindex: '-1' }, t('admin.title')), h('p', {}, t('admin.oversightOnly')));
  }
  return null;
}

export async function adminHomeView({ navigate }) {
  const gate = adminGate('#/admin');
  if (gate) return gate;
  const list = [...(await entities())].sort((a, b) => entityName(a).localeCompare(entityName(b), getLang()));

  const search = input({ type: 'search', autocomplete: 'off' });
  const rows = h('ul', { class: 'admin-list' });
  function show() {
    const q = normalize(search.value);
    const matches = list.filter((e) => !q || normalize(e.name_ar).includes(q) || normalize(e.name_en).includes(q) || e.id.includes(q));
    rows.replaceChildren(
      ...matches.map((e) =>
        h(
          'li',
          {},
          h('a', { href: `#/admin/${e.id}` }, entityName(e)),
          ' ',
          ltr(e.id, 'muted small ltr'),
          ' ',
          e.central ? badge(t('catalogue.central'), 'info') : e.joined ? badge(t('catalogue.joined'), 'ok') : badge(t('admin.notJoined'), 'neutral'),
        ),
      ),
    );
    if (!matches.length) rows.append(h('li', {}, empty(t('catalogue.none'))));
  }
  search.addEventListener('input', show);
  show();

  // New entity
  const id = input({ dir: 'ltr', autocomplete: 'off', minlength: '2', maxlength: '64', pattern: '[a-z0-9][a-z0-9\\-]+' });
  const nameAr = input({ dir: 'rtl', lang: 'ar', maxlength: '200', autocomplete: 'off' });
  const nameEn = input({ dir: 'ltr', lang: 'en', maxlength: '200', autocomplete: 'off' });
  const joined = h('input', { type: 'checkbox', id: 'new-joined' });
  const form = h(
    'form',
    { class: 'stack' },
    field(t('admin.id'), id, { required: true, hint: t('admin.idHint') }),
    h('div', { class: 'field-pair' }, field(t('admin.nameAr'), nameAr, { required: true }), field(t('admin.nameEn'), nameEn, { required: true })),
    h('div', { class: 'check' }, joined, h('label', { for: 'new-joined' }, t('admin.joined'))),
    formError(),
    submitButton(t('admin.create')),
  );
  onSubmit(
    form,
    () => api.post('/v1/admin/entities', { id: id.value.trim(), name_ar: nameAr.value.trim(), name_en: nameEn.value.trim(), joined: joined.checked }),
    (created) => {
      forgetCatalogue();
      announce(t('admin.created'), 'ok');
      navigate(`#/admin/${created.id}`);
    },
  );

  return h(
    'div',
    {},
    pageHeader(t('admin.title'), { subtitle: t('admin.lead') }),
    h(
      'div',
      { class: 'two-columns' },
      h('div', { class: 'column-main' }, section(t('admin.entities'), h('div', { role: 'search' }, field(t('catalogue.search'), search)), rows)),
      h('aside', { class: 'column-side', 'aria-label': t('admin.newEntity') }, section(t('admin.newEntity'), form)),
    ),
  );
}

export async function adminEntityView({ params }) {
  const entityId = params[0];
  const gate = adminGate(`#/admin/${entityId}`);
  if (gate) return gate;
  const path = `/v1/admin/entities/${encodeURIComponent(entityId)}`;
  const profile = await api.get(path);
  const holder = h('div', {});

  function show(current) {
    holder.replaceChildren(
      pageHeader(entityName(current), { subtitle: current.id, back: { href: '#/admin', label: t('admin.title') } }),
      profileSection(current),
      slaSection(current),
      calendarSection(current),
      auditSection(),
    );
  }

  function saved(messageKey) {
    return (updated) => {
      forgetCatalogue();
      announce(t(messageKey), 'ok');
      show(updated);
    };
  }

  function profileSection(current) {
    const nameAr = input({ dir: 'rtl', lang: 'ar', maxlength: '200', value: current.name_ar });
    const nameEn = input({ dir: 'ltr', lang: 'en', maxlength: '200', value: current.name_en });
    const joined = h('input', { type: 'checkbox', id: 'profile-joined', checked: current.joined, disabled: current.central });
    const form = h(
      'form',
      { class: 'stack' },
      h('div', { class: 'field-pair' }, field(t('admin.nameAr'), nameAr, { required: true }), field(t('admin.nameEn'), nameEn, { required: true })),
      h('div', { class: 'check' }, joined, h('label', { for: 'profile-joined' }, t('admin.joined'))),
      h('p', { class: 'hint' }, t('admin.joinedHint')),
      formError(),
      submitButton(t('admin.save')),
    );
    onSubmit(
      form,
      () => {
        const body = {};
        if (nameAr.value.trim() !== current.name_ar) body.name_ar = nameAr.value.trim();
        if (nameEn.value.trim() !== current.name_en) body.name_en = nameEn.value.trim();
        if (!current.central && joined.checked !== current.joined) body.joined = joined.checked;
        return api.patch(path, body);
      },
      saved('admin.saved'),
    );
    return section(t('admin.profile'), form);
  }

  function slaSection(current) {
    const table = h(
      'table',
      { class: 'sla-table' },
      h('caption', { class: 'visually-hidden' }, t('admin.sla')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('admin.caseType')),
          LEVELS.map((level) => h('th', { scope: 'col' }, t(`level.${level}`))),
          h('th', { scope: 'col' }, t('admin.warnPercent')),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('admin.save'))),
        ),
      ),
    );
    const body = h('tbody', {});
    for (const caseType of CASE_TYPES) {
      const policy = current.sla.find((p) => p.case_type === caseType) || { days_per_level: [5, 2, 2, 2], warn_fraction_percent: 75, configured: false };
      const formId = `sla-${caseType}`;
      const typeLabel = t(`type.${caseType}`);
      const days = LEVELS.map((level) =>
        h('input', {
          type: 'number',
          min: '1',
          max: '365',
          step: '1',
          required: true,
          form: formId,
          value: String(policy.days_per_level[level] ?? ''),
          'aria-label': t('admin.daysAt', { type: typeLabel, level: t(`level.${level}`) }),
          class: 'number-input',
        }),
      );
      const warn = h('input', {
        type: 'number',
        min: '1',
        max: '99',
        step: '1',
        required: true,
        form: formId,
        value: String(policy.warn_fraction_percent),
        'aria-label': t('admin.warnFor', { type: typeLabel }),
        class: 'number-input',
      });
      const form = h('form', { id: formId, class: 'sla-form' }, submitButton(t('admin.save'), 'btn btn-small'), formError());
      onSubmit(
        form,
        () =>
          api.put(`${path}/sla/${caseType}`, {
            days_per_level: days.map((d) => Number(d.value)),
            warn_fraction_percent: Number(warn.value),
          }),
        saved('admin.slaSaved'),
      );
      body.append(
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, typeLabel, policy.configured ? null : h('span', { class: 'muted small block' }, t('admin.default'))),
          days.map((d, level) => h('td', { 'data-label': t(`level.${level}`) }, d)),
          h('td', { 'data-label': t('admin.warnPercent') }, warn),
          h('td', { class: 'sla-save' }, form),
        ),
      );
    }
    table.append(body);
    return section(t('admin.sla'), h('p', { class: 'muted' }, t('admin.slaLead')), h('div', { class: 'table-wrap' }, table));
  }

  function calendarSection(current) {
    const calendar = current.calendar;
    const zone = input({ dir: 'ltr', value: calendar.time_zone, maxlength: '64' });
    const days = WEEK_DAYS.map((day) => {
      const id = `day-${day}`;
      return h('div', { class: 'check' }, h('input', { type: 'checkbox', id, value: day, checked: calendar.week.includes(day) }), h('label', { for: id }, t(`day.${day}`)));
    });
    const start = input({ type: 'time', dir: 'ltr', value: calendar.day_start });
    const end = input({ type: 'time', dir: 'ltr', value: calendar.day_end });
    const holidays = textarea({ dir: 'ltr', rows: 8, value: (calendar.holidays || []).join('\n') });
    holidays.value = (calendar.holidays || []).join('\n');
    const form = h(
      'form',
      { class: 'stack' },
      h('fieldset', { class: 'choices choices-inline' }, h('legend', {}, t('admin.week')), ...days),
      h('div', { class: 'field-pair' }, field(t('admin.dayStart'), start, { required: true }), field(t('admin.dayEnd'), end, { required: true })),
      field(t('admin.timeZone'), zone, { required: true, hint: t('admin.timeZoneHint') }),
      field(t('admin.holidays'), holidays, { hint: t('admin.holidaysHint') }),
      formError(),
      submitButton(t('admin.save')),
    );
    onSubmit(
      form,
      () => {
        const week = days.map((d) => d.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
        const lines = holidays.value.split('\n').map((line) => line.trim());
        const badLine = lines.findIndex((line) => line && !isDate(line));
        if (badLine >= 0) {
          holidays.setAttribute('aria-invalid', 'true');
          holidays.focus();
          const message = t('admin.badHolidayLine', { line: badLine + 1, value: lines[badLine] });
          throw Object.assign(new Error('date'), { display: () => message });
        }
        const list = lines.filter(Boolean);
        if (!week.length) throw Object.assign(new Error('week'), { display: () => t('admin.needDay') });
        return api.put(`${path}/calendar`, { time_zone: zone.value.trim(), week, day_start: start.value, day_end: end.value, holidays: list });
      },
      saved('admin.calendarSaved'),
    );
    return section(t('admin.calendar'), form);
  }

  function auditSection() {
    const { node } = pagedList({
      fetchPage: (next) => api.get(`${path}/audit`, { query: { limit: 20, next_token: next } }),
      renderItem: auditItem,
      emptyText: t('admin.auditEmpty'),
      listClass: 'audit',
    });
    return section(t('admin.audit'), node);
  }

  show(profile);
  return holder;
}

/** YYYY-MM-DD and a real day of the calendar (not 2026-13-01 nor 2026-02-30). */
function isDate(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

// --- the audit log, as a reviewer reads it: who, what, before → after -------------------------
const AUDIT_FIELDS = {
  name_ar: 'admin.nameAr',
  name_en: 'admin.nameEn',
  joined: 'admin.joined',
  warn_fraction_percent: 'admin.warnPercent',
  time_zone: 'admin.timeZone',
  week: 'admin.week',
  day_start: 'admin.dayStart',
  day_end: 'admin.dayEnd',
};

function auditValue(key, value) {
  if (value === undefined || value === null || value === '') return h('span', { class: 'muted' }, '—');
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (key === 'week') return value.map((day) => t(`day.${day}`)).join(getLang() === 'ar' ? '، ' : ', ');
  return h('bdi', {}, String(value));
}

function change(label, before, after, key, created) {
  const same = JSON.stringify(before) === JSON.stringify(after);
  if (!created && same) return null;
  return h(
    'li',
    { class: 'audit-change' },
    h('span', { class: 'audit-field' }, label),
    ' ',
    created ? null : [h('del', {}, auditValue(key, before)), ' ', h('span', { 'aria-hidden': 'true' }, getLang() === 'ar' ? '←' : '→'), h('span', { class: 'visually-hidden' }, t('audit.becomes')), ' '],
    h('ins', {}, auditValue(key, after)),
  );
}

function auditChanges(item) {
  const before = item.before || {};
  const after = item.after || {};
  const created = !item.before;
  const rows = [];
  if ('days_per_level' in after) {
    LEVELS.forEach((level) =>
      rows.push(change(t('audit.daysAt', { level: t(`level.${level}`) }), before.days_per_level?.[level], after.days_per_level[level], 'days', created)),
    );
  }
  for (const [key, labelKey] of Object.entries(AUDIT_FIELDS)) {
    if (key in after || key in before) rows.push(change(t(labelKey), before[key], after[key], key, created));
  }
  if ('holidays' in after) {
    const old = new Set(before.holidays || []);
    const now = new Set(after.holidays || []);
    const added = [...now].filter((d) => !old.has(d));
    const removed = [...old].filter((d) => !now.has(d));
    const dates = (list) => list.map((d) => ltr(d)).flatMap((node, i) => (i ? [', ', node] : [node]));
    if (added.length || removed.length) {
      rows.push(
        h(
          'li',
          { class: 'audit-change' },
          h('span', { class: 'audit-field' }, t('admin.holidays')),
          ' ',
          added.length ? h('ins', {}, t('audit.added'), ' ', dates(added)) : null,
          added.length && removed.length ? ' · ' : null,
          removed.length ? h('del', {}, t('audit.removed'), ' ', dates(removed)) : null,
        ),
      );
    }
  }
  const shown = rows.filter(Boolean);
  return shown.length ? h('ul', { class: 'audit-changes' }, shown) : h('p', { class: 'muted small' }, t('audit.noChange'));
}

function auditTitle(item) {
  const caseType = (item.after || {}).case_type;
  if (item.action === 'sla_policy_set' && caseType) return t('audit.sla_policy_set.type', { type: t(`type.${caseType}`) });
  return tMaybe(`audit.${item.action}`, t('audit.other'));
}

function auditItem(item) {
  return h(
    'li',
    { class: 'audit-item' },
    h('p', { class: 'audit-what' }, h('strong', {}, auditTitle(item))),
    h(
      'p',
      { class: 'audit-who muted small' },
      t('audit.by'),
      ' ',
      ltr(item.actor_id),
      ' · ',
      // The date keeps its own order inside the other direction's text.
      h('bdi', {}, h('time', { datetime: item.at }, dateTime(item.at))),
    ),
    auditChanges(item),
  );
}
