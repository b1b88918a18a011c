// A case for staff: full timeline (internal notes marked), SLA, and the actions of the role.
import { getLang, t } from '../i18n.js';
import { api, entities, entityMap, newKey } from '../lib/api.js';
import { roleFor } from '../lib/auth.js';
import { h, ltr } from '../lib/dom.js';
import { dateTime, entityName, groupReference, relative } from '../lib/format.js';
import {
  announce,
  attachmentsPanel,
  badge,
  copyButton,
  field,
  formError,
  input,
  onSubmit,
  pageHeader,
  referenceText,
  section,
  select,
  slaBadge,
  statusBadge,
  submitButton,
  textarea,
  timeline,
  typeBadge,
} from '../lib/ui.js';
import { replyPicker } from './replies.js';
import { levelText, roleBadge, staffGate } from './staff.js';

const OPEN = ['submitted', 'in_progress', 'awaiting_info', 'reopened'];
const WORKERS = ['agent', 'supervisor', 'oversight'];
const MANAGERS = ['supervisor', 'oversight'];
export const REJECT_REASONS = ['out_of_scope', 'duplicate', 'abusive'];
export const OUTCOMES = ['under_study', 'accepted', 'implemented', 'declined'];

export async function staffCaseView({ params, navigate }) {
  const reference = params[0];
  const { user, gate } = staffGate(`#/staff/cases/${encodeURIComponent(reference)}`);
  if (gate) return gate;
  const path = `/v1/staff/cases/${encodeURIComponent(reference)}`;
  const [data, names, catalogue] = await Promise.all([api.get(path), entityMap(), entities()]);
  const holder = h('div', { class: 'staff-case' });

  function show(current, { focus } = {}) {
    holder.replaceChildren(...build(current));
    if (focus) holder.querySelector(focus)?.focus();
  }

  function done(messageKey) {
    return (updated) => {
      announce(t(messageKey), 'ok');
      show(updated, { focus: 'h1' });
    };
  }

  function build(current) {
    const entity = names.get(current.entity_id);
    const role = roleFor(user, current.entity_id);
    const ref = groupReference(current.reference);
    const open = OPEN.includes(current.status);
    const queueHref = `#/staff/queue/${current.entity_id}/${current.status}`;
    const paused = current.status === 'awaiting_info';

    const facts = h(
      'dl',
      { class: 'facts facts-stacked' },
      h('dt', {}, t('staff.col.sla')),
      // Awaiting the citizen: the clock is paused (decision 007), the due time moves on reply.
      paused
        ? h('dd', { class: 'sla-paused' }, badge(t('staff.clockPaused'), 'warn'), h('span', { class: 'muted small block' }, t('staff.clockPausedText')))
        : h('dd', {}, slaBadge(current.sla_state)),
      h('dt', {}, t('staff.due')),
      h('dd', {}, h('time', { datetime: current.due_at }, dateTime(current.due_at)), open && !paused ? h('span', { class: 'muted small block' }, relative(current.due_at)) : null),
      current.warn_at ? h('dt', {}, t('staff.warnAt')) : null,
      current.warn_at ? h('dd', {}, h('time', { datetime: current.warn_at }, dateTime(current.warn_at))) : null,
      h('dt', {}, t('staff.col.level')),
      h('dd', {}, levelText(current.escalation_level)),
      h('dt', {}, t('staff.col.assignee')),
      h('dd', {}, current.assignee ? ltr(current.assignee) : h('span', { class: 'muted' }, t('staff.unassigned'))),
      h('dt', {}, t('case.expected')),
      h('dd', {}, dateTime(current.expected_response_at)),
      current.outcome ? h('dt', {}, t('staff.outcome')) : null,
      current.outcome ? h('dd', {}, t(`outcome.${current.outcome}`)) : null,
    );

    const summary = h(
      'div',
      { class: 'card case-summary' },
      h(
        'div',
        { class: 'reference-row' },
        h('span', { class: 'muted' }, t('case.reference')),
        referenceText(ref, 'reference reference-large'),
        copyButton(ref),
      ),
      h('div', { class: 'badges' }, statusBadge(current.status), typeBadge(current.type), roleBadge(role)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('case.entity')),
        h('dd', {}, entity ? entityName(entity) : current.entity_id, entity && !entity.joined ? [' ', badge(t('staff.notJoined'), 'warn')] : null),
        h('dt', {}, t('case.channel')),
        h('dd', {}, t(`channel.${current.channel}`)),
        h('dt', {}, t('staff.caseLanguage')),
        h('dd', {}, t(`language.${current.language}`)),
        h('dt', {}, t('case.submittedOn')),
        h('dd', {}, dateTime(current.created_at)),
      ),
      h('h2', { class: 'small-heading' }, t('case.description')),
      h('p', { class: 'prewrap', dir: 'auto', lang: current.language }, current.description),
    );

    const actions = actionForms(current, role, open);
    return [
      pageHeader(h('bdi', {}, current.subject), { back: { href: queueHref, label: t('staff.backToQueue') } }),
      // One grid: side by side on wide screens; on phones the SLA and actions come right after
      // the summary, before the (long) timeline.
      h(
        'div',
        { class: 'case-grid' },
        summary,
        h(
          'aside',
          { class: 'column-side', 'aria-label': t('staff.sidebar') },
          h('div', { class: 'card' }, h('h2', {}, t('staff.sla')), facts),
          actions.length
            ? h('div', { class: 'card actions' }, h('h2', {}, t('staff.actions')), ...actions)
            : h('div', { class: 'card' }, h('p', { class: 'muted' }, role === 'head' ? t('staff.readOnlyHead') : t('staff.noActions'))),
        ),
        section(t('case.timeline'), h('p', { class: 'muted small' }, t('staff.timelineNote')), timeline(current.timeline, { staff: true, names })),
        section(t('files.title'), attachmentsPanel(path, { canUpload: WORKERS.includes(role) && open, staff: true })),
      ),
    ];
  }

  function action(titleKey, formNode, { open: expanded = false, danger = false } = {}) {
    return h('details', { class: `action${danger ? ' action-danger' : ''}`, open: expanded, 'data-action': titleKey }, h('summary', {}, t(titleKey)), formNode);
  }

  function messageAction(endpoint, label, hint, messageKey, keyName = 'message', picker = null) {
    const text = textarea({ maxlength: '5000', rows: 5, dir: 'auto' });
    const key = newKey();
    const form = h('form', { class: 'stack' }, field(label, text, { required: true, counter: 5000, hint }), formError(), submitButton(t('staff.send')));
    if (picker) form.prepend(picker(text));
    onSubmit(form, () => api.post(`${path}/${endpoint}`, { [keyName]: text.value.trim() }, { idempotencyKey: key }), done(messageKey));
    return form;
  }

  function actionForms(current, role, open) {
    const forms = [];
    const worker = WORKERS.includes(role);
    const manager = MANAGERS.includes(role);
    const language = t(`language.${current.language}`);
    if (worker && open) {
      // reply templates of the entity, filled in the case's language (views/replies.js)
      const entity = names.get(current.entity_id);
      const filled = { language: current.language, reference: groupReference(current.reference), entityNameText: entity ? (current.language === 'ar' ? entity.name_ar : entity.name_en) : current.entity_id };
      const picker = (target) => replyPicker(current.entity_id, filled, target);
      forms.push(action('staff.respond', messageAction('respond', t('staff.respondLabel'), t('staff.writeIn', { language }), 'staff.responded', 'message', picker), { open: true }));
      forms.push(action('staff.requestInfo', messageAction('request-info', t('staff.requestInfoLabel'), t('staff.writeIn', { language }), 'staff.infoRequested', 'message', picker)));
    }
    if (worker || manager) {
      forms.push(action('staff.note', messageAction('notes', t('staff.noteLabel'), t('staff.noteHint'), 'staff.noted', 'text')));
    }
    if (manager && open) forms.push(action('staff.assign', assignForm(current)));
    if (worker && open) forms.push(action('staff.transfer', transferForm(current)));
    if (manager && open) forms.push(action('staff.extend', extendForm(current)));
    if (manager && current.type === 'suggestion' && !['submitted', 'withdrawn', 'rejected'].includes(current.status)) {
      forms.push(action('staff.recordOutcome', outcomeForm(current)));
    }
    if (worker && open) forms.push(action('staff.reject', rejectForm(current), { danger: true }));
    return forms;
  }

  function assignForm(current) {
    const assignee = input({ dir: 'ltr', autocomplete: 'off', maxlength: '128', pattern: '[\\w\\-.:@]+', value: current.assignee || '' });
    const me = h('button', { type: 'button', class: 'btn btn-quiet btn-small' }, t('staff.assignMe'));
    me.addEventListener('click', () => {
      assignee.value = user.sub;
      assignee.focus();
    });
    const key = newKey();
    const form = h('form', { class: 'stack' }, field(t('staff.assignee'), assignee, { required: true, hint: t('staff.assigneeHint') }), me, formError(), submitButton(t('staff.assign')));
    onSubmit(form, () => api.post(`${path}/assign`, { assignee: assignee.value.trim() }, { idempotencyKey: key }), done('staff.assigned'));
    return form;
  }

  function transferForm(current) {
    const others = catalogue
      .filter((e) => e.id !== current.entity_id)
      .sort((a, b) => entityName(a).localeCompare(entityName(b), getLang()));
    const target = select([{ value: '', label: t('submit.entityChoose') }, ...others.map((e) => ({ value: e.id, label: entityName(e) }))]);
    const reason = textarea({ maxlength: '1000', rows: 3, dir: 'auto' });
    const key = newKey();
    const form = h(
      'form',
      { class: 'stack' },
      field(t('staff.transferTo'), target, { required: true }),
      field(t('staff.reason'), reason, { required: true, counter: 1000 }),
      formError(),
      submitButton(t('staff.transfer')),
    );
    onSubmit(
      form,
      () => api.post(`${path}/transfer`, { entity_id: target.value, reason: reason.value.trim() }, { idempotencyKey: key }),
      (updated) => {
        if (roleFor(user, updated.entity_id)) {
          done('staff.transferred')(updated);
          return;
        }
        // The case now belongs to an entity this user does not work: back to the queue.
        announce(t('staff.transferredAway'), 'ok');
        navigate(`#/staff/queue/${current.entity_id}/${current.status}`);
      },
    );
    return form;
  }

  function rejectForm() {
    const reasonCode = select([{ value: '', label: t('staff.rejectChoose') }, ...REJECT_REASONS.map((r) => ({ value: r, label: t(`reject.${r}`) }))]);
    const duplicate = input({ dir: 'ltr', autocomplete: 'off', maxlength: '40', placeholder: 'TW-XXXX-XXXX-XXXX', class: 'reference-input' });
    const duplicateField = field(t('staff.duplicateOf'), duplicate);
    duplicateField.hidden = true;
    reasonCode.addEventListener('change', () => {
      duplicateField.hidden = reasonCode.value !== 'duplicate';
      duplicate.required = reasonCode.value === 'duplicate';
    });
    const message = textarea({ maxlength: '5000', rows: 4, dir: 'auto' });
    const key = newKey();
    const form = h(
      'form',
      { class: 'stack' },
      field(t('staff.rejectReason'), reasonCode, { required: true }),
      duplicateField,
      field(t('staff.rejectMessage'), message, { required: true, counter: 5000, hint: t('staff.rejectHint') }),
      formError(),
      submitButton(t('staff.reject'), 'btn btn-danger'),
    );
    onSubmit(
      form,
      () =>
        api.post(
          `${path}/reject`,
          {
            reason_code: reasonCode.value,
            message: message.value.trim(),
            ...(reasonCode.value === 'duplicate' && duplicate.value.trim() ? { duplicate_of: groupReference(duplicate.value.trim()) } : {}),
          },
          { idempotencyKey: key },
        ),
      done('staff.rejected'),
    );
    return form;
  }

  function outcomeForm(current) {
    const outcome = select(OUTCOMES.map((o) => ({ value: o, label: t(`outcome.${o}`), selected: o === current.outcome })));
    const key = newKey();
    const form = h('form', { class: 'stack' }, field(t('staff.outcome'), outcome, { required: true }), formError(), submitButton(t('staff.recordOutcome')));
    onSubmit(form, () => api.post(`${path}/outcome`, { outcome: outcome.value }, { idempotencyKey: key }), done('staff.outcomeRecorded'));
    return form;
  }

  function extendForm(current) {
    // <input type="datetime-local"> in Bahrain time (UTC+3 all year: no daylight saving).
    const until = input({ type: 'datetime-local', dir: 'ltr', value: bahrainLocal(current.due_at) });
    const reason = textarea({ maxlength: '1000', rows: 3, dir: 'auto' });
    const key = newKey();
    const form = h(
      'form',
      { class: 'stack' },
      field(t('staff.extendUntil'), until, { required: true, hint: t('staff.extendHint') }),
      field(t('staff.reason'), reason, { required: true, counter: 1000 }),
      formError(),
      submitButton(t('staff.extend')),
    );
    onSubmit(form, () => api.post(`${path}/extend`, { until: `${until.value.length === 16 ? `${until.value}:00` : until.value}+03:00`, reason: reason.value.trim() }, { idempotencyKey: key }), done('staff.extended'));
    return form;
  }

  show(data);
  return holder;
}

/** An ISO instant as `YYYY-MM-DDTHH:MM` in Bahrain time (UTC+3). */
function bahrainLocal(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() + 3 * 3600 * 1000).toISOString().slice(0, 16);
}
