// Reminders on this device: the switch on the reminder settings page. Loaded on every page of
// a signed-in user (boosted links swap the page without loading scripts again) and inert
// wherever that page's #push-device section is absent.
const SECTION = "push-device";

function csrfToken() {
  if (window.alongsideCsrfToken) return window.alongsideCsrfToken();
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function b64urlToBytes(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error("HTTP " + response.status);
  return response;
}

function show(section, message, on) {
  section.querySelector(".push-status").textContent = section.dataset[message] || "";
  section.querySelector("#push-on").hidden = on !== false;
  section.querySelector("#push-off").hidden = on !== true;
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker.ready;
  return { registration, subscription: await registration.pushManager.getSubscription() };
}

async function turnOn(section) {
  if ((await Notification.requestPermission()) !== "granted") return show(section, "msgDenied", false);
  try {
    const { registration, subscription: existing } = await currentSubscription();
    const { key } = await (await fetch("/api/v1/push/vapid-public-key")).json();
    const subscription =
      existing ||
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: b64urlToBytes(key),
      }));
    await post("/api/v1/push/subscriptions", subscription.toJSON());
    // The worker keeps the endpoint and auth secret, to prove them if the browser changes
    // the subscription while no page is open (pushsubscriptionchange).
    if (registration.active) registration.active.postMessage({ type: "push-subscribed" });
    show(section, "msgOn", true);
  } catch (error) {
    show(section, "msgFailed", false);
  }
}

async function turnOff(section) {
  try {
    const { subscription } = await currentSubscription();
    if (subscription) {
      await post("/api/v1/push/subscriptions/state", { endpoint: subscription.endpoint, forget: true }).catch(() => {});
      await subscription.unsubscribe();
    }
    show(section, "msgOff", false);
  } catch (error) {
    show(section, "msgFailed", true);
  }
}

async function setUp() {
  const section = document.getElementById(SECTION);
  if (!section || section.dataset.ready) return;
  section.dataset.ready = "1";
  if (!supported()) return show(section, "msgUnsupported", null);
  if (Notification.permission === "denied") return show(section, "msgDenied", null);
  section.querySelector("#push-on").addEventListener("click", () => turnOn(section));
  section.querySelector("#push-off").addEventListener("click", () => turnOff(section));
  const { subscription } = await currentSubscription();
  const on = !!subscription && Notification.permission === "granted";
  show(section, on ? "msgOn" : "msgOff", on);
}

document.addEventListener("DOMContentLoaded", setUp);
document.addEventListener("htmx:load", setUp);
if (document.readyState !== "loading") setUp();
