// Shared pieces of the interface: headings, fields, badges, dialogs, timeline, attachments.
import { getLang, t, tMaybe } from '../i18n.js';
import { api, ApiError, errorText, uploadToBucket } from './api.js';
import { h, ltr, safeUrl, uid } from './dom.js';
import { dateTime, entityName, fileSize, groupReference } from './format.js';

// --- announcements (the one aria-live region of the page) ------------------------------------
let toastTimer = null;
let showTimer = null;
let toastPage = null; // the page (hash) the toast belongs to
let carryToast = false; // the app itself navigates right after an action: its toast goes along

export function announce(text, kind = 'info') {
  const region = document.getElementById('status');
  if (!region) return;
  region.textContent = '';
  region.className = `toast toast-${kind}`;
  toastPage = window.location.hash;
  // A fresh text node after clearing makes screen readers announce repeated messages too.
  window.clearTimeout(showTimer);
  showTimer = window.setTimeout(() => {
    region.textContent = text;
  }, 30);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(clearToast, 7000);
}

export function clearToast() {
  const region = document.getElementById('status');
  window.clearTimeout(showTimer);
  window.clearTimeout(toastTimer);
  if (!region) return;
  region.textContent = '';
  region.className = 'toast';
}

/** The next page change comes from the app (after sign-in, a transfer…): keep its toast. */
export function carryToastOnce() {
  carryToast = true;
}

/** On every page change: a toast stays only when the app itself moved on after announcing it. */
export function toastOnNavigation() {
  if (carryToast) toastPage = window.location.hash;
  else if (toastPage !== window.location.hash) clearToast();
  carryToast = false;
}

/** A toast never covers the field being filled in (phones: the keyboard leaves little room). */
export function keepFieldsUncovered() {
  document.addEventListener('focusin', (event) => {
    const region = document.getElementById('status');
    const target = event.target;
    if (!region || !region.textContent || !(target instanceof Element) || target === region) return;
    if (!target.matches('input, select, textarea, button, a')) return;
    const a = region.getBoundingClientRect();
    const b = target.getBoundingClientRect();
    const overlaps = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    if (overlaps) clearToast();
  });
}

// --- page structure --------------------------------------------------------------------------
export function pageHeader(title, { subtitle, actions, back } = {}) {
  return h(
    'div',
    { class: 'page-header' },
    back ? h('a', { class: 'back-link', href: back.href }, h('span', { 'aria-hidden': 'true', class: 'back-arrow' }), back.label) : null,
    h(
      'div',
      { class: 'page-header-row' },
      h('div', { class: 'page-heading' }, h('h1', { tabindex: '-1' }, title), subtitle ? h('p', { class: 'lead' }, subtitle) : null),
      actions ? h('div', { class: 'page-actions' }, actions) : null,
    ),
  );
}

export function section(title, ...children) {
  const id = uid('sec');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('common.loading'));
}

export function errorPanel(error, { retry } = {}) {
  return h(
    'div',
    { class: 'card error-panel', role: 'alert' },
    h('h1', { tabindex: '-1' }, t('error.title')),
    h('p', {}, errorText(error)),
    error instanceof ApiError && error.correlationId
      ? h('p', { class: 'muted' }, t('error.correlation'), ' ', ltr(error.correlationId))
      : null,
    retry ? h('button', { type: 'button', class: 'btn', onClick: retry }, t('common.retry')) : null,
  );
}

