// The one owner of Alongside's IndexedDB: its name, version, stores and upgrades.
// Stores:
//   outbox   — sealed envelopes waiting to be sent, or refused by the server. Ciphertext only,
//              plus what the status list shows: entry type, case code, times, state, error;
//              for a case intake, the id of the case it opens (`opens_case`, never shown).
//   sent     — ids of envelopes the server acknowledged (for approval status); no content.
//   settings — the device token, the public sealing key, the last sync's summary.
// Upgrades only ever add: an older page or service worker never finds its entries gone.
const DB_NAME = "alongside";
const DB_VERSION = 1;

let opening = null;

export function openDb() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      const db = request.result;
      if (event.oldVersion < 1) {
        const outbox = db.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("saved_at", "saved_at");
        db.createObjectStore("sent", { keyPath: "id" });
        db.createObjectStore("settings", { keyPath: "key" });
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
    request.onblocked = () => reject(new Error("IndexedDB upgrade blocked by another tab"));
  });
  return opening;
}

function run(storeName, mode, action) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const store = tx.objectStore(storeName);
    let result;
    const request = action(store);
    if (request) request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  }));
}

export const put = (storeName, value) => run(storeName, "readwrite", (s) => s.put(value));
export const get = (storeName, key) => run(storeName, "readonly", (s) => s.get(key));
export const remove = (storeName, key) => run(storeName, "readwrite", (s) => s.delete(key));
export const all = (storeName) => run(storeName, "readonly", (s) => s.getAll());
export const clear = (storeName) => run(storeName, "readwrite", (s) => s.clear());

export async function setting(key) {
  const row = await get("settings", key);
  return row ? row.value : undefined;
}

export function saveSetting(key, value) {
  return put("settings", { key, value });
}

// Logging out with nothing left to send: the database goes, with the device token in it.
export async function destroy() {
  if (opening) {
    try {
      (await opening).close();
    } catch (error) {
      // Never opened: nothing to close.
    }
    opening = null;
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = () => resolve();
    // Another tab still holds it open: it closes on `versionchange`; don't wait forever.
    request.onblocked = () => setTimeout(resolve, 2000);
  });
}
