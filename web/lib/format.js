// Dates in the UI language, always in Bahrain time; references grouped; names by language.
import { getLang, t } from '../i18n.js';

export const TIME_ZONE = 'Asia/Bahrain';

function locale() {
  // Latin digits in Arabic too: references, ids and phone numbers are written with them.
  return getLang() === 'ar' ? 'ar-BH-u-nu-latn' : 'en-GB';
}

function parse(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function dateTime(iso) {
  const date = parse(iso);
  if (!date) return '—';
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(date);
}

export function dateOnly(iso) {
  const date = parse(iso);
  if (!date) return '—';
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(date);
}

/** "in 3 days" / "2 hours ago", relative to now. */
export function relative(iso, now = Date.now()) {
  const date = parse(iso);
  if (!date) return '';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const units = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'minute') {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

/** `tw7k3m9q2xd4hp` or `TW-7K3M-9Q2X-D4HP` → `TW-7K3M-9Q2X-D4HP`. */
export function groupReference(reference) {
  const compact = String(reference || '')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/^TW/, '');
  const groups = compact.match(/.{1,4}/g) || [];
  return ['TW', ...groups].join('-');
}

export function entityName(entity) {
  if (!entity) return '';
  return getLang() === 'ar' ? entity.name_ar : entity.name_en;
}

export function otherEntityName(entity) {
  if (!entity) return '';
  return getLang() === 'ar' ? entity.name_en : entity.name_ar;
}

export function fileSize(bytes) {
  const n = Number(bytes) || 0;
  const format = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 });
  if (n >= 1024 * 1024) return t('unit.mb', { n: format.format(n / (1024 * 1024)) });
  if (n >= 1024) return t('unit.kb', { n: format.format(n / 1024) });
  return t('unit.bytes', { n: format.format(n) });
}

export function number(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** Search that forgives Arabic spelling variants (hamza forms, taa marbuta, diacritics) and case. */
export function normalize(text) {
  return String(text || '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u064B-\u065F\u0670\u0640\u0300-\u036f]/g, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/[ىئ]/g, 'ي')
    .replace(/ؤ/g, 'و')
    .replace(/\s+/g, ' ')
    .trim();
}
