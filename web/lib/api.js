// The API client: JSON in and out, the bearer token, Idempotency-Key on creating POSTs,
// errors as ApiError with the API's message in both languages.
import { getLang, t } from '../i18n.js';
import { clearSession, token } from './auth.js';

let base = '';

export function initApi(appConfig) {
  base = (appConfig.apiUrl || '').replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(status, code, message, messageAr, correlationId) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.messageEn = message || null;
    this.messageAr = messageAr || null;
    this.correlationId = correlationId || null;
  }

  /** The API's own message in the UI language, else a generic one for the status. */
  display() {
    const own = getLang() === 'ar' ? this.messageAr || this.messageEn : this.messageEn || this.messageAr;
    if (this.code === 'upload_failed') return t('error.upload');
    if (own && this.code !== 'http') return own;
    if (this.status === 0) return t('error.network');
    if (this.status === 401) return t('error.401');
    if (this.status === 403) return t('error.403');
    if (this.status === 404) return t('error.404');
    if (this.status === 409) return t('error.409');
    if (this.status === 413) return t('error.413');
    if (this.status === 429) return t('error.429');
    if (this.status >= 500) return t('error.500');
    return t('error.generic');
  }
}

export function errorText(error) {
  if (error && typeof error.display === 'function') return error.display();
  return t('error.generic');
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function request(method, path, { body, query, idempotencyKey, auth = true } = {}) {
  const url = new URL(base + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) {
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
  }
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return data;
  const detail = data && typeof data.error === 'object' ? data.error : null;
  const error = detail
    ? new ApiError(response.status, detail.code, detail.message, detail.message_ar, detail.correlation_id)
    : new ApiError(response.status, 'http');
  if (response.status === 401) {
    clearSession();
    window.dispatchEvent(new CustomEvent('tawasul:unauthorized'));
  }
  throw error;
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options = {}) => request('POST', path, { ...options, body: body ?? {} }),
  put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
  patch: (path, body, options = {}) => request('PATCH', path, { ...options, body }),
};

/** Presigned POST to S3 with upload progress (XHR: fetch has no upload progress). */
export function uploadToBucket(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(upload.fields || {})) form.append(key, value);
    form.append('file', file); // S3 requires the file last
    const xhr = new XMLHttpRequest();
    xhr.open('POST', upload.url);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new ApiError(xhr.status, 'upload_failed'));
    });
    // The storage refused or could not be reached: the file was not added (not "check your
    // connection": the API itself answered a moment ago).
    xhr.addEventListener('error', () => reject(new ApiError(0, 'upload_failed')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'upload_failed')));
    xhr.send(form);
  });
}

// --- the public catalogue, fetched once per page load ----------------------------------------
let catalogue = null;

export async function entities() {
  if (!catalogue) {
    catalogue = api
      .get('/v1/entities', { auth: false })
      .then((data) => data.items || [])
      .catch((error) => {
        catalogue = null;
        throw error;
      });
  }
  return catalogue;
}

export function forgetCatalogue() {
  catalogue = null;
}

export async function entityMap() {
  const list = await entities();
  return new Map(list.map((e) => [e.id, e]));
}

/** A signed-in GET whose body is a file (e.g. CSV): saved under `filename` through a blob link. */
export async function download(path, query, filename) {
  const url = new URL(base + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const bearer = token();
  let response;
  try {
    response = await fetch(url, {
      headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (!response.ok) throw new ApiError(response.status, 'http');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