// --- form fields -----------------------------------------------------------------------------
/** A labelled control; `hint` and `counter` are tied to it with aria-describedby. */
export function field(label, control, { hint, required, counter, className } = {}) {
  const id = control.id || uid('in');
  control.id = id;
  const described = [];
  let hintNode = null;
  if (hint) {
    hintNode = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    described.push(hintNode.id);
  }
  let counterNode = null;
  if (counter) {
    counterNode = h('p', { class: 'counter', id: `${id}-count` });
    described.push(counterNode.id);
    const update = () => {
      counterNode.textContent = t('form.counter', { n: control.value.length, max: counter });
      counterNode.classList.toggle('counter-near', control.value.length > counter * 0.9);
    };
    control.addEventListener('input', update);
    update();
  }
  if (described.length) control.setAttribute('aria-describedby', described.join(' '));
  if (required) {
    control.required = true;
    control.setAttribute('aria-required', 'true');
  }
  return h(
    'div',
    { class: `field ${className || ''}`.trim() },
    h('label', { for: id }, label, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    control,
    hintNode,
    counterNode,
  );
}

export function input(props = {}) {
  return h('input', { type: 'text', ...props });
}

export function textarea(props = {}) {
  return h('textarea', { rows: 5, ...props });
}

export function select(options, props = {}) {
  const el = h('select', props);
  for (const option of options) {
    el.append(h('option', { value: option.value, selected: option.selected, disabled: option.disabled }, option.label));
  }
  return el;
}

/** A fieldset of radios: [{value, label, hint}] → the group; read with `radioValue(form, name)`. */
export function radios(legend, name, options, { required, className, checked } = {}) {
  const items = options.map((option) => {
    const id = uid(name);
    return h(
      'div',
      { class: 'choice' },
      h('input', { type: 'radio', name, id, value: option.value, required, checked: option.value === checked }),
      h(
        'label',
        { for: id },
        h('span', { class: 'choice-label' }, option.label),
        option.hint ? h('span', { class: 'choice-hint' }, option.hint) : null,
      ),
    );
  });
  return h('fieldset', { class: `choices ${className || ''}`.trim() }, h('legend', {}, legend, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null), ...items);
}

export function radioValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : null;
}

export function formError() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true });
}

/**
 * Wire a form: on submit, validate natively, disable the submit button, run `action`, show the
 * API's error in the form's error line. `action` returns what `onDone` receives.
 */
export function onSubmit(form, action, onDone) {
  const error = form.querySelector('.form-error') || form.appendChild(formError());
  // Our own messages, in the page's language: never the browser's bubbles (in its language).
  form.noValidate = true;
  form.addEventListener('input', (event) => {
    if (event.target instanceof Element) event.target.removeAttribute('aria-invalid');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problems = validate(form);
    if (problems.length) {
      error.textContent = problems.map((p) => p.message).join(' ');
      error.hidden = false;
      problems[0].control.focus();
      return;
    }
    const buttons = [...form.querySelectorAll('button[type="submit"]')];
    buttons.forEach((b) => {
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
    });
    error.hidden = true;
    try {
      const result = await action(new FormData(form));
      if (onDone) await onDone(result);
    } catch (failure) {
      error.textContent = errorText(failure);
      error.hidden = false;
      // A refusal with its own message (ApiError, or a form's check) is no bug to log.
      if (typeof failure?.display !== 'function') console.error(failure);
    } finally {
      buttons.forEach((b) => {
        b.disabled = false;
        b.removeAttribute('aria-busy');
      });
    }
  });
  return form;
}

/** The name a person sees for a control: its aria-label, its label, or its group's legend. */
export function controlName(control) {
  const own = control.getAttribute('aria-label');
  if (own) return own.trim();
  const label = control.id ? document.querySelector(`label[for="${control.id}"]`) : null;
  const group = control.type === 'radio' || control.type === 'checkbox' ? control.closest('fieldset')?.querySelector('legend') : null;
  const source = group || label;
  if (!source) return control.name || '';
  const copy = source.cloneNode(true);
  copy.querySelectorAll('.required').forEach((mark) => mark.remove());
  return copy.textContent.trim();
}

