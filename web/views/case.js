// One of my cases: details, timeline, add information, files, survey, reopen, withdraw.
import { t } from '../i18n.js';
import { api, ApiError, entityMap, errorText, newKey } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { dateOnly, dateTime, entityName, groupReference } from '../lib/format.js';
import {
  announce,
  attachmentsPanel,
  confirmDialog,
  copyButton,
  field,
  formError,
  onSubmit,
  pageHeader,
  radioValue,
  radios,
  referenceText,
  section,
  statusBadge,
  submitButton,
  textarea,
  timeline,
  typeBadge,
} from '../lib/ui.js';
import { signInPrompt } from './submit.js';

const OPEN = ['submitted', 'in_progress', 'awaiting_info', 'reopened'];
const WITHDRAWABLE = ['submitted', 'in_progress', 'awaiting_info'];

export async function caseView({ params }) {
  const reference = params[0];
  if (!currentUser()) return signInPrompt(`#/cases/${encodeURIComponent(reference)}`);
  const path = `/v1/cases/${encodeURIComponent(reference)}`;
  const [data, names] = await Promise.all([api.get(path), entityMap()]);
  const holder = h('div', { class: 'case-page' });

  function show(current, { focus } = {}) {
    holder.replaceChildren(...build(current));
    if (focus) holder.querySelector(focus)?.focus();
  }

  function build(current) {
    const entity = names.get(current.entity_id);
    const ref = groupReference(current.reference);
    const open = OPEN.includes(current.status);
    const parts = [
      pageHeader(h('bdi', {}, current.subject), { back: { href: '#/cases', label: t('cases.title') } }),
      h(
        'div',
        { class: 'card case-summary' },
        h(
          'div',
          { class: 'reference-row' },
          h('span', { class: 'muted' }, t('case.reference')),
          referenceText(ref, 'reference reference-large'),
          copyButton(ref),
        ),
        h('div', { class: 'badges' }, statusBadge(current.status), typeBadge(current.type)),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, t('case.entity')),
          h('dd', {}, entity ? entityName(entity) : current.entity_id),
          h('dt', {}, t('case.submittedOn')),
          h('dd', {}, h('time', { datetime: current.created_at }, dateTime(current.created_at))),
          h('dt', {}, t('case.channel')),
          h('dd', {}, t(`channel.${current.channel}`)),
          open ? h('dt', {}, t('case.expected')) : null,
          open ? h('dd', { class: 'expected' }, h('time', { datetime: current.expected_response_at }, dateOnly(current.expected_response_at))) : null,
        ),
        h('h2', { class: 'small-heading' }, t('case.description')),
        h('p', { class: 'prewrap', dir: 'auto' }, current.description),
      ),
    ];
    if (current.status === 'awaiting_info') {
      parts.push(h('p', { class: 'notice notice-warn', role: 'note' }, t('case.infoRequested')));
    }
    parts.push(section(t('case.timeline'), h('p', { class: 'muted small' }, t('common.bahrainTime')), timeline(current.timeline)));
    if (open) parts.push(messageForm(current));
    parts.push(section(t('files.title'), attachmentsPanel(path, { canUpload: open })));
    if (['responded', 'closed'].includes(current.status)) parts.push(surveySection(current));
    if (WITHDRAWABLE.includes(current.status)) parts.push(withdrawSection(current));
    return parts;
  }

  function messageForm(current) {
    const text = textarea({ name: 'text', maxlength: '5000', rows: 4, dir: 'auto' });
    const key = newKey();
    const form = h(
      'form',
      { class: 'stack' },
      field(current.status === 'awaiting_info' ? t('case.replyLabel') : t('case.addInfoLabel'), text, { required: true, counter: 5000 }),
      formError(),
      submitButton(t('case.send')),
    );
    onSubmit(
      form,
      () => api.post(`${path}/messages`, { text: text.value.trim() }, { idempotencyKey: key }),
      (updated) => {
        announce(t('case.messageSent'), 'ok');
        show(updated, { focus: '.timeline li:last-child' });
      },
    );
    return section(t('case.addInfo'), form);
  }

  function withdrawSection(current) {
    const button = h('button', { type: 'button', class: 'btn btn-danger' }, t('case.withdraw'));
    button.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: t('case.withdrawConfirmTitle'),
        body: t('case.withdrawConfirmText', { ref: groupReference(current.reference) }),
        confirmLabel: t('case.withdraw'),
        danger: true,
      });
      if (!ok) return;
      button.disabled = true;
      try {
        const updated = await api.post(`${path}/withdraw`);
        announce(t('case.withdrawn'), 'ok');
        show(updated);
      } catch (error) {
        announce(errorText(error), 'error');
        button.disabled = false;
      }
    });
    return section(t('case.withdrawTitle'), h('p', {}, t('case.withdrawText')), button);
  }

  function surveySection() {
    const body = h('div', { class: 'survey' }, h('p', { class: 'muted' }, t('common.loading')));
    const node = section(t('survey.title'), body);
    api
      .get(`${path}/survey`)
      .then((survey) => body.replaceChildren(...surveyBody(survey)))
      .catch((error) => {
        if (error instanceof ApiError && error.status === 404) node.remove();
        else body.replaceChildren(h('p', { class: 'form-error' }, errorText(error)));
      });
    return node;

    function surveyBody(survey) {
      const parts = [];
      if (survey.answer) {
        parts.push(
          h('p', {}, t('survey.thanks')),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, t('survey.satisfaction')),
            h('dd', {}, h('span', { class: 'stars-static', 'aria-hidden': 'true' }, '★'.repeat(survey.answer.satisfaction) + '☆'.repeat(5 - survey.answer.satisfaction)), h('span', { class: 'visually-hidden' }, t('survey.starsOf', { n: survey.answer.satisfaction }))),
            h('dt', {}, t('survey.resolved')),
            h('dd', {}, survey.answer.resolved ? t('common.yes') : t('common.no')),
            survey.answer.comment ? h('dt', {}, t('survey.yourComment')) : null,
            survey.answer.comment ? h('dd', { dir: 'auto' }, survey.answer.comment) : null,
          ),
        );
      } else if (survey.state === 'open') {
        parts.push(surveyForm(survey));
      } else {
        parts.push(h('p', { class: 'muted' }, t('survey.expired')));
      }
      if (survey.can_reopen) {
        const form = reopenForm(survey);
        // Offered openly after a "not resolved" answer; otherwise one click away.
        parts.push(
          survey.reopen_offered
            ? form
            : h('details', { class: 'action reopen-toggle' }, h('summary', {}, t('reopen.question')), form),
        );
      }
      return parts;
    }

    function surveyForm(survey) {
      const stars = radios(
        t('survey.satisfaction'),
        'satisfaction',
        [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: t('survey.stars', { n }) })),
        { required: true, className: 'stars' },
      );
      const resolved = radios(
        t('survey.resolved'),
        'resolved',
        [
          { value: 'yes', label: t('common.yes') },
          { value: 'no', label: t('common.no') },
        ],
        { required: true, className: 'choices-inline' },
      );
      const comment = textarea({ name: 'comment', maxlength: '1000', rows: 3, dir: 'auto' });
      const key = newKey();
      const form = h(
        'form',
        { class: 'stack' },
        h('p', {}, t('survey.lead', { date: dateOnly(survey.closes_at) })),
        stars,
        resolved,
        field(t('survey.comment'), comment, { counter: 1000 }),
        formError(),
        submitButton(t('survey.send')),
      );
      onSubmit(
        form,
        () =>
          api.post(
            `${path}/survey`,
            {
              satisfaction: Number(radioValue(form, 'satisfaction')),
              resolved: radioValue(form, 'resolved') === 'yes',
              ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
            },
            { idempotencyKey: key },
          ),
        (answered) => {
          announce(t('survey.thanks'), 'ok');
          body.replaceChildren(...surveyBody(answered));
        },
      );
      return form;
    }

    function reopenForm(survey) {
      const reason = textarea({ name: 'reason', maxlength: '1000', rows: 3, dir: 'auto' });
      const key = newKey();
      const form = h(
        'form',
        { class: 'stack reopen' },
        survey.reopen_offered ? h('h3', {}, t('reopen.title')) : null,
        h('p', {}, survey.reopen_offered ? t('reopen.offered') : t('reopen.lead'), survey.reopen_until ? [' ', t('reopen.until', { date: dateOnly(survey.reopen_until) })] : null),
        field(t('reopen.reason'), reason, { required: true, counter: 1000 }),
        formError(),
        submitButton(t('reopen.send'), 'btn'),
      );
      onSubmit(
        form,
        () => api.post(`${path}/reopen`, { reason: reason.value.trim() }, { idempotencyKey: key }),
        (updated) => {
          announce(t('reopen.done'), 'ok');
          show(updated);
        },
      );
      return form;
    }
  }

  show(data);
  return holder;
}

