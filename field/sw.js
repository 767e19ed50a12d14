// Service worker of the field app, served at /field-sw.js?v={version} with scope "/" (its
// header Service-Worker-Allowed: / permits that) so that it covers /t/… and /field/.
// It handles only the app's own URLs and lets every other request of the site pass:
//   - app pages (/t/…, /field/): network first (a new version is seen at once), the
//     shell precached for this version when offline or when the network hangs;
//   - /field/static/{version}/…: precached at install, served from the cache;
//   - GET /api/v1/scan/…: network first; the last copy of each card is kept, so labels
//     scanned before still open offline (answered with X-Field-Cached: when it was fetched).
// Writes never pass through a cache: the app's outbox (IndexedDB) keeps them.

const VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
const SHELL = `field-shell-${VERSION}`;
const CARDS = 'field-cards';
const MAX_CARDS = 200;
const NAVIGATION_TIMEOUT_MS = 4000;
const CARD_TIMEOUT_MS = 6000;
const STATIC = `/field/static/${VERSION}/`;
const FILES = [
  'app.js', 'dom.js', 'i18n.js', 'api.js', 'outbox.js', 'sync.js', 'geo.js', 'quick.js', 'card.js',
  'record.js', 'status.js', 'fix.js', 'capture.js', 'pending.js', 'nfc.js', 'photo.js', 'gpsbox.js',
  'field.css', 'icon.svg', 'manifest.webmanifest', 'i18n/de.json', 'i18n/en.json', 'i18n/fr.json',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await cache.addAll(['/field/', ...FILES.map((f) => STATIC + f)]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('field-shell-') && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** fetch(), but give up after ms (a dead spot can leave a request hanging for minutes). */
function fetchWithin(request, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    fetch(request).then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

async function appPage(request) {
  try {
    const response = await fetchWithin(request, NAVIGATION_TIMEOUT_MS);
    if (response.status < 500) return response;
    return (await caches.match('/field/', { cacheName: SHELL })) || response;
  } catch (error) {
    const shell = await caches.match('/field/', { cacheName: SHELL });
    if (shell) return shell;
    throw error;
  }
}

async function staticFile(request) {
  const cached = await caches.match(request, { cacheName: SHELL });
  return cached || fetch(request);
}

async function keepCard(request, response) {
  const cache = await caches.open(CARDS);
  const headers = new Headers(response.headers);
  headers.set('X-Field-Cached', new Date().toISOString());
  await cache.put(request, new Response(await response.blob(), { status: 200, headers }));
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_CARDS))) await cache.delete(old);
}

async function card(request) {
  const cached = await caches.match(request, { cacheName: CARDS });
  try {
    const response = await (cached ? fetchWithin(request, CARD_TIMEOUT_MS) : fetch(request));
    if (response.ok) {
      const copy = response.clone();
      // keep the card fresh; re-put moves it to the end, so the oldest are dropped first
      await caches.open(CARDS).then((c) => c.delete(request)).then(() => keepCard(request, copy));
    }
    return response;
  } catch (error) {
    if (cached) return cached;
    throw error;
  }
}

// Logging out forgets the cards kept for offline use: a phone shared by the crew must not
// show the last person's asset cards (internal fields) to the next one. The outbox stays:
// records not sent yet are work done, and they are never dropped without being sent.
const LOGOUTS = ['/logout', '/api/v1/auth/logout'];

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method === 'POST' && url.origin === self.location.origin
      && LOGOUTS.includes(url.pathname)) {
    event.waitUntil(caches.delete(CARDS));
    return;
  }
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && (url.pathname.startsWith('/t/') || url.pathname === '/field/')) {
    event.respondWith(appPage(request));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(staticFile(request));
  } else if (url.pathname.startsWith('/api/v1/scan/')) {
    event.respondWith(card(request));
  }
});