function problemOf(control) {
  const v = control.validity;
  const field = controlName(control);
  const blank = typeof control.value === 'string' && control.value.length > 0 && !control.value.trim();
  if (v.valueMissing) return t(control.type === 'radio' ? 'validation.choose' : 'validation.required', { field });
  if (control.required && blank) return t('validation.blank', { field });
  if (v.badInput) return t('validation.number', { field });
  if (v.rangeUnderflow) return t('validation.min', { field, min: control.min });
  if (v.rangeOverflow) return t('validation.max', { field, max: control.max });
  if (v.stepMismatch) return t('validation.whole', { field });
  if (v.tooShort) return t('validation.tooShort', { field, n: control.minLength });
  if (v.tooLong) return t('validation.tooLong', { field, n: control.maxLength });
  if (v.typeMismatch) return t(control.type === 'email' ? 'validation.email' : 'validation.format', { field });
  if (v.patternMismatch) {
    const hint = control.id ? document.getElementById(`${control.id}-hint`)?.textContent : '';
    return [t('validation.format', { field }), hint].filter(Boolean).join(' ');
  }
  if (!v.valid) return t('validation.format', { field });
  return null;
}

/** Every invalid control of a form (its own and those tied to it with form=), named. */
export function validate(form) {
  const problems = [];
  const seenGroups = new Set();
  for (const control of form.elements) {
    if (!control.willValidate || control.disabled) continue;
    if (control.type === 'radio') {
      if (seenGroups.has(control.name)) continue;
      seenGroups.add(control.name);
    }
    const message = problemOf(control);
    if (message) {
      control.setAttribute('aria-invalid', 'true');
      problems.push({ control, message });
    } else {
      control.removeAttribute('aria-invalid');
    }
  }
  return problems;
}

export function submitButton(label, className = 'btn btn-primary') {
  return h('button', { type: 'submit', class: className }, label);
}

// --- badges ----------------------------------------------------------------------------------
export function badge(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

const STATUS_KIND = {
  submitted: 'info',
  in_progress: 'info',
  awaiting_info: 'warn',
  responded: 'ok',
  closed: 'neutral',
  rejected: 'danger',
  withdrawn: 'neutral',
  reopened: 'warn',
};

export function statusBadge(status) {
  return badge(tMaybe(`status.${status}`, status), STATUS_KIND[status] || 'neutral');
}

export function typeBadge(type) {
  return badge(tMaybe(`type.${type}`, type), `type-${type}`);
}

const SLA_KIND = { on_track: 'ok', at_risk: 'warn', breached: 'danger' };

export function slaBadge(state) {
  return badge(tMaybe(`sla.${state}`, state), SLA_KIND[state] || 'neutral');
}

export function referenceText(reference, className = 'reference') {
  return ltr(groupReference(reference), className);
}

// --- copy ------------------------------------------------------------------------------------
export function copyButton(text, label = t('common.copy')) {
  const button = h('button', { type: 'button', class: 'btn btn-quiet btn-small' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      announce(t('common.copied'), 'ok');
    } catch {
      // Clipboard refused (insecure context or permission): select the text instead.
      announce(t('common.copyFailed'), 'warn');
    }
  });
  return button;
}

// --- dialogs ---------------------------------------------------------------------------------
/** A modal confirmation (native <dialog>: focus trap, Escape to cancel). Resolves true/false. */
export function confirmDialog({ title, body, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    if (typeof HTMLDialogElement !== 'function') {
      resolve(window.confirm(`${title}\n\n${body || ''}`));
      return;
    }
    const titleId = uid('dlg');
    const cancel = h('button', { type: 'button', class: 'btn', value: 'cancel' }, t('common.cancel'));
    const confirm = h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, confirmLabel);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      body ? h('p', {}, body) : null,
      h('div', { class: 'dialog-actions' }, confirm, cancel),
    );
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// --- lists with "load more" ------------------------------------------------------------------
/**
 * A paged list: `fetchPage(nextToken)` → {items, next_token}; `renderItem(item)` → Node.
 * Returns {node, reload}.
 */
