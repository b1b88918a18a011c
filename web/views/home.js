// The public home page: what Tawasul is, and the catalogue of entities with search.
import { t, tPlural } from '../i18n.js';
import { entities } from '../lib/api.js';
import { currentUser } from '../lib/auth.js';
import { h } from '../lib/dom.js';
import { entityName, normalize, otherEntityName } from '../lib/format.js';
import { badge, empty, field, input } from '../lib/ui.js';

export async function homeView() {
  const user = currentUser();
  const list = await entities();
  const hero = h(
    'section',
    { class: 'hero', 'aria-labelledby': 'hero-title' },
    h('h1', { id: 'hero-title', tabindex: '-1' }, t('home.title')),
    h('p', { class: 'lead' }, t('home.lead')),
    h(
      'div',
      { class: 'hero-actions' },
      user?.isStaff && !user.isCitizen
        ? h('a', { class: 'btn btn-primary btn-large', href: '#/staff' }, t('nav.staff'))
        : h('a', { class: 'btn btn-primary btn-large', href: '#/submit' }, t('home.submit')),
      !user?.isStaff || user.isCitizen ? h('a', { class: 'btn btn-large', href: '#/cases' }, t('home.track')) : null,
      h('a', { class: 'btn btn-large', href: '#/performance' }, t('performance.link')),
    ),
  );

  const stepTexts = [
    [t('home.step1.title'), t('home.step1.text')],
    [t('home.step2.title'), t('home.step2.text')],
    [t('home.step3.title'), t('home.step3.text')],
  ];
  const steps = h(
    'ol',
    { class: 'steps' },
    stepTexts.map(([title, text], i) =>
      h(
        'li',
        { class: 'step' },
        h('span', { class: 'step-number', 'aria-hidden': 'true' }, String(i + 1)),
        h('div', {}, h('h3', {}, title), h('p', {}, text)),
      ),
    ),
  );

  const types = h(
    'ul',
    { class: 'types' },
    ['complaint', 'suggestion', 'inquiry', 'compliment'].map((type) =>
      h('li', { class: `type-card type-${type}` }, h('h3', {}, t(`type.${type}`)), h('p', {}, t(`type.${type}.hint`))),
    ),
  );

  const search = input({ type: 'search', autocomplete: 'off', 'data-i18n-placeholder': 'catalogue.searchPlaceholder', placeholder: t('catalogue.searchPlaceholder') });
  const count = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const grid = h('ul', { class: 'entity-grid' });
  const sorted = [...list].sort((a, b) => entityName(a).localeCompare(entityName(b), document.documentElement.lang));

  function show() {
    const query = normalize(search.value);
    const matches = sorted.filter(
      (e) => !query || normalize(e.name_ar).includes(query) || normalize(e.name_en).includes(query) || e.id.includes(query),
    );
    grid.replaceChildren(...matches.map(entityCard));
    count.textContent = matches.length ? tPlural('catalogue.count', matches.length) : '';
    if (!matches.length) grid.append(h('li', {}, empty(t('catalogue.none'))));
  }
  search.addEventListener('input', show);
  show();

  return h(
    'div',
    { class: 'home' },
    hero,
    h('section', { class: 'band', 'aria-labelledby': 'how-title' }, h('h2', { id: 'how-title' }, t('home.how')), steps),
    h('section', { class: 'band', 'aria-labelledby': 'types-title' }, h('h2', { id: 'types-title' }, t('home.types')), types),
    h(
      'section',
      { class: 'band', 'aria-labelledby': 'catalogue-title' },
      h('h2', { id: 'catalogue-title' }, t('catalogue.title')),
      h('p', { class: 'muted' }, t('catalogue.lead')),
      h('div', { class: 'search-row', role: 'search' }, field(t('catalogue.search'), search)),
      count,
      grid,
    ),
  );
}

function entityCard(entity) {
  return h(
    'li',
    { class: 'entity-card' },
    h('h3', { class: 'entity-name' }, entityName(entity)),
    h('p', { class: 'entity-other', lang: document.documentElement.lang === 'ar' ? 'en' : 'ar', dir: 'auto' }, otherEntityName(entity)),
    h(
      'div',
      { class: 'entity-footer' },
      entity.central
        ? badge(t('catalogue.central'), 'info')
        : entity.joined
          ? badge(t('catalogue.joined'), 'ok')
          : badge(t('catalogue.viaCentral'), 'neutral'),
      h(
        'a',
        { class: 'btn btn-small', href: `#/submit?entity=${encodeURIComponent(entity.id)}`, 'aria-label': t('catalogue.submitTo', { name: entityName(entity) }) },
        t('catalogue.submit'),
      ),
    ),
  );
}
