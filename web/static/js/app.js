// Alongside page script: CSRF for htmx requests, the service worker registration, the
// offline fallback of boosted links and the install hint.
// Loaded on every page; no inline script anywhere (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  function cookieToken() {
    var match = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return cookieToken() || (meta ? meta.content : "");
  }
  window.alongsideCsrfToken = csrfToken;

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // A form carries the token the page was rendered with; a request made meanwhile without a
  // cookie (the outbox, the worker) may have been given a new one. Send the current one, so
  // that a login after cleared cookies does not fail on a token that changed underneath it.
  document.addEventListener("submit", function (event) {
    var field = event.target.querySelector && event.target.querySelector('input[name="_csrf_token"]');
    var token = cookieToken();
    if (field && token) field.value = token;
  }, true);

  // A boosted link that cannot reach the server: load the page the ordinary way, so that the
  // service worker answers with its offline copy (or the offline page).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig || {};
    if (!navigator.onLine && config.verb === "get" && event.detail.boosted) {
      event.preventDefault();
      window.location.assign(event.detail.pathInfo.requestPath);
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig || {};
    if (config.verb === "get" && event.detail.boosted) {
      window.location.assign(event.detail.pathInfo.requestPath);
    }
  });

  // "Show older entries" on the case page puts the older entries in its own place: the focus
  // goes to the first of them, rather than being lost with the button.
  var olderAfter = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    olderAfter = target && target.classList && target.classList.contains("timeline-more")
      ? target.previousElementSibling : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!olderAfter) return;
    var first = olderAfter.nextElementSibling;
    olderAfter = null;
    var link = first && first.querySelector("a");
    if (link) link.focus();
  });

  // The navigation's "More" (a <details>, which works without this): Escape closes it and
  // gives the focus back to it, and a tap elsewhere on the page closes it, as a menu does.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector(".mainnav-more details[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    var open = document.querySelector(".mainnav-more details[open]");
    if (open && !open.contains(event.target)) open.open = false;
  });

  // "Select all" for lists of ticks (the approvals queue): shown only where scripts run.
  function showSelectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (box) {
      var holder = box.closest("[hidden]");
      if (holder) holder.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showSelectAll);
  document.addEventListener("htmx:load", showSelectAll);
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var form = box.closest("form");
    if (!form) return;
    form.querySelectorAll('input[type="checkbox"][name="' + box.dataset.selectAll + '"]').forEach(function (tick) {
      tick.checked = box.checked;
    });
  });

  // Installing the app: Android offers a prompt we can trigger from a button; iOS Safari has
  // no prompt, so we explain "Share → Add to Home Screen" instead.
  var deferredPrompt = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferredPrompt = event;
    var card = document.getElementById("install-android");
    if (card) card.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#install-button");
    if (!button || !deferredPrompt) return;
    deferredPrompt.prompt();
    deferredPrompt = null;
    document.getElementById("install-android").hidden = true;
  });
  function showInstallHelp() {
    var standalone = window.navigator.standalone || window.matchMedia("(display-mode: standalone)").matches;
    var ios = /iphone|ipad|ipod/i.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    var help = document.getElementById("install-ios");
    if (help) help.hidden = !(ios && !standalone);
  }
  document.addEventListener("DOMContentLoaded", showInstallHelp);
  document.addEventListener("htmx:load", showInstallHelp);

  // Only for someone logged in: after logout nothing of the app stays on the phone.
  if ("serviceWorker" in navigator && document.body && document.body.dataset.user) {
    window.addEventListener("load", function () {
      // A module worker: it shares the outbox code with the pages (Background Sync).
      navigator.serviceWorker.register("/sw.js", { scope: "/", type: "module" }).catch(function () {
        // No service worker (private mode, old browser): online pages keep working.
      });
    });
  }
})();