export function pagedList({ fetchPage, renderItem, emptyText, listTag = 'ul', listClass = 'list', container }) {
  const list = h(listTag, { class: listClass });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('common.loadMore'));
  const holder = container ? container(list) : list;
  const node = h('div', { class: 'paged' }, holder, status, h('div', { class: 'load-more' }, more));
  let next = null;
  let count = 0;

  async function load(reset) {
    more.disabled = true;
    if (reset) {
      list.replaceChildren();
      count = 0;
      next = null;
    }
    status.textContent = t('common.loading');
    try {
      const page = await fetchPage(next);
      const items = page.items || [];
      items.forEach((item) => list.append(renderItem(item)));
      count += items.length;
      next = page.next_token || null;
      status.textContent = count === 0 ? emptyText : '';
      holder.hidden = count === 0;
      more.hidden = !next;
      if (!reset && items.length) {
        // Keep keyboard users where the new items start.
        const first = list.children[count - items.length]?.querySelector('a, button');
        if (first) first.focus();
      }
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => load(false));
  load(true);
  return { node, reload: () => load(true) };
}

// --- timeline --------------------------------------------------------------------------------
const ACTOR_KEY = { citizen: 'actor.citizen', entity: 'actor.entity', system: 'actor.system' };

/** Oldest first. Staff see the event name, who acted, the status change and internal notes. */
export function timeline(items, { staff = false, names = null } = {}) {
  if (!items || !items.length) return empty(t('timeline.empty'));
  const list = h('ol', { class: 'timeline' });
  for (const item of items) {
    const internal = item.visibility === 'internal';
    const title = staff ? tMaybe(`event.${item.event}`, item.summary) : item.summary;
    const meta = [
      h('bdi', {}, h('time', { datetime: item.at }, dateTime(item.at))),
      ' · ',
      staff && item.actor === 'citizen' ? t('actor.citizen') : t(ACTOR_KEY[item.actor] || 'actor.system'),
      staff && item.actor_id ? [' (', ltr(item.actor_id), ')'] : null,
    ];
    const change =
      staff && item.status_to && item.status_from !== item.status_to
        ? h(
            'p',
            { class: 'timeline-change' },
            t('timeline.statusChange', {
              from: item.status_from ? tMaybe(`status.${item.status_from}`, item.status_from) : '—',
              to: tMaybe(`status.${item.status_to}`, item.status_to),
            }),
          )
        : null;
    const data = staff && item.data && Object.keys(item.data).length ? dataList(item.data, names) : null;
    list.append(
      h(
        'li',
        { class: `timeline-item actor-${item.actor}${internal ? ' is-internal' : ''}` },
        h('span', { class: 'timeline-dot', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'timeline-body' },
          internal ? badge(t('timeline.internal'), 'internal') : null,
          h('p', { class: 'timeline-title' }, title),
          staff && !internal && title !== item.summary
            ? h('p', { class: 'muted small' }, t('timeline.citizenSees'), ' ', quoted(item.summary))
            : null,
          item.text ? h('blockquote', { class: 'timeline-text', dir: 'auto' }, item.text) : null,
          change,
          data,
          h('p', { class: 'timeline-meta' }, meta),
        ),
      ),
    );
  }
  return list;
}

/** Text in quotation marks of the page's language, isolated: the marks never swap sides. */
function quoted(text) {
  const [open, close] = getLang() === 'ar' ? ['«', '»'] : ['“', '”'];
  return h('span', { class: 'quoted' }, open, h('bdi', {}, text), close);
}

const HIDDEN_DATA = new Set(['to_name_ar', 'to_name_en', 'cycle']);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The details an event carries, readable: known codes translated, instants formatted. */
const ENTITY_KEYS = new Set(['from_entity', 'to_entity', 'entity_id', 'worked_by']);

