"""Everything a page's origin keeps in the browser, as one string to search for plaintext."""

from __future__ import annotations

DUMP_STORAGE = """async () => {
    const dump = [];
    const read = (db, name) => new Promise((ok) => {
        const request = db.transaction(name).objectStore(name).getAll();
        request.onsuccess = () => ok(request.result);
    });
    for (const info of await indexedDB.databases()) {
        const db = await new Promise((ok, ko) => {
            const request = indexedDB.open(info.name);
            request.onsuccess = () => ok(request.result);
            request.onerror = () => ko(request.error);
        });
        for (const name of db.objectStoreNames) dump.push(JSON.stringify(await read(db, name)));
        db.close();
    }
    for (const cacheName of await caches.keys()) {
        const cache = await caches.open(cacheName);
        for (const request of await cache.keys()) {
            dump.push(request.url, await (await cache.match(request)).text());
        }
    }
    dump.push(JSON.stringify(localStorage), JSON.stringify(sessionStorage));
    return dump.join("\\n");
}"""

# The outbox's items as the page's scripts keep them (sealed envelopes and their metadata).
OUTBOX_ITEMS = """async () => {
    const db = await new Promise((ok, ko) => {
        const request = indexedDB.open("alongside");
        request.onsuccess = () => ok(request.result);
        request.onerror = () => ko(request.error);
    });
    const items = await new Promise((ok) => {
        const request = db.transaction("outbox").objectStore("outbox").getAll();
        request.onsuccess = () => ok(request.result);
    });
    db.close();
    return items.map((item) => ({ id: item.id, state: item.state }));
}"""
