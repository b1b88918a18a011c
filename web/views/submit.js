// Submit a case (citizen), then show its reference prominently.
import { getLang, t } from '../i18n.js';
import { api, entities, newKey } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { dateOnly, entityName, groupReference, normalize } from '../lib/format.js';
import {
  ACCEPT,
  announce,
  copyButton,
  field,
  fileField,
  fileProblem,
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
  uploadFile,
} from '../lib/ui.js';

export const CASE_TYPES = ['complaint', 'suggestion', 'inquiry', 'compliment'];

export function signInPrompt(next, text = t('signin.needed')) {
  return h(
    'div',
    { class: 'narrow' },
    pageHeader(t('signin.title')),
    h(
      'div',
      { class: 'card stack' },
      h('p', {}, text),
      h('a', { class: 'btn btn-primary', href: `#/signin?next=${encodeURIComponent(next)}` }, t('auth.signIn')),
    ),
  );
}

export async function submitView({ query }) {
  const user = currentUser();
  const here = `#/submit${query.toString() ? `?${query}` : ''}`;
  if (!user) return signInPrompt(here, t('submit.signInFirst'));
  if (!user.isCitizen) return h('div', { class: 'card' }, h('h1', { tabindex: '-1' }, t('submit.title')), h('p', {}, t('submit.citizensOnly')));

  const list = await entities();
  const sorted = [...list].sort((a, b) => entityName(a).localeCompare(entityName(b), getLang()));
  const preselected = query.get('entity');
  const typeGroup = radios(
    t('submit.type'),
    'type',
    CASE_TYPES.map((type) => ({ value: type, label: t(`type.${type}`), hint: t(`type.${type}.hint`) })),
    { required: true, className: 'choices-cards', checked: query.get('type') || null },
  );

  const filter = input({ type: 'search', autocomplete: 'off' });
  const entitySelect = select(
    [{ value: '', label: t('submit.entityChoose') }, ...sorted.map((e) => ({ value: e.id, label: entityName(e), selected: e.id === preselected }))],
    { name: 'entity_id' },
  );
  filter.addEventListener('input', () => {
    const q = normalize(filter.value);
    for (const option of entitySelect.options) {
      if (!option.value) continue;
      const entity = sorted.find((e) => e.id === option.value);
      option.hidden = Boolean(q) && !normalize(entity.name_ar).includes(q) && !normalize(entity.name_en).includes(q);
    }
  });

  const subject = input({ name: 'subject', maxlength: '200', autocomplete: 'off', dir: 'auto' });
  const description = textarea({ name: 'description', maxlength: '5000', rows: 8, dir: 'auto' });
  const { node: filesField, input: files } = fileField(t('files.add'), { name: 'files', multiple: true, accept: ACCEPT });

  const form = h(
    'form',
    { class: 'card stack form-wide', novalidate: false },
    typeGroup,
    h(
      'div',
      { class: 'field-pair' },
      field(t('submit.entityFilter'), filter, { hint: t('submit.entityFilterHint') }),
      field(t('submit.entity'), entitySelect, { required: true }),
    ),
    field(t('submit.subject'), subject, { required: true, counter: 200 }),
    field(t('submit.description'), description, { required: true, counter: 5000, hint: t('submit.descriptionHint') }),
    filesField,
    h('p', { class: 'muted small' }, t('submit.languageNote')),
    formError(),
    h('div', { class: 'form-actions' }, submitButton(t('submit.send'))),
  );

  const holder = h('div', {}, pageHeader(t('submit.title'), { subtitle: t('submit.lead') }), form);
  const idempotencyKey = newKey(); // one per form: a double click or a retry creates one case
  onSubmit(
    form,
    async () => {
      const chosen = [...files.files];
      const problem = chosen.map((f) => fileProblem(f) && `${f.name}: ${fileProblem(f)}`).find(Boolean);
      if (problem) throw Object.assign(new Error(problem), { display: () => problem });
      const created = await api.post(
        '/v1/cases',
        {
          type: radioValue(form, 'type'),
          entity_id: entitySelect.value,
          subject: subject.value.trim(),
          description: description.value.trim(),
          language: getLang(),
          channel: 'portal',
        },
        { idempotencyKey },
      );
      return { created, chosen };
    },
    ({ created, chosen }) => {
      holder.replaceChildren(confirmation(created, chosen, sorted));
      holder.querySelector('h1')?.focus();
      announce(t('submit.done', { ref: groupReference(created.reference) }), 'ok');
    },
  );
  return holder;
}

function confirmation(created, chosen, catalogue) {
  const reference = groupReference(created.reference);
  const entity = catalogue.find((e) => e.id === created.entity_id);
  const uploads = h('div', { class: 'uploads' });
  const base = `/v1/cases/${encodeURIComponent(created.reference)}`;
  (async () => {
    for (const file of chosen) {
      const progress = h('progress', { max: '100', value: '0', 'aria-label': file.name });
      const message = h('span', { class: 'upload-message' });
      uploads.append(h('div', { class: 'upload' }, h('span', { class: 'upload-name' }, h('bdi', {}, file.name)), progress, message));
      try {
        await uploadFile(base, file, progress);
        message.textContent = t('files.uploaded');
      } catch (error) {
        message.textContent = error.display ? error.display() : t('error.upload');
      }
    }
  })();
  return h(
    'div',
    { class: 'narrow' },
    h(
      'div',
      { class: 'card confirmation' },
      h('span', { class: 'confirmation-icon', 'aria-hidden': 'true' }),
      h('h1', { tabindex: '-1' }, t('submit.doneTitle')),
      h('p', {}, t('submit.referenceIntro')),
      h('p', { class: 'reference-big' }, referenceText(reference, 'reference')),
      h('div', { class: 'row-center' }, copyButton(reference, t('submit.copyReference'))),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('case.entity')),
        h('dd', {}, entity ? entityName(entity) : created.entity_id),
        h('dt', {}, t('case.expected')),
        h('dd', {}, dateOnly(created.expected_response_at)),
      ),
      chosen.length ? h('div', {}, h('h2', {}, t('files.title')), uploads) : null,
      h('p', { class: 'muted' }, t('submit.keepReference')),
      h(
        'div',
        { class: 'row-center' },
        h('a', { class: 'btn btn-primary', href: `#/cases/${encodeURIComponent(created.reference)}` }, t('submit.viewCase')),
        h('a', { class: 'btn', href: '#/submit' }, t('submit.another')),
      ),
    ),
  );
}