function dataValue(key, value, names) {
  if (ISO_INSTANT.test(value)) return dateTime(value);
  if (ENTITY_KEYS.has(key) && names?.get(value)) return entityName(names.get(value));
  if (key === 'reason_code') return tMaybe(`reject.${value}`, tMaybe(`files.reason.${value}`, value));
  if (key === 'outcome') return tMaybe(`outcome.${value}`, value);
  if (key === 'channel') return tMaybe(`channel.${value}`, value);
  if (key === 'level') return tMaybe(`level.${value}`, value);
  if (key === 'size') return fileSize(value);
  if (value === 'true') return t('common.yes');
  if (value === 'false') return t('common.no');
  return value;
}

function dataList(data, names) {
  const list = h('dl', { class: 'data-list' });
  // The target's name is already shown through to_entity when the catalogue knows it.
  const target = data[getLang() === 'ar' ? 'to_name_ar' : 'to_name_en'];
  if (target && !names?.get(data.to_entity)) list.append(h('dt', {}, t('data.to_name')), h('dd', {}, target));
  for (const [key, value] of Object.entries(data)) {
    if (HIDDEN_DATA.has(key)) continue;
    list.append(h('dt', {}, tMaybe(`data.${key}`, key)), h('dd', { dir: 'auto' }, dataValue(key, String(value), names)));
  }
  return list.children.length ? list : null;
}

// --- attachments -----------------------------------------------------------------------------
export const ACCEPTED_TYPES = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  heif: 'image/heif',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const ACCEPT = [...Object.keys(ACCEPTED_TYPES).map((e) => `.${e}`), ...new Set(Object.values(ACCEPTED_TYPES))].join(',');

export function contentTypeOf(file) {
  const extension = (file.name.split('.').pop() || '').toLowerCase();
  const byName = ACCEPTED_TYPES[extension];
  if (file.type && Object.values(ACCEPTED_TYPES).includes(file.type)) return file.type;
  return byName || null;
}

/** Checks a file before asking for an upload; returns an error text or null. */
export function fileProblem(file) {
  if (!contentTypeOf(file)) return t('files.badType');
  if (file.size === 0) return t('files.empty');
  if (file.size > MAX_FILE_BYTES) return t('files.tooBig');
  return null;
}

/**
 * A file field in the page's language (the native button speaks the browser's language):
 * the real input stays focusable and labelled, a styled label opens it, the chosen names show.
 */
export function fileField(labelText, props = {}, hint = t('files.hint')) {
  const fileInput = h('input', { type: 'file', class: 'file-input', ...props });
  fileInput.id = uid('file');
  const names = h('span', { class: 'file-names muted small' }, t('files.noneChosen'));
  const button = h('label', { for: fileInput.id, class: 'btn btn-small file-button', 'aria-hidden': 'true' }, t('files.choose'));
  fileInput.addEventListener('change', () => {
    const chosen = [...fileInput.files].map((f) => f.name);
    names.textContent = chosen.length ? chosen.join('، ') : t('files.noneChosen');
  });
  const node = field(labelText, fileInput, { hint });
  node.querySelector('label').after(h('div', { class: 'file-picker' }, button, names));
  node.querySelector('.file-picker').prepend(fileInput);
  return { node, input: fileInput };
}

/** Ask the API for a presigned upload, then upload with a progress bar inside `row`. */
export async function uploadFile(basePath, file, progress) {
  const created = await api.post(`${basePath}/attachments`, {
    filename: file.name,
    content_type: contentTypeOf(file),
    size: file.size,
  });
  await uploadToBucket(created.upload, file, (fraction) => {
    progress.value = Math.round(fraction * 100);
  });
  progress.value = 100;
  return created;
}

const FILE_STATUS_KIND = { pending: 'info', available: 'ok', quarantined: 'danger', erased: 'neutral' };

/**
 * The files of a case: list, download, and (when `canUpload`) upload with progress.
 * `basePath` is `/v1/cases/<ref>` or `/v1/staff/cases/<ref>`.
 */
