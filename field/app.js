// The field app: what a label's URL (/t/{token}) opens. It shows the asset card, lets the
// crew record what they did (into the outbox first, then sent), and keeps working offline
// through the service worker (/field-sw.js) and the IndexedDB outbox.

import { button, fill, h } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import * as api from './api.js';
import * as outbox from './outbox.js';
import * as sync from './sync.js';
import * as geo from './geo.js';
import { cardView, updatePosition } from './card.js';

const main = document.getElementById('main');
const toastEl = document.getElementById('toast');
const pendingEl = document.getElementById('pending');
// The shell is served under /field/static/{version}/: the worker's URL carries it too, so a
// new version installs a new worker (see field_app.py).
const VERSION = new URL(import.meta.url).pathname.split('/')[3];
const LAZY = {
  record: () => import('./record.js'),
  status: () => import('./status.js'),
  fix: () => import('./fix.js'),
  capture: () => import('./capture.js'),
  pending: () => import('./pending.js'),
  nfc: () => import('./nfc.js'),
};

/** What every view gets: the current card, the GPS fix, and ways to act. */
export const ctx = {
  token: null,
  card: null,
  cachedAt: null,
  fix: null,
  pending: [],
  view: 'card',
  leaving: [],
  /** Show a view in the main area: stop what the last view left running (a GPS watch),
   * then build the new one (which may start its own). */
  show(build, name) {
    ctx.leaving.splice(0).forEach((stop) => stop());
    ctx.view = name;
    fill(main, build());
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  },
  /** Open a view module (loaded on first use; the service worker keeps it offline). */
  async open(name, options) {
    const module = await LAZY[name]();
    ctx.show(() => module.view(ctx, options), name);
  },
  showCard() {
    ctx.show(() => (ctx.token ? cardView(ctx) : homeView()), 'card');
  },
  toast(text, kind = 'ok') {
    fill(toastEl, text);
    toastEl.className = `toast ${kind}`;
    toastEl.hidden = false;
    clearTimeout(ctx.toastTimer);
    ctx.toastTimer = setTimeout(() => { toastEl.hidden = true; }, 6000);
  },
  /** Put entries in the outbox (one transaction), send, and tell the person what happened. */
  async queue(entries, doneText) {
    await outbox.add(...entries);
    const result = await sync.syncNow();
    const first = entries[0].client_id;
    if (result.kept.includes(first)) {
      // the server asks something (a reading to confirm) or refused: show it at once (the
      // view says what is wrong; a toast would only cover its buttons)
      return ctx.open('pending', { focus: first });
    }
    if (result.sent.includes(first)) ctx.toast(t('toast.sent', { what: doneText }), 'ok');
    else ctx.toast(t(`toast.queued_${sync.blocked || 'offline'}`, { what: doneText }), 'warn');
    ctx.view = 'card';
    if (result.sent.length) await reloadCard();
    else ctx.showCard();
    return result;
  },
  loginUrl() {
    const next = ctx.token ? `/t/${ctx.token}` : '/field/';
    return `/login?next=${encodeURIComponent(next)}&lang=${i18n.language()}`;
  },
  refreshPending,
  followPosition: () => followPosition(true),
};

// a tap on the message puts it away (it would otherwise cover buttons for a few seconds)
toastEl.addEventListener('click', () => { toastEl.hidden = true; });

function homeView() {
  return h('section', { class: 'card' },
    h('h1', {}, t('home.title')),
    h('p', {}, t('home.text')),
    button(t('pending.open'), () => ctx.open('pending'), 'primary'));
}

async function refreshPending() {
  const entries = await outbox.all();
  ctx.pending = entries;
  const waiting = entries.length;
  const attention = entries.filter((e) => e.state !== 'pending').length;
  pendingEl.hidden = waiting === 0;
  pendingEl.className = `pending-badge${attention ? ' attention' : ''}`;
  fill(pendingEl, t('pending.badge', { count: waiting }));
}

async function reloadCard() {
  if (!ctx.token) return ctx.showCard();
  try {
    const answer = await api.scan(ctx.token);
    ctx.card = answer.card || null;
    ctx.cachedAt = answer.cachedAt;
    ctx.missing = Boolean(answer.missing);
  } catch {
    // no network and no kept copy: an earlier card stays; without one the card says so
  }
  if (ctx.view === 'card') ctx.showCard();
}

/** Follow the GPS while a card is open: at once if the person allowed it before, else
 * when they ask for it on the card (the browser's prompt then comes from their tap). */
let following = false;
async function followPosition(asked = false) {
  if (following || !ctx.card?.asset || !(asked || await geo.permitted())) return;
  following = true;
  geo.watch((fix) => {
    const before = ctx.fix;
    ctx.fix = fix;
    const changed = !before || Math.abs(before.accuracy - fix.accuracy) > 1
      || geo.distanceM([before.lon, before.lat], [fix.lon, fix.lat]) > 2;
    if (changed && ctx.view === 'card') updatePosition(ctx);
  }, (error) => {
    following = false;
    if (asked) ctx.toast(t(error.code === 1 ? 'geo.denied' : 'geo.unavailable'), 'warn');
  });
}

function setUpLanguageSwitcher() {
  for (const el of document.querySelectorAll('[data-lang]')) {
    el.addEventListener('click', async () => {
      await i18n.load(el.dataset.lang);
      markLanguage();
      await refreshPending();
      if (ctx.view === 'card' || !LAZY[ctx.view]) ctx.showCard();
      else ctx.open(ctx.view);
    });
  }
}

function markLanguage() {
  for (const el of document.querySelectorAll('[data-lang]')) {
    el.setAttribute('aria-pressed', String(el.dataset.lang === i18n.language()));
  }
}

function registerWorker() {
  if (!('serviceWorker' in navigator) || !VERSION) return;
  // On the first visit the card was fetched before the worker took over: fetch it once
  // more through the worker, which keeps it for offline use.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (ctx.token) api.scan(ctx.token).catch(() => {});
  });
  navigator.serviceWorker.register(`/field-sw.js?v=${VERSION}`, { scope: '/' })
    .catch((error) => console.warn('service worker not registered', error));
}

/** Send what waits (at start, when the network returns) and say what left the phone. */
async function syncInBackground() {
  const result = await sync.syncNow();
  if (result.sent.length) {
    ctx.toast(t('toast.synced', { count: result.sent.length }), 'ok');
    await reloadCard();
  }
}

async function start() {
  const match = location.pathname.match(/^\/t\/([A-Za-z0-9_-]{1,64})$/);
  ctx.token = match ? match[1] : null;
  const cardLoaded = ctx.token ? reloadCard() : null;  // in parallel with the catalog
  ctx.view = 'loading';
  await i18n.load();
  markLanguage();
  setUpLanguageSwitcher();
  pendingEl.addEventListener('click', () => ctx.open('pending'));
  outbox.onChange(refreshPending);
  await refreshPending();
  ctx.view = 'card';
  await cardLoaded;
  ctx.showCard();
  document.body.dataset.ready = 'true';  // for tests and the benchmark: usable now
  performance.mark('usable');
  registerWorker();
  followPosition();
  // the token for writes, while there is network: the first write may happen offline
  if (ctx.card?.role && !api.csrf()) api.refreshCsrf().catch(() => {});
  window.addEventListener('online', syncInBackground);
  await outbox.prune();
  if ((await outbox.all()).length) await syncInBackground();
}

start().catch((error) => {
  console.error(error);
  fill(main, h('p', { class: 'notice danger' }, t('app.error'), h('br'), h('small', {}, String(error))));
});
