// The outbox page: lists what waits on this phone, what the server refused (with its
// message and a way out) and what was sent, with its approval status. Everything shown comes
// from IndexedDB metadata (type, case code, times, state): the phone cannot open an envelope.
import * as db from "./outbox-db.js";
import { discard, reconnectDevice } from "./sync.js";
import { sendOutbox, updateBadge } from "./outbox.js";
import { moment } from "./dates.js";

function text(root, key, n) {
  const template = root.dataset[key] || "";
  return n === undefined ? template : template.replace("{n}", String(n));
}

const when = moment;

function line(root, item, labels) {
  const li = document.createElement("li");
  li.dataset.entryId = item.id;
  const what = document.createElement("span");
  what.textContent = `${labels[item.type] || item.type}${item.case ? " · " + item.case : ""} · ${text(root, "msgSaved")} ${when(item.saved_at)}`;
  li.appendChild(what);
  return li;
}

function link(label, href) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = label;
  a.className = "button small";
  return a;
}

async function render(root) {
  const labels = JSON.parse(root.dataset.typeLabels || "{}");
  const [outbox, sent, lastSync, revoked] = await Promise.all([
    db.all("outbox"), db.all("sent"), db.setting("last_sync"), db.setting("device_revoked"),
  ]);
  const waiting = outbox.filter((item) => item.state === "waiting");
  const failed = outbox.filter((item) => item.state !== "waiting");
  const byNewest = (a, b) => (a.saved_at < b.saved_at ? 1 : -1);

  const summary = [];
  if (waiting.length) summary.push(text(root, "msgWaiting", waiting.length));
  if (failed.length) summary.push(text(root, "msgFailed", failed.length));
  if (!summary.length) summary.push(text(root, "msgAllSafe"));
  document.getElementById("outbox-summary").textContent = summary.join(" ");

  const last = document.getElementById("outbox-last-sync");
  if (lastSync && lastSync.retry_in) last.textContent = text(root, "msgRetry", lastSync.retry_in);
  else if (!navigator.onLine && waiting.length) last.textContent = text(root, "msgOffline");
  else last.textContent = lastSync ? `${text(root, "msgLastSync")} ${when(lastSync.at)}` : text(root, "msgNever");
  document.getElementById("outbox-revoked").hidden = !revoked;

  const failedList = document.getElementById("outbox-failed");
  failedList.replaceChildren(...failed.sort(byNewest).map((item) => {
    const li = line(root, item, labels);
    li.className = "status-" + item.state;
    const why = document.createElement("p");
    why.className = "field-error";
    why.textContent = item.state === "conflict" ? text(root, "msgConflict") : item.error || "";
    li.appendChild(why);
    const actions = document.createElement("p");
    actions.className = "actions";
    actions.appendChild(link(text(root, "msgEnterAgain"), `/capture/${encodeURIComponent(item.type)}?replaces=${encodeURIComponent(item.id)}`));
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "small danger";
    drop.dataset.discard = item.id;
    drop.textContent = text(root, "msgDiscard");
    actions.appendChild(drop);
    li.appendChild(actions);
    return li;
  }));
  document.getElementById("outbox-failed-section").hidden = !failed.length;

  document.getElementById("outbox-waiting").replaceChildren(...waiting.sort(byNewest).map((item) => {
    const li = line(root, item, labels);
    li.className = "status-waiting";
    return li;
  }));
  document.getElementById("outbox-waiting-section").hidden = !waiting.length;

  document.getElementById("outbox-sent").replaceChildren(...sent.sort(byNewest).slice(0, 100).map((item) => {
    const status = item.status || "submitted";
    const li = line(root, item, labels);
    li.className = "status-" + status;
    const badge = document.createElement("strong");
    badge.className = "entry-status";
    badge.textContent = " — " + (root.dataset["msg" + status[0].toUpperCase() + status.slice(1)] || status);
    li.appendChild(badge);
    if (status === "returned") {
      const actions = document.createElement("p");
      actions.className = "actions";
      actions.appendChild(link(text(root, "msgSeeWhy"), `/entries/${encodeURIComponent(item.id)}`));
      actions.appendChild(link(text(root, "msgCorrect"), `/capture/${encodeURIComponent(item.type)}?revises=${encodeURIComponent(item.id)}`));
      li.appendChild(actions);
    }
    return li;
  }));
  document.getElementById("outbox-sent-section").hidden = !sent.length;

  document.getElementById("no-background-sync").hidden = "SyncManager" in window;
  if (navigator.storage && navigator.storage.persisted) {
    navigator.storage.persisted().then((yes) => {
      document.getElementById("not-persistent").hidden = yes || !outbox.length;
    });
  }
  document.getElementById("offline-ready").hidden = document.documentElement.dataset.offlineReady !== "yes";
}

async function onClick(event) {
  const root = document.getElementById("outbox");
  if (!root) return;
  const target = event.target;
  if (target.id === "sync-now") {
    target.disabled = true;
    try {
      await sendOutbox();
    } finally {
      target.disabled = false;
      await render(root);
    }
  } else if (target.id === "reconnect-device") {
    target.disabled = true;
    try {
      await reconnectDevice();
      await sendOutbox();
    } catch (error) {
      // Not signed in (an offline copy of the page): the login page comes first.
      window.location.assign("/login?next=/outbox");
    } finally {
      target.disabled = false;
      await render(root);
    }
  } else if (target.dataset.discard) {
    if (!window.confirm(text(root, "msgConfirmDiscard"))) return;
    await discard(target.dataset.discard);
    await updateBadge();
    await render(root);
  }
}

function init() {
  const root = document.getElementById("outbox");
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  render(root);
}

document.addEventListener("click", onClick);
document.addEventListener("alongside:synced", () => {
  const root = document.getElementById("outbox");
  if (root) render(root);
});
document.addEventListener("alongside:offline-ready", () => {
  const root = document.getElementById("outbox");
  if (root) render(root);
});
document.addEventListener("DOMContentLoaded", init);
document.addEventListener("htmx:load", init);
if (document.readyState !== "loading") init();
