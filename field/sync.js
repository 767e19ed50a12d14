// Sending the outbox. Entries go in the order they were made; each leaves the outbox only
// on a 2xx. On a network error, a server error or an expired login the run stops and
// everything stays for the next run (on `online`, at app start, by the button, every
// minute while something waits). Every write carries the entry's client id, so a request
// that reached the server but whose answer was lost is stored once when sent again.

import { municipalityUrl, write } from './api.js';
import * as outbox from './outbox.js';

const RETRY_MS = 60_000;
let running = null;
let timer = null;
/** Why the last run stopped: null | 'offline' | 'login' | 'server'. */
export let blocked = null;

function filePart(entry) {
  return () => {
    const form = new FormData();
    form.append('file', entry.blob, 'photo.jpg');
    form.append('client_id', entry.client_id);
    return form;
  };
}

/** The request for an entry, or null while it waits for an entry it depends on. */
async function send(entry) {
  const base = municipalityUrl(entry.slug);
  const assetId = entry.asset_id || (entry.needs?.asset && await outbox.serverId(entry.needs.asset));
  switch (entry.type) {
    case 'maintenance':
      if (!assetId) return null;
      return write('POST', `${base}/assets/${assetId}/maintenance`, { json: entry.body });
    case 'photo': {
      const recordId = await outbox.serverId(entry.needs.record);
      if (!recordId) return null;
      return write('POST', `${base}/maintenance/${recordId}/photos`, { form: filePart(entry) });
    }
    case 'patch':
      return write('PATCH', `${base}/assets/${entry.asset_id}`, {
        json: entry.body, headers: { 'X-Client-Id': entry.client_id },
      });
    case 'capture':
      return write('POST', `${base}/tags/${entry.tag_id}/capture`, { json: entry.body });
    case 'nfc':
      return write('POST', `${base}/tags/${entry.tag_id}/nfc`, { json: entry.body });
    default:
      throw new Error(`unknown outbox entry type ${entry.type}`);
  }
}

/** The server's problems, each in the app's language (``text``; the English ``reason``
 * from a server that does not translate). */
function reason(body) {
  return (body?.detail || []).map((d) => {
    const said = d.text || d.reason;
    return d.field ? `${d.field}: ${said}` : said;
  }).join('; ');
}

/** Send one entry; returns 'sent', 'kept' (stays, marked) or a reason to stop the run. */
async function deliver(entry) {
  let answer;
  try {
    answer = await send(entry);
  } catch (error) {
    return 'offline';  // fetch itself failed: no network (or the server is down)
  }
  if (answer === null) return 'kept';
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    await outbox.confirmed(entry.client_id, ['maintenance', 'capture'].includes(entry.type) ? body?.id : null);
    if (entry.type === 'patch' && body?.version) await rebase(entry, body.version);
    return 'sent';
  }
  if (status === 401) return 'login';
  if (status >= 500 || status === 429 || status === 408) return 'server';
  if (status === 409 && body?.current) {
    await outbox.update({ ...entry, state: 'conflict', current: body.current, error: reason(body) });
  } else if (status === 422 && body?.error === 'reading_needs_confirmation') {
    await outbox.update({ ...entry, state: 'confirm', last_reading: body.last_reading, error: reason(body) });
  } else {
    await outbox.update({ ...entry, state: 'failed', status, error: reason(body) || String(status) });
  }
  return 'kept';
}

/** Two changes made offline on the same card: the second was based on the version the
 * first one has just replaced, so it moves on to the version the first produced. */
async function rebase(sent, version) {
  for (const entry of await outbox.all()) {
    if (entry.type === 'patch' && entry.state === 'pending' && entry.asset_id === sent.asset_id
        && entry.body.version === sent.body.version) {
      await outbox.update({ ...entry, body: { ...entry.body, version } });
    }
  }
}

async function runOnce() {
  const result = { sent: [], kept: [] };
  blocked = null;
  for (const { client_id: clientId } of await outbox.all()) {
    const entry = await outbox.get(clientId);  // as it is now: rebase() may have moved it on
    if (entry?.state !== 'pending') continue;
    const outcome = await deliver(entry);
    if (outcome === 'sent') result.sent.push(entry.client_id);
    else if (outcome === 'kept') result.kept.push(entry.client_id);
    else {
      blocked = outcome;
      break;
    }
  }
  return result;
}

/** Send what waits; one run at a time, across the app's tabs too. A run already going
 * may have read the outbox before the newest entry: then one more run follows it. */
export function syncNow() {
  if (running) return running.then(() => syncNow());
  running = (navigator.locks
    ? navigator.locks.request('gisapp-field-sync', runOnce)
    : runOnce()
  ).finally(() => {
    running = null;
    schedule();
  });
  return running;
}

/** Retry in a minute while something is still waiting to be sent. */
async function schedule() {
  clearTimeout(timer);
  const waiting = (await outbox.all()).some((e) => e.state === 'pending');
  if (waiting) timer = setTimeout(syncNow, RETRY_MS);
}

/** Put an entry back in line (after the person confirmed a reading or chose to re-apply). */
export async function retry(entry, changes) {
  const { current, last_reading: _, error, status, ...rest } = entry;
  await outbox.update({ ...rest, ...changes, state: 'pending' });
  return syncNow();
}
