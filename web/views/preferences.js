// "My notifications": language, channels (e-mail, SMS or both), quiet hours, and the phone
// verification (a 6-digit code by SMS) that SMS needs (issue 13).
import { t } from '../i18n.js';
import { api, newKey } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h, ltr } from '../lib/dom.js';
import { announce, field, formError, input, onSubmit, pageHeader, section, select, submitButton } from '../lib/ui.js';
import { signInPrompt } from './submit.js';

const PATH = '/v1/me/preferences';

export async function preferencesView() {
  const user = currentUser();
  if (!user) return signInPrompt('#/me/preferences', t('prefs.signInFirst'));
  const holder = h('div', { class: 'narrow' });

  function show(prefs) {
    holder.replaceChildren(
      pageHeader(t('prefs.title'), { subtitle: t('prefs.lead') }),
      section(t('prefs.phone'), phoneForms(prefs)),
      section(t('prefs.channels'), preferencesForm(prefs)),
    );
  }

  function preferencesForm(prefs) {
    const language = select(
      ['ar', 'en'].map((code) => ({ value: code, label: t(`language.${code}`) })),
      { name: 'language' },
    );
    language.value = prefs.language;
    const box = (value, labelKey, disabled, hintKey) => {
      const control = h('input', { type: 'checkbox', name: 'channels', value, checked: prefs.channels.includes(value), disabled });
      return h('label', { class: 'check' }, control, ' ', t(labelKey), hintKey ? h('span', { class: 'hint' }, ' — ', t(hintKey)) : null);
    };
    const channels = h(
      'fieldset',
      { class: 'field' },
      h('legend', {}, t('prefs.channelsLegend')),
      box('email', 'prefs.email', !prefs.email, prefs.email ? null : 'prefs.noEmail'),
      box('sms', 'prefs.sms', !prefs.phone_verified, prefs.phone_verified ? null : 'prefs.verifyFirst'),
    );
    const start = input({ type: 'time', name: 'quiet_start', value: prefs.quiet_hours?.start || '' });
    const end = input({ type: 'time', name: 'quiet_end', value: prefs.quiet_hours?.end || '' });
    const form = h(
      'form',
      { class: 'stack' },
      field(t('prefs.language'), language, { hint: t('prefs.languageHint') }),
      channels,
      h('div', { class: 'inline-form' }, field(t('prefs.quietStart'), start), field(t('prefs.quietEnd'), end)),
      h('p', { class: 'hint' }, t('prefs.quietHint')),
      formError(),
      submitButton(t('prefs.save')),
    );
    onSubmit(
      form,
      (data) => {
        const body = { language: data.get('language'), channels: data.getAll('channels') };
        if (start.value && end.value) body.quiet_hours = { start: start.value, end: end.value };
        return api.put(PATH, body);
      },
      (saved) => {
        announce(t('prefs.saved'), 'ok');
        show(saved);
      },
    );
    return form;
  }

  function phoneForms(prefs) {
    const status = prefs.phone_verified
      ? h('p', {}, t('prefs.phoneVerified'), ' ', ltr(prefs.phone))
      : h('p', { class: 'muted' }, t('prefs.noPhone'));
    const phone = input({ type: 'tel', name: 'phone', dir: 'ltr', autocomplete: 'tel', placeholder: '+97333123456', pattern: '\\+[1-9][0-9]{7,14}', maxlength: '16' });
    const sendKey = newKey();
    const send = h('form', { class: 'stack' }, field(t('prefs.newPhone'), phone, { required: true, hint: t('prefs.phoneHint') }), formError(), submitButton(t('prefs.sendCode'), 'btn'));
    const code = input({ name: 'code', dir: 'ltr', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6' });
    const verify = h('form', { class: 'stack', hidden: !prefs.phone_verification_pending }, field(t('prefs.code'), code, { required: true, hint: t('prefs.codeHint') }), formError(), submitButton(t('prefs.verify')));
    onSubmit(send, () => api.post('/v1/me/phone', { phone: phone.value.trim() }, { idempotencyKey: sendKey }), () => {
      announce(t('prefs.codeSent'), 'ok');
      verify.hidden = false;
      code.focus();
    });
    onSubmit(verify, () => api.post('/v1/me/phone/verify', { code: code.value.trim() }), (saved) => {
      announce(t('prefs.phoneAdded'), 'ok');
      show(saved);
    });
    return h('div', { class: 'stack' }, status, send, verify);
  }

  show(await api.get(PATH));
  return holder;
}
