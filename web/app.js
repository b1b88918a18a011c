// Tawasul web app: start-up, hash routing, header and navigation.
import { applyStatic, getLang, loadI18n, onLangChange, otherLang, setLang, t } from './i18n.js';
import { initApi } from './lib/api.js';
import {
  authMode,
  completeCognitoSignIn,
  currentUser,
  initAuth,
  isCallback,
  signOut,
} from './lib/auth.js';
import { h } from './lib/dom.js';
import { ApiError } from './lib/api.js';
import { announce, carryToastOnce, errorPanel, keepFieldsUncovered, loading, toastOnNavigation } from './lib/ui.js';
import { adminEntityView, adminHomeView } from './views/admin.js';
import { caseView } from './views/case.js';
import { homeView } from './views/home.js';
import { myCasesView } from './views/cases.js';
import { preferencesView } from './views/preferences.js';
import { repliesView } from './views/replies.js';
import { signInView } from './views/signin.js';
import { staffCaseView } from './views/staff-case.js';
import { intakeView } from './views/intake.js';
import { staffHomeView, staffQueueView } from './views/staff.js';
import { submitView } from './views/submit.js';
import { performanceView } from './views/performance.js';
import { canReport, reportsView } from './views/reports.js';

const ROUTES = [
  [/^\/$/, homeView],
  [/^\/submit$/, submitView],
  [/^\/cases$/, myCasesView],
  [/^\/cases\/([^/]+)$/, caseView],
  [/^\/signin$/, signInView],
  [/^\/staff$/, staffHomeView],
  [/^\/staff\/queue\/([a-z0-9-]+)\/([a-z_]+)$/, staffQueueView],
  [/^\/staff\/cases\/([^/]+)$/, staffCaseView],
  [/^\/staff\/intake$/, intakeView],
  [/^\/admin$/, adminHomeView],
  [/^\/admin\/([a-z0-9-]+)$/, adminEntityView],
  [/^\/performance$/, performanceView],
  [/^\/reports$/, reportsView],
  [/^\/me\/preferences$/, preferencesView],
  [/^\/staff\/replies\/([a-z0-9-]+)$/, repliesView],
];

const main = () => document.getElementById('main');
let renderCount = 0;

export function currentRoute() {
  const raw = window.location.hash.startsWith('#/') ? window.location.hash.slice(1) : '/';
  const [path, query] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(query || '') };
}

