// Alongside service worker (an ES module). What it keeps:
//   alongside-static-<version> — every static file of this release, and the offline page;
//   alongside-pages-<version>  — offline copies of the pages a field worker needs without a
//                                network (capture forms, home, outbox), fetched with the
//                                offline-copy header so that they carry case codes and dates,
//                                never a person's data. Nothing else is ever cached.
// It also sends the outbox through Background Sync where the browser has it. The outbox lives
// in IndexedDB, outside any cache, so a new version of this worker never strands an entry.
import { syncNow, SYNC_TAG } from "/static/js/sync.js";

const CACHE_VERSION = "__CACHE_VERSION__";
const STATIC_CACHE = "alongside-static-" + CACHE_VERSION;
const PAGES_CACHE = "alongside-pages-" + CACHE_VERSION;
const PRECACHE = __PRECACHE__;
const OFFLINE_URL = "/offline";
const OFFLINE_COPY_HEADER = "alongside-offline-copy";
const MARK_KEY = "/__alongside/session";
// One bar of signal: a cached page after this long beats waiting for the network.
const NETWORK_TIMEOUT_MS = 4000;
// Offline copies are refreshed at most this often unless a page asks for it (new case, login).
const REFRESH_AFTER_MS = 10 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      // `reload`: past the HTTP cache, so this version's cache holds this version's files.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

async function carryOverPages() {
  // A new release keeps the previous offline copies until it has fresh ones: a phone that
  // updates in the morning and loses signal at noon still opens its capture forms.
  const fresh = await caches.open(PAGES_CACHE);
  for (const name of await caches.keys()) {
    if (!name.startsWith("alongside-pages-") || name === PAGES_CACHE) continue;
    const old = await caches.open(name);
    for (const request of await old.keys()) {
      if (!(await fresh.match(request))) await fresh.put(request, await old.match(request));
    }
    await caches.delete(name);
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    carryOverPages()
      .then(() => caches.keys())
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("alongside-static-") && name !== STATIC_CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
      .then(() => refreshPages({ force: true }).catch(() => false))
  );
});

async function markOf(cache) {
  const hit = await cache.match(MARK_KEY);
  return hit ? hit.json() : null;
}

// Fetch the list of offline pages for the session that is logged in, and keep a copy of each.
// `session`: the page's session mark (not the session id); a new one means someone logged
// in again, perhaps someone else, so the copies are made afresh.
async function refreshPages({ session, force } = {}) {
  let cache = await caches.open(PAGES_CACHE);
  const known = await markOf(cache);
  // A refresh made by the worker itself (on activation) does not know the session.
  const sameSession = known && (!session || !known.session || known.session === session);
  if (!force && sameSession && Date.now() - known.at < REFRESH_AFTER_MS) return false;
  const listing = await fetch("/api/v1/offline-pages", { credentials: "same-origin", cache: "no-store" });
  if (!listing.ok || listing.redirected) return false;
  const { pages } = await listing.json();
  if (!pages.length) {
    await caches.delete(PAGES_CACHE);
    return false;
  }
  // Fetch every copy first, then replace them together: a half-refreshed set never shows.
  const copies = [];
  for (const url of pages) {
    const page = await fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { [OFFLINE_COPY_HEADER]: "1" },
    });
    if (page.ok && !page.redirected && page.headers.get(OFFLINE_COPY_HEADER) === "1") {
      copies.push([url, page]);
    }
  }
  if (!sameSession) {
    // Someone logged in again (perhaps someone else): nothing of the previous copies stays.
    await caches.delete(PAGES_CACHE);
    cache = await caches.open(PAGES_CACHE);
  }
  for (const [url, page] of copies) await cache.put(url, page);
  const wanted = new Set([...pages, MARK_KEY]);
  for (const request of await cache.keys()) {
    if (!wanted.has(new URL(request.url).pathname)) await cache.delete(request);
  }
  const mark = { session: session || (known && known.session) || "", at: Date.now() };
  await cache.put(MARK_KEY, new Response(JSON.stringify(mark)));
  return true;
}