export function attachmentsPanel(basePath, { canUpload = false, staff = false } = {}) {
  const list = h('ul', { class: 'files' });
  const status = h('p', { class: 'muted', role: 'status' });
  const refresh = h('button', { type: 'button', class: 'btn btn-quiet btn-small' }, t('files.refresh'));
  const uploads = h('div', { class: 'uploads' });

  async function load() {
    status.textContent = t('common.loading');
    try {
      const data = await api.get(`${basePath}/attachments`);
      const items = data.items || [];
      list.replaceChildren(...items.map(fileRow));
      status.textContent = items.length ? '' : t('files.none');
    } catch (error) {
      status.textContent = errorText(error);
    }
  }

  function fileRow(item) {
    const download = h('button', { type: 'button', class: 'btn btn-small' }, t('files.download'));
    download.addEventListener('click', async () => {
      download.disabled = true;
      try {
        const link = await api.get(`${basePath}/attachments/${encodeURIComponent(item.attachment_id)}`);
        const url = safeUrl(link.download_url);
        if (url) window.location.assign(url);
      } catch (error) {
        announce(errorText(error), 'error');
      } finally {
        download.disabled = false;
      }
    });
    const reason = item.reason ? tMaybe(`files.reason.${item.reason}`, item.reason) : null;
    return h(
      'li',
      { class: 'file' },
      h('span', { class: 'file-icon', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'file-main' },
        h('p', { class: 'file-name' }, h('bdi', {}, item.filename)),
        h(
          'p',
          { class: 'file-meta' },
          fileSize(item.size),
          ' · ',
          dateTime(item.created_at),
          staff ? [' · ', t(item.uploaded_by === 'citizen' ? 'actor.citizen' : 'actor.entity')] : null,
        ),
        reason ? h('p', { class: 'file-reason' }, reason) : null,
      ),
      badge(tMaybe(`files.status.${item.status}`, item.status), FILE_STATUS_KIND[item.status] || 'neutral'),
      item.status === 'available' ? download : null,
    );
  }

  let picker = null;
  if (canUpload) {
    const chooser = fileField(t('files.add'), { accept: ACCEPT, multiple: true });
    const fileInput = chooser.input;
    fileInput.addEventListener('change', async () => {
      const files = [...fileInput.files];
      if (!files.length) return;
      for (const file of files) await uploadOne(file);
      fileInput.value = '';
      fileInput.dispatchEvent(new Event('change'));
      await load();
    });
    picker = chooser.node;
  }

  async function uploadOne(file) {
    const progress = h('progress', { max: '100', value: '0' });
    const label = h('span', { class: 'upload-name' }, h('bdi', {}, file.name));
    const message = h('span', { class: 'upload-message' });
    const row = h('div', { class: 'upload' }, label, progress, message);
    const progressId = uid('prog');
    label.id = progressId;
    progress.setAttribute('aria-labelledby', progressId);
    uploads.append(row);
    const problem = fileProblem(file);
    if (problem) {
      progress.remove();
      message.textContent = problem;
      row.classList.add('upload-failed');
      announce(`${file.name}: ${problem}`, 'error');
      return;
    }
    try {
      await uploadFile(basePath, file, progress);
      message.textContent = t('files.uploaded');
      announce(t('files.uploadedNamed', { name: file.name }), 'ok');
      window.setTimeout(() => row.remove(), 4000);
    } catch (error) {
      message.textContent = errorText(error);
      row.classList.add('upload-failed');
      announce(`${file.name}: ${errorText(error)}`, 'error');
    }
  }

  refresh.addEventListener('click', load);
  load();
  return h(
    'div',
    { class: 'attachments' },
    h('div', { class: 'row-between' }, h('p', { class: 'muted small' }, t('files.checked')), refresh),
    list,
    status,
    picker,
    uploads,
  );
}

export { groupReference };
