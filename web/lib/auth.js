// Sign-in. The token is kept in sessionStorage only (gone when the tab closes).
// - local:   POST /local/token {sub, groups, email?} (the local runtime's dev route)
// - cognito: OAuth 2.0 authorization code + PKCE against the Cognito hosted UI; the ID token
//            (audience = the app client, with cognito:groups) is what the API authorizer accepts.

const SESSION_KEY = 'tawasul.session';
const PKCE_KEY = 'tawasul.pkce';
export const CALLBACK_PATH = '/auth/callback';

let config = { mode: 'local' };
let apiBase = '';

export function initAuth(appConfig) {
  config = appConfig.auth || { mode: 'local' };
  apiBase = (appConfig.apiUrl || '').replace(/\/+$/, '');
}

export function authMode() {
  return config.mode === 'cognito' ? 'cognito' : 'local';
}

function base64UrlDecode(segment) {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function base64UrlEncode(bytes) {
  let binary = '';
  bytes.forEach((b) => {
    binary += String.fromCharCode(b);
  });
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeToken(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error('not a JWT');
  return JSON.parse(base64UrlDecode(parts[1]));
}

function store(token) {
  const claims = decodeToken(token);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, exp: claims.exp || 0 }));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

function current() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw);
    if (!session.token || (session.exp && session.exp * 1000 < Date.now() + 5000)) {
      clearSession();
      return null;
    }
    return session;
  } catch {
    clearSession();
    return null;
  }
}

export function token() {
  return current()?.token || null;
}

/** The signed-in user: sub, groups, e-mail and the roles the groups give, or null. */
export function currentUser() {
  const session = current();
  if (!session) return null;
  let claims;
  try {
    claims = decodeToken(session.token);
  } catch {
    clearSession();
    return null;
  }
  let groups = claims['cognito:groups'] || [];
  if (typeof groups === 'string') groups = groups.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  const staff = [];
  for (const group of groups) {
    const match = /^(agent|supervisor|head):([a-z0-9-]+)$/.exec(group);
    if (match) staff.push({ role: match[1], entity: match[2] });
  }
  const oversight = groups.includes('oversight');
  return {
    sub: claims.sub,
    name: claims.name || claims['cognito:username'] || claims.email || claims.sub,
    email: claims.email || null,
    groups,
    staff,
    oversight,
    isStaff: oversight || staff.length > 0,
    // Federated citizens may arrive without a group: anyone who is not staff uses the portal.
    isCitizen: groups.includes('citizen') || (!oversight && staff.length === 0),
    expiresAt: session.exp ? new Date(session.exp * 1000) : null,
  };
}

const RANK = { head: 1, agent: 2, supervisor: 3 };

/** The user's strongest role for an entity: supervisor > agent > head; oversight for any entity. */
export function roleFor(user, entityId) {
  if (!user) return null;
  const roles = user.staff.filter((s) => s.entity === entityId).map((s) => s.role);
  roles.sort((a, b) => RANK[b] - RANK[a]);
  if (roles.length) return roles[0];
  return user.oversight ? 'oversight' : null;
}

// --- local (dev) sign-in ---------------------------------------------------------------------
export async function signInLocal({ sub, groups, email, nationalId }) {
  const body = { sub, groups };
  if (email) body.email = email;
  // The local runtime puts it in the `custom:national_id` claim, as the national IdP would.
  if (nationalId) body.national_id = nationalId;
  const response = await fetch(`${apiBase}/local/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok || !data.token) {
    throw new Error(data.message || `HTTP ${response.status}`);
  }
  store(data.token);
  return currentUser();
}

// --- Cognito hosted UI (authorization code + PKCE) ------------------------------------------
function redirectUri() {
  // The callback must be on this origin (sessionStorage, the PKCE verifier, is per origin).
  const configured = config.redirectUri;
  if (configured) {
    try {
      if (new URL(configured).origin === window.location.origin) return configured;
    } catch {
      // fall through
    }
  }
  return `${window.location.origin}${CALLBACK_PATH}`;
}

function randomString(bytes = 32) {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function startCognitoSignIn({ returnTo = '#/', citizen = false } = {}) {
  const verifier = randomString(48);
  const state = randomString(16);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const challenge = base64UrlEncode(new Uint8Array(digest));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid email',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (citizen && config.identityProvider) params.set('identity_provider', config.identityProvider);
  window.location.assign(`${config.domain.replace(/\/+$/, '')}/oauth2/authorize?${params}`);
}

export function isCallback() {
  return window.location.pathname === CALLBACK_PATH;
}

/** On /auth/callback: exchange the code for tokens, keep the ID token, return where to go. */
export async function completeCognitoSignIn() {
  const query = new URLSearchParams(window.location.search);
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null');
  sessionStorage.removeItem(PKCE_KEY);
  if (query.get('error')) throw new Error(query.get('error_description') || query.get('error'));
  if (!pending || !query.get('code') || query.get('state') !== pending.state) {
    throw new Error('state');
  }
  const response = await fetch(`${config.domain.replace(/\/+$/, '')}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: query.get('code'),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
    credentials: 'omit',
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok || !data.id_token) throw new Error(data.error || `HTTP ${response.status}`);
  store(data.id_token);
  return pending.returnTo && pending.returnTo.startsWith('#/') ? pending.returnTo : '#/';
}

export function signOut() {
  clearSession();
  if (authMode() === 'cognito' && config.domain) {
    const params = new URLSearchParams({
      client_id: config.clientId,
      logout_uri: `${window.location.origin}/`,
    });
    window.location.assign(`${config.domain.replace(/\/+$/, '')}/logout?${params}`);
    return true;
  }
  return false;
}
