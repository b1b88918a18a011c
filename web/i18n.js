// All user-facing strings live in i18n.json: {"ar": {...}, "en": {...}} with the same keys
// (tests/e2e/test_web_static.py checks it). Arabic is the default; the choice is remembered.

const STORAGE_KEY = 'tawasul.lang';
const LANGS = ['ar', 'en'];
let dictionaries = { ar: {}, en: {} };
let lang = 'ar';
const listeners = new Set();

export async function loadI18n() {
  const response = await fetch('/i18n.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`i18n.json: HTTP ${response.status}`);
  dictionaries = await response.json();
  let saved = null;
  try {
    saved = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    saved = null;
  }
  setLang(LANGS.includes(saved) ? saved : 'ar', { silent: true });
}

export function getLang() {
  return lang;
}

export function otherLang() {
  return lang === 'ar' ? 'en' : 'ar';
}

/** t('case.submitted', {ref: 'TW-…'}): the string in the UI language, `{name}` placeholders filled. */
export function t(key, vars) {
  const text = dictionaries[lang]?.[key] ?? dictionaries.ar?.[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** A count in words by the language's plural rules (Arabic has six forms): `key.zero`,
 * `key.one`, `key.two`, `key.few`, `key.many` where they exist, else `key`; `{n}` filled. */
export function tPlural(key, n, vars = {}) {
  const rule = n === 0 ? 'zero' : new Intl.PluralRules(lang).select(n);
  const form = `${key}.${rule}`;
  return t(form in (dictionaries[lang] || {}) ? form : key, { ...vars, n });
}

/** The key if it exists, else the fallback text (for values the API may add later). */
export function tMaybe(key, fallback) {
  return key in (dictionaries[lang] || {}) ? t(key) : fallback;
}

export function setLang(next, { silent = false } = {}) {
  lang = LANGS.includes(next) ? next : 'ar';
  const root = document.documentElement;
  root.lang = lang;
  root.dir = lang === 'ar' ? 'rtl' : 'ltr';
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyStatic(document);
  if (!silent) listeners.forEach((listener) => listener(lang));
}

export function onLangChange(listener) {
  listeners.add(listener);
}

/** Static markup: data-i18n (text), data-i18n-label (aria-label), data-i18n-placeholder. */
export function applyStatic(root) {
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-label]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => {
    el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  });
}
