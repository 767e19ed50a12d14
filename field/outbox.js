// The outbox in IndexedDB: everything a crew member does is written here first, in one
// transaction with its client id, and leaves only when the server has confirmed it (2xx).
// Stores:
//   entries  key client_id: {client_id, seq, type, slug, state, label, ...what to send}
//   server   key client_id: {client_id, id}, the server's id for a sent record or capture,
//            which photos (and a captured asset's first record) refer to.

const DB_NAME = 'gisapp-field';
let opening = null;
let counter = 0;
const listeners = new Set();

function db() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore('entries', { keyPath: 'client_id' });
      store.createIndex('seq', 'seq');
      request.result.createObjectStore('server', { keyPath: 'client_id' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

async function run(stores, mode, work) {
  const tx = (await db()).transaction(stores, mode);
  const result = work(tx);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
  if (mode === 'readwrite') listeners.forEach((fn) => fn());
  return result instanceof IDBRequest ? result.result : result;
}

/** Call fn whenever the outbox changed (in this tab); returns the way to stop. */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Store new entries (a record and its photo) in one transaction. */
export function add(...entries) {
  return run(['entries'], 'readwrite', (tx) => {
    for (const entry of entries) {
      counter = (counter + 1) % 1000;
      tx.objectStore('entries').add({
        state: 'pending', created_at: new Date().toISOString(), ...entry,
        seq: Date.now() * 1000 + counter,
      });
    }
  });
}

/** All entries, oldest first. */
export function all() {
  return run(['entries'], 'readonly', (tx) => tx.objectStore('entries').index('seq').getAll());
}

export function get(clientId) {
  return run(['entries'], 'readonly', (tx) => tx.objectStore('entries').get(clientId));
}

export function update(entry) {
  return run(['entries'], 'readwrite', (tx) => tx.objectStore('entries').put(entry));
}

/** The person threw an entry away (a conflict they do not want to apply). */
export function discard(clientId) {
  return run(['entries'], 'readwrite', (tx) => tx.objectStore('entries').delete(clientId));
}

/** The server confirmed: the entry leaves, and the server's id is kept, atomically. */
export function confirmed(clientId, serverId) {
  return run(['entries', 'server'], 'readwrite', (tx) => {
    tx.objectStore('entries').delete(clientId);
    if (serverId) tx.objectStore('server').put({ client_id: clientId, id: serverId, at: Date.now() });
  });
}

/** Forget server ids after a month: only entries still waiting in the outbox need them. */
export function prune(maxAgeMs = 30 * 24 * 3600 * 1000) {
  return run(['server'], 'readwrite', (tx) => {
    tx.objectStore('server').openCursor().onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      if (Date.now() - cursor.value.at > maxAgeMs) cursor.delete();
      cursor.continue();
    };
  });
}

/** The server's id for an entry that was sent, or undefined. */
export async function serverId(clientId) {
  const found = await run(['server'], 'readonly', (tx) => tx.objectStore('server').get(clientId));
  return found?.id;
}