export function navigate(hash) {
  carryToastOnce(); // the app moves on after an action: what it announced goes along
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

async function render() {
  // In-page anchors (the skip link) are not routes.
  if (window.location.hash && !window.location.hash.startsWith('#/')) return;
  const { path, query } = currentRoute();
  const count = ++renderCount;
  toastOnNavigation();
  renderHeader();
  let view = notFoundView;
  let params = [];
  for (const [pattern, candidate] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      view = candidate;
      params = match.slice(1).map((p) => decodeURIComponent(p));
      break;
    }
  }
  const container = main();
  container.replaceChildren(loading());
  let node;
  try {
    node = await view({ params, query, navigate });
  } catch (error) {
    // A case that does not exist or is not the caller's (the API answers 404 for both).
    node = error instanceof ApiError && error.status === 404 ? notFoundView({ path }) : errorPanel(error, { retry: render });
  }
  if (count !== renderCount) return; // a newer navigation won
  container.replaceChildren(node);
  container.querySelector('.tabs [aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'center' });
  const heading = container.querySelector('h1');
  document.title = heading ? `${heading.textContent} — ${t('app.name')}` : t('app.name');
  if (heading && document.body.dataset.started) heading.focus({ preventScroll: false });
  document.body.dataset.started = 'yes';
  window.scrollTo(0, 0);
}

// Not found: a way back to where the user came from (their cases, the queue, administration).
const WAYS_BACK = [
  [/^\/cases\//, 'notFound.case.title', 'notFound.case.text', '#/cases', 'nav.myCases'],
  [/^\/staff\//, 'notFound.case.title', 'notFound.case.text', '#/staff', 'nav.staff'],
  [/^\/admin\//, 'notFound.entity.title', 'notFound.entity.text', '#/admin', 'nav.admin'],
];

function notFoundView({ path = currentRoute().path } = {}) {
  const fallback = [null, 'notFound.title', 'notFound.text', '#/', 'nav.home'];
  const [, title, text, href, label] = WAYS_BACK.find(([pattern]) => pattern.test(path)) || fallback;
  return h(
    'div',
    { class: 'card not-found' },
    h('h1', { tabindex: '-1' }, t(title)),
    h('p', {}, t(text)),
    h('p', { class: 'row-center' }, h('a', { class: 'btn btn-primary', href }, t(label)), href !== '#/' ? h('a', { class: 'btn', href: '#/' }, t('nav.home')) : null),
  );
}

// --- header ----------------------------------------------------------------------------------
function renderHeader() {
  const user = currentUser();
  const { path } = currentRoute();
  const links = [['#/', 'nav.home', path === '/']];
  if (!user || user.isCitizen) {
    links.push(['#/submit', 'nav.submit', path === '/submit']);
    links.push(['#/cases', 'nav.myCases', path.startsWith('/cases')]);
  }
  if (user?.isCitizen) links.push(['#/me/preferences', 'nav.preferences', path === '/me/preferences']);
  if (user?.isStaff) links.push(['#/staff', 'nav.staff', path.startsWith('/staff')]);
  if (user?.oversight) links.push(['#/admin', 'nav.admin', path.startsWith('/admin')]);
  if (canReport(user)) links.push(['#/reports', 'nav.reports', path.startsWith('/reports')]);
  const nav = document.getElementById('main-nav');
  nav.replaceChildren(
    h(
      'ul',
      {},
      links.map(([href, key, active]) =>
        h('li', {}, h('a', { href, 'aria-current': active ? 'page' : null }, t(key))),
      ),
    ),
  );

  const box = document.getElementById('user-box');
  if (user) {
    const out = h('button', { type: 'button', class: 'btn btn-quiet' }, t('auth.signOut'));
    out.addEventListener('click', () => {
      if (!signOut()) {
        announce(t('auth.signedOut'), 'info');
        navigate('#/');
      }
    });
    box.replaceChildren(
      h('span', { class: 'user-name', title: user.sub }, h('span', { class: 'visually-hidden' }, t('auth.signedInAs')), ' ', h('bdi', {}, user.name)),
      out,
    );
  } else {
    box.replaceChildren(h('a', { class: 'btn btn-quiet', href: '#/signin' }, t('auth.signIn')));
  }

  const toggle = document.getElementById('lang-toggle');
  const next = otherLang();
  toggle.textContent = next === 'en' ? 'English' : 'العربية';
  toggle.lang = next;
}

// --- start -----------------------------------------------------------------------------------
async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return response.json();
}

async function start() {
  await loadI18n();
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    main().replaceChildren(errorPanel(error));
    return;
  }
  initApi(config);
  initAuth(config);
  document.body.dataset.auth = authMode();

  document.getElementById('lang-toggle').addEventListener('click', () => setLang(otherLang()));
  keepFieldsUncovered();
  onLangChange(() => {
    applyStatic(document);
    render();
  });
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main().focus();
  });
  window.addEventListener('hashchange', render);
  // A link to the page already shown (e.g. "submit another") starts that page afresh.
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="#/"]') : null;
    if (link && link.getAttribute('href') === window.location.hash) {
      event.preventDefault();
      render();
    }
  });
  window.addEventListener('tawasul:unauthorized', () => {
    announce(t('auth.expired'), 'warn');
    const { path } = currentRoute();
    if (path !== '/signin') navigate(`#/signin?next=${encodeURIComponent('#' + path)}`);
  });

  if (isCallback()) {
    try {
      const next = await completeCognitoSignIn();
      window.history.replaceState(null, '', `/${next}`);
    } catch {
      window.history.replaceState(null, '', '/#/signin');
      announce(t('auth.failed'), 'error');
    }
  }
  document.documentElement.lang = getLang();
  render();
}

start();
