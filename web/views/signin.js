// Sign-in: the Cognito hosted UI on AWS, a developer form against POST /local/token locally.
import { t } from '../i18n.js';
import { entities } from '../lib/api.js';
import { authMode, currentUser, signInLocal, startCognitoSignIn } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { entityName } from '../lib/format.js';
import { announce, field, formError, input, onSubmit, pageHeader, select, submitButton } from '../lib/ui.js';

const ROLES = ['citizen', 'agent', 'supervisor', 'head', 'oversight'];

function safeNext(query) {
  const next = query.get('next');
  return next && next.startsWith('#/') && !next.startsWith('#/signin') ? next : null;
}

export function homeFor(user) {
  if (!user) return '#/';
  if (user.isStaff && !user.isCitizen) return '#/staff';
  return '#/cases';
}

export async function signInView({ query, navigate }) {
  const next = safeNext(query);
  const user = currentUser();
  if (authMode() === 'cognito') return cognitoView(next, user);
  return localView(next, user, navigate);
}

function cognitoView(next, user) {
  const citizen = h('button', { type: 'button', class: 'btn btn-primary btn-large' }, t('signin.citizen'));
  const staff = h('button', { type: 'button', class: 'btn btn-large' }, t('signin.staff'));
  citizen.addEventListener('click', () => startCognitoSignIn({ returnTo: next || '#/cases', citizen: true }));
  staff.addEventListener('click', () => startCognitoSignIn({ returnTo: next || '#/staff' }));
  return h(
    'div',
    { class: 'narrow' },
    pageHeader(t('signin.title'), { subtitle: t('signin.lead') }),
    user ? h('p', { class: 'notice' }, t('signin.already', { name: user.name })) : null,
    h(
      'div',
      { class: 'card stack' },
      h('h2', {}, t('signin.citizenTitle')),
      h('p', {}, t('signin.citizenText')),
      citizen,
    ),
    h('div', { class: 'card stack' }, h('h2', {}, t('signin.staffTitle')), h('p', {}, t('signin.staffText')), staff),
  );
}

async function localView(next, user, navigate) {
  const list = await entities();
  const staffEntities = [...list].sort((a, b) => entityName(a).localeCompare(entityName(b)));
  const role = select(
    ROLES.map((r) => ({ value: r, label: t(`role.${r}`) })),
    { name: 'role' },
  );
  const entity = select(
    staffEntities.map((e) => ({ value: e.id, label: entityName(e), selected: e.id === 'moh' })),
    { name: 'entity' },
  );
  const sub = input({ name: 'sub', autocomplete: 'username', dir: 'ltr', pattern: '[A-Za-z0-9_.:@\\-]+', maxlength: '128' });
  const email = input({ name: 'email', type: 'email', autocomplete: 'email', dir: 'ltr' });
  const nationalId = input({ name: 'national_id', dir: 'ltr', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9A-Za-z]{5,20}' });
  const entityField = field(t('signin.entity'), entity);
  const nationalIdField = field(t('signin.nationalId'), nationalId, { hint: t('signin.nationalIdHint') });
  let subEdited = false;
  let emailEdited = false;
  sub.addEventListener('input', () => {
    subEdited = true;
    if (!emailEdited) email.value = sub.value ? `${sub.value}@example.com` : '';
  });
  email.addEventListener('input', () => {
    emailEdited = true;
  });

  function refresh() {
    const staffRole = ['agent', 'supervisor', 'head'].includes(role.value);
    entityField.hidden = !staffRole;
    entity.disabled = !staffRole;
    nationalIdField.hidden = role.value !== 'citizen';
    if (!subEdited) {
      sub.value = staffRole ? `${role.value}-${entity.value}` : `${role.value}-demo`;
      if (!emailEdited) email.value = `${sub.value}@example.com`;
    }
  }
  role.addEventListener('change', refresh);
  entity.addEventListener('change', refresh);
  refresh();

  const form = h(
    'form',
    { class: 'card stack', novalidate: false },
    h('p', { class: 'notice' }, t('signin.localNotice')),
    field(t('signin.role'), role),
    entityField,
    field(t('signin.sub'), sub, { required: true, hint: t('signin.subHint') }),
    field(t('signin.email'), email, { hint: t('signin.emailHint') }),
    nationalIdField,
    formError(),
    submitButton(t('auth.signIn')),
  );
  onSubmit(
    form,
    async () => {
      const groups =
        role.value === 'citizen' ? ['citizen'] : role.value === 'oversight' ? ['oversight'] : [`${role.value}:${entity.value}`];
      return signInLocal({
        sub: sub.value.trim(),
        groups,
        email: email.value.trim() || undefined,
        nationalId: role.value === 'citizen' ? nationalId.value.trim() || undefined : undefined,
      });
    },
    (signedIn) => {
      announce(t('auth.signedInNamed', { name: signedIn.name }), 'ok');
      navigate(next || homeFor(signedIn));
    },
  );

  return h(
    'div',
    { class: 'narrow' },
    pageHeader(t('signin.title'), { subtitle: t('signin.localLead') }),
    user ? h('p', { class: 'notice' }, t('signin.already', { name: user.name })) : null,
    form,
  );
}