async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skip-waiting") self.skipWaiting();
  if (data.type === "push-subscribed") event.waitUntil(rememberCurrent().catch(() => {}));
  if (data.type === "refresh-pages") {
    event.waitUntil(
      refreshPages({ session: data.session, force: !!data.force })
        .then((done) => done && tellPages({ type: "pages-ready" }))
        .catch(() => {})
    );
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    syncNow().then(async (summary) => {
      await tellPages({ type: "synced", summary });
      // Throwing asks the browser to try again later, with its own backoff.
      if (summary.waiting && !summary.revoked) throw new Error("outbox not empty yet");
    })
  );
});

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function navigate(request) {
  const url = new URL(request.url);
  const pages = await caches.open(PAGES_CACHE);
  // Offline copies are kept without their query (`?revises=…`): the page reads it itself.
  const cached = await pages.match(url.pathname);
  const network = fetch(request);
  try {
    return cached ? await Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]) : await network;
  } catch (error) {
    network.catch(() => {});
    return cached || (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (url.pathname.startsWith("/static/")) {
    // The cache is per release, so the `?v=` fingerprint can be ignored.
    event.respondWith(
      caches.open(STATIC_CACHE).then((cache) =>
        cache.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request))
      )
    );
    return;
  }
  if (request.mode === "navigate") event.respondWith(navigate(request));
});

// --- Reminders (Web Push) ---------------------------------------------------------------
// A push message is the JSON {kind, title, body, url}: already in the user's language and
// free of personal data (the server sees to both). The tag is kind + url, so a newer reminder
// of the same deadline replaces the older one instead of piling up on the lock screen.

// Only a path on this server is ever opened; anything else opens the home page.
function reminderPath(url) {
  if (typeof url !== "string" || !url.startsWith("/") || url.startsWith("//") || url.includes("\\")) {
    return "/";
  }
  const target = new URL(url, self.location.origin);
  return target.origin === self.location.origin ? target.pathname + target.search : "/";
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  const url = reminderPath(message.url);
  const kind = typeof message.kind === "string" ? message.kind : "reminder";
  event.waitUntil(
    rememberCurrent().catch(() => {}).then(() => self.registration.showNotification(String(message.title || "Alongside"), {
      body: String(message.body || ""),
      tag: kind + " " + url,
      renotify: true,
      icon: "/static/icons/icon-192.png",
      data: { kind, url },
    }))
  );
});

// --- A changed subscription ---------------------------------------------------------------
// The browser may replace a push subscription (expired, keys renewed): the worker subscribes
// again and tells the server, which puts the new subscription in the old one's place. The
// worker has no session or CSRF token of its own, so it proves the old subscription instead:
// its endpoint and auth secret, which only this browser and the server know. The last
// subscription the server took is remembered here for browsers that give no
// `oldSubscription` with the event.
const PUSH_CACHE = "alongside-push";
const PUSH_KEY = "/__alongside/push-subscription";

function b64urlToBytes(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

async function rememberSubscription(subscription) {
  const json = subscription && subscription.toJSON ? subscription.toJSON() : subscription;
  if (!json || !json.endpoint || !json.keys || !json.keys.auth) return;
  const cache = await caches.open(PUSH_CACHE);
  await cache.put(PUSH_KEY, new Response(JSON.stringify({ endpoint: json.endpoint, keys: { auth: json.keys.auth } })));
}

async function rememberedSubscription() {
  const hit = await (await caches.open(PUSH_CACHE)).match(PUSH_KEY);
  return hit ? hit.json() : null;
}

async function rememberCurrent() {
  const current = await self.registration.pushManager.getSubscription();
  if (current) await rememberSubscription(current);
}

async function subscribeAgain(oldSubscription) {
  const options = (oldSubscription && oldSubscription.options) || {};
  let applicationServerKey = options.applicationServerKey || null;
  try {
    // The server's key now (it may have been renewed since the old subscription).
    const answer = await fetch("/api/v1/push/vapid-public-key", { cache: "no-store" });
    if (answer.ok) applicationServerKey = b64urlToBytes((await answer.json()).key);
  } catch (error) {
    // Offline: the old subscription's key is the best there is.
  }
  return self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
}

async function onSubscriptionChange(event) {
  const old = event.oldSubscription ? event.oldSubscription.toJSON() : await rememberedSubscription();
  const fresh = event.newSubscription || (await subscribeAgain(event.oldSubscription));
  if (!old || !old.endpoint || !old.keys || !old.keys.auth) return false;
  const response = await fetch("/api/v1/push/subscriptions/replace", {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ old: { endpoint: old.endpoint, keys: { auth: old.keys.auth } }, new: fresh.toJSON() }),
  });
  if (response.ok) await rememberSubscription(fresh);
  return response.ok;
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(onSubscriptionChange(event).catch(() => false));
});

// Focus a window of Alongside that is open and show the reminder's page in it, or open one.
async function openReminder(notification) {
  const url = reminderPath(notification.data && notification.data.url);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (open) {
    // focus() needs the click's user activation; without it the page still changes.
    await open.focus().catch(() => {});
    try {
      await open.navigate(url);
      return;
    } catch (error) {
      // A window this worker does not control cannot be navigated: open a new one.
    }
  }
  await self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openReminder(event.notification));
});
