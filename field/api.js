// Talking to gisapp: the scan card, who is logged in, and writes with the CSRF token.
// Writes authenticated by the session cookie must carry X-CSRF-Token (from /auth/me); the
// token is kept on the phone so that the outbox can send while the app is reopened offline.
// Writes ask for the app's language, in which the server words its refusals.

import { language } from './i18n.js';

const CSRF_KEY = 'gisapp-field.csrf';

export const municipalityUrl = (slug) => `/api/v1/municipalities/${encodeURIComponent(slug)}`;

/** The scan card. Network-first in the service worker, which answers a kept copy offline
 * (marked with X-Field-Cached: the time it was fetched). */
export async function scan(token) {
  const response = await fetch(`/api/v1/scan/${encodeURIComponent(token)}`, {
    credentials: 'same-origin', headers: { Accept: 'application/json' },
  });
  if (response.status === 404) return { missing: true };
  if (!response.ok) throw new Error(`scan: ${response.status}`);
  return { card: await response.json(), cachedAt: response.headers.get('X-Field-Cached') };
}

/** Ask who is logged in and keep the CSRF token; null when nobody is. */
export async function refreshCsrf() {
  const response = await fetch('/api/v1/auth/me', { credentials: 'same-origin' });
  if (response.status === 401) {
    localStorage.removeItem(CSRF_KEY);
    return null;
  }
  if (!response.ok) throw new Error(`me: ${response.status}`);
  const me = await response.json();
  localStorage.setItem(CSRF_KEY, me.csrf_token || '');
  return me.csrf_token;
}

export function csrf() {
  return localStorage.getItem(CSRF_KEY);
}

/** A write as the logged-in person. Throws only when the network fails (offline). */
export async function write(method, url, { json, form, headers = {} } = {}) {
  let token = csrf() || await refreshCsrf();
  for (let attempt = 0; ; attempt += 1) {
    const init = {
      method, credentials: 'same-origin',
      headers: {
        Accept: 'application/json', 'Accept-Language': language(), ...headers,
        'X-CSRF-Token': token || '',
      },
    };
    if (json !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    } else if (form) {
      init.body = form();  // a fresh FormData per attempt
    }
    const response = await fetch(url, init);
    const body = await response.json().catch(() => null);
    // a session renewed meanwhile (logged in again): fetch the new token, once
    const csrfRefused = response.status === 403
      && (body?.detail || []).some((d) => d.field === 'X-CSRF-Token');
    if (!csrfRefused || attempt > 0) return { status: response.status, body };
    token = await refreshCsrf();
    if (!token) return { status: 401, body };
  }
}
