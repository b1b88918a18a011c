// Intake on behalf of a citizen (call centre or walk-in).
import { getLang, t } from '../i18n.js';
import { api, newKey } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { dateTime, entityName, groupReference } from '../lib/format.js';
import {
  announce,
  copyButton,
  field,
  formError,
  input,
  onSubmit,
  pageHeader,
  radioValue,
  radios,
  referenceText,
  select,
  submitButton,
  textarea,
} from '../lib/ui.js';
import { CASE_TYPES } from './submit.js';
import { staffEntities, staffGate } from './staff.js';

export async function intakeView({ query }) {
  const { user, gate } = staffGate('#/staff/intake');
  if (gate) return gate;
  const list = await staffEntities(user);
  const preselected = query.get('entity') || (list.length === 1 ? list[0].id : '');

  const channel = radios(
    t('intake.channel'),
    'channel',
    [
      { value: 'call_centre', label: t('channel.call_centre') },
      { value: 'walk_in', label: t('channel.walk_in') },
    ],
    { required: true, className: 'choices-inline', checked: 'call_centre' },
  );
  const type = select(CASE_TYPES.map((c) => ({ value: c, label: t(`type.${c}`) })));
  const entity = select([{ value: '', label: t('submit.entityChoose') }, ...list.map((e) => ({ value: e.id, label: entityName(e), selected: e.id === preselected }))]);
  const language = radios(
    t('intake.language'),
    'language',
    [
      { value: 'ar', label: t('language.ar') },
      { value: 'en', label: t('language.en') },
    ],
    { required: true, className: 'choices-inline', checked: getLang() },
  );
  const subject = input({ maxlength: '200', dir: 'auto', autocomplete: 'off' });
  const description = textarea({ maxlength: '5000', rows: 6, dir: 'auto' });
  const nationalId = input({ dir: 'ltr', inputmode: 'numeric', autocomplete: 'off', minlength: '5', maxlength: '20', pattern: '[0-9A-Za-z]+' });
  const phone = input({ type: 'tel', dir: 'ltr', autocomplete: 'off', pattern: '\\+?[0-9]{7,15}', placeholder: '+973XXXXXXXX' });
  const email = input({ type: 'email', dir: 'ltr', autocomplete: 'off', maxlength: '254' });
  const prefers = radios(
    t('intake.prefers'),
    'prefers',
    [
      { value: 'email', label: t('intake.prefersEmail') },
      { value: 'sms', label: t('intake.prefersSms') },
    ],
    { className: 'choices-inline', checked: 'email' },
  );

  const form = h(
    'form',
    { class: 'card stack form-wide' },
    channel,
    h('div', { class: 'field-pair' }, field(t('submit.entity'), entity, { required: true }), field(t('submit.type'), type, { required: true })),
    language,
    field(t('submit.subject'), subject, { required: true, counter: 200 }),
    field(t('submit.description'), description, { required: true, counter: 5000 }),
    h(
      'fieldset',
      { class: 'group' },
      h('legend', {}, t('intake.citizen')),
      field(t('intake.nationalId'), nationalId, { required: true, hint: t('intake.nationalIdHint') }),
      h('div', { class: 'field-pair' }, field(t('intake.phone'), phone), field(t('intake.email'), email)),
      prefers,
    ),
    formError(),
    h('div', { class: 'form-actions' }, submitButton(t('intake.send'))),
  );

  const holder = h('div', {}, pageHeader(t('intake.title'), { subtitle: t('intake.lead'), back: { href: '#/staff', label: t('staff.title') } }), form);
  const key = newKey();
  onSubmit(
    form,
    () => {
      const contact = radioValue(form, 'prefers') || 'email';
      if (contact === 'sms' && !phone.value.trim()) throw Object.assign(new Error('phone'), { display: () => t('intake.needPhone') });
      if (contact === 'email' && !email.value.trim() && !phone.value.trim()) {
        throw Object.assign(new Error('contact'), { display: () => t('intake.needContact') });
      }
      return api.post(
        '/v1/staff/cases',
        {
          type: type.value,
          entity_id: entity.value,
          subject: subject.value.trim(),
          description: description.value.trim(),
          language: radioValue(form, 'language'),
          channel: radioValue(form, 'channel'),
          citizen: {
            national_id: nationalId.value.trim(),
            ...(email.value.trim() ? { email: email.value.trim() } : {}),
            ...(phone.value.trim() ? { phone: phone.value.trim().replace(/\s+/g, '') } : {}),
            prefers: contact,
          },
        },
        { idempotencyKey: key },
      );
    },
    (created) => {
      const ref = groupReference(created.reference);
      announce(t('intake.done', { ref }), 'ok');
      holder.replaceChildren(
        h(
          'div',
          { class: 'narrow' },
          h(
            'div',
            { class: 'card confirmation' },
            h('span', { class: 'confirmation-icon', 'aria-hidden': 'true' }),
            h('h1', { tabindex: '-1' }, t('intake.doneTitle')),
            h('p', {}, t('intake.tellCitizen')),
            h('p', { class: 'reference-big' }, referenceText(ref)),
            h('div', { class: 'row-center' }, copyButton(ref, t('submit.copyReference'))),
            h('p', {}, t('case.expected'), ': ', dateTime(created.expected_response_at)),
            h(
              'div',
              { class: 'row-center' },
              h('a', { class: 'btn btn-primary', href: `#/staff/cases/${encodeURIComponent(created.reference)}` }, t('intake.openCase')),
              h('a', { class: 'btn', href: `#/staff/intake?entity=${created.entity_id}` }, t('intake.another')),
            ),
          ),
        ),
      );
      holder.querySelector('h1')?.focus();
    },
  );
  return holder;
}
