// Reply templates of an entity (issue 13): the management page (supervisors and oversight write,
// the entity's staff read) and the picker the staff case offers when answering or asking for
// information — filled in the case's language, then editable before sending.
import { getLang, t } from '../i18n.js';
import { api, entityMap, errorText, newKey, request } from '../lib/api.js';
import { roleFor } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { entityName } from '../lib/format.js';
import { announce, confirmDialog, empty, field, formError, input, onSubmit, pageHeader, section, select, submitButton, textarea } from '../lib/ui.js';
import { staffGate } from './staff.js';

const MANAGERS = ['supervisor', 'oversight'];
const repliesPath = (entityId) => `/v1/staff/entities/${encodeURIComponent(entityId)}/replies`;

/** `{reference}` and `{entity_name}` filled; `{{`/`}}` are literal braces. */
export function fillTemplate(body, values) {
  return body.replace(/\{\{|\}\}|\{(reference|entity_name)\}/g, (match, name) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    return values[name] ?? match;
  });
}

/**
 * A select of the entity's templates above `target` (a textarea): choosing one fills the textarea
 * in the case's `language`. Nothing is shown when the entity has no template or they cannot be read.
 */
export function replyPicker(entityId, { language, reference, entityNameText }, target) {
  const holder = h('div', { class: 'reply-picker' });
  api
    .get(repliesPath(entityId))
    .then((page) => {
      if (!page.items.length) return;
      const choice = select(
        [{ value: '', label: t('replies.choose') }, ...page.items.map((item) => ({ value: item.id, label: language === 'ar' ? item.title_ar : item.title_en }))],
        {},
      );
      choice.addEventListener('change', () => {
        const item = page.items.find((candidate) => candidate.id === choice.value);
        if (!item) return;
        const body = language === 'ar' ? item.body_ar : item.body_en;
        target.value = fillTemplate(body, { reference, entity_name: entityNameText });
        target.dispatchEvent(new Event('input'));
        target.focus();
      });
      holder.replaceChildren(field(t('replies.use'), choice, { hint: t('replies.useHint') }));
    })
    .catch(() => holder.replaceChildren());
  return holder;
}

export async function repliesView({ params }) {
  const entityId = params[0];
  const { user, gate } = staffGate(`#/staff/replies/${encodeURIComponent(entityId)}`);
  if (gate) return gate;
  const names = await entityMap();
  const entity = names.get(entityId);
  const manager = MANAGERS.includes(roleFor(user, entityId));
  const holder = h('div', {});

  async function reload() {
    const page = await api.get(repliesPath(entityId));
    holder.replaceChildren(
      pageHeader(t('replies.title'), { subtitle: entity ? entityName(entity) : entityId, back: '#/staff' }),
      h('p', { class: 'muted' }, t('replies.placeholders')),
      page.items.length ? h('ul', { class: 'list' }, page.items.map((item) => templateCard(item))) : empty(t('replies.none')),
      manager ? section(t('replies.add'), templateForm(null)) : null,
    );
  }

  function templateCard(item) {
    const lang = getLang();
    const card = h(
      'li',
      { class: 'card stack' },
      h('h2', {}, h('bdi', {}, lang === 'ar' ? item.title_ar : item.title_en)),
      h('p', { lang: 'ar', dir: 'rtl', class: 'pre-wrap' }, item.body_ar),
      h('p', { lang: 'en', dir: 'ltr', class: 'pre-wrap' }, item.body_en),
    );
    if (manager) {
      const edit = h('details', { class: 'action' }, h('summary', {}, t('replies.edit')), templateForm(item));
      const remove = h('button', { type: 'button', class: 'btn btn-danger btn-small' }, t('replies.delete'));
      remove.addEventListener('click', async () => {
        const sure = await confirmDialog({ title: t('replies.delete'), body: t('replies.deleteConfirm'), confirmLabel: t('replies.delete'), danger: true });
        if (!sure) return;
        try {
          await request('DELETE', `${repliesPath(entityId)}/${encodeURIComponent(item.id)}`);
          announce(t('replies.deleted'), 'ok');
          await reload();
        } catch (error) {
          announce(errorText(error), 'error');
        }
      });
      card.append(edit, remove);
    }
    return card;
  }

  function templateForm(item) {
    const titleAr = input({ maxlength: '200', dir: 'rtl', lang: 'ar', value: item?.title_ar || '' });
    const titleEn = input({ maxlength: '200', dir: 'ltr', lang: 'en', value: item?.title_en || '' });
    const bodyAr = textarea({ maxlength: '5000', rows: 4, dir: 'rtl', lang: 'ar' });
    const bodyEn = textarea({ maxlength: '5000', rows: 4, dir: 'ltr', lang: 'en' });
    bodyAr.value = item?.body_ar || '';
    bodyEn.value = item?.body_en || '';
    const key = newKey();
    const form = h(
      'form',
      { class: 'stack' },
      field(t('replies.titleAr'), titleAr, { required: true }),
      field(t('replies.bodyAr'), bodyAr, { required: true, counter: 5000 }),
      field(t('replies.titleEn'), titleEn, { required: true }),
      field(t('replies.bodyEn'), bodyEn, { required: true, counter: 5000 }),
      formError(),
      submitButton(item ? t('replies.save') : t('replies.add')),
    );
    const body = () => ({ title_ar: titleAr.value.trim(), title_en: titleEn.value.trim(), body_ar: bodyAr.value.trim(), body_en: bodyEn.value.trim() });
    onSubmit(
      form,
      () => (item ? api.put(`${repliesPath(entityId)}/${encodeURIComponent(item.id)}`, body()) : api.post(repliesPath(entityId), body(), { idempotencyKey: key })),
      async () => {
        announce(t('replies.saved'), 'ok');
        await reload();
      },
    );
    return form;
  }

  await reload();
  return holder;
}
