// The service provider directory on the phone: the directory page filters its own list (so
// the search works from the page's offline copy), and the referral form picks a provider from
// the directory and keeps "identity shared" off unless the person consented to sharing.
// The same rule as server/providers/services.py `matches`.
(function () {
  "use strict";

  function words(value) {
    return (value || "").split(" ").filter(Boolean);
  }

  function filterDirectory(form) {
    var service = form.elements.namedItem("service").value;
    var place = form.elements.namedItem("place").value;
    var language = form.elements.namedItem("language").value;
    var shown = 0;
    document.querySelectorAll("#provider-results [data-provider]").forEach(function (item) {
      var match =
        (!service || words(item.dataset.services).indexOf(service) >= 0) &&
        (!place || item.dataset.place === place) &&
        (!language || words(item.dataset.languages).indexOf(language) >= 0);
      item.hidden = !match;
      if (match) shown += 1;
    });
    var none = document.getElementById("provider-none");
    if (none) none.hidden = shown > 0;
  }

  // The referral form: the case's sharing consent decides whether identity may be shared.
  function applyConsent(form) {
    var box = form.querySelector('input[name="identity_shared"]');
    var caseSelect = form.elements.namedItem("case");
    if (!box || !caseSelect || !caseSelect.options) return;
    var option = caseSelect.options[caseSelect.selectedIndex];
    var consent = option ? option.dataset.consentSharing || "" : "";
    var note = form.querySelector("[data-consent-note]");
    var given = consent === "given";
    if (!given) box.checked = false;
    box.disabled = !given;
    if (note) {
      note.hidden = !caseSelect.value;
      note.textContent = given ? note.dataset.msgGiven : note.dataset.msgMissing;
      note.className = given ? "hint" : "alert warn";
    }
  }

  // Choosing a provider fills in its name; "other" leaves the name to be typed. Providers that
  // do not offer the chosen service are left out of the list.
  function applyProvider(form, changed) {
    var select = form.querySelector('select[name="provider_id"]');
    var name = form.elements.namedItem("provider");
    if (!select || !name) return;
    var service = form.elements.namedItem("service_type");
    var wanted = service ? service.value : "";
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      option.hidden = !!wanted && words(option.dataset.services).indexOf(wanted) < 0;
    });
    var chosen = select.options[select.selectedIndex];
    if (chosen && chosen.hidden) select.value = "";
    chosen = select.options[select.selectedIndex];
    if (chosen && chosen.value) {
      name.value = chosen.dataset.name || "";
      name.readOnly = true;
    } else {
      if (changed === select && name.readOnly) name.value = "";
      name.readOnly = false;
    }
  }

  function init() {
    var search = document.querySelector("[data-provider-search]");
    if (search) filterDirectory(search);
    var form = document.querySelector('form[data-entry-type="referral"]');
    if (form) {
      applyConsent(form);
      applyProvider(form, null);
    }
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init);
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form) return;
    if (form.matches("[data-provider-search]")) filterDirectory(form);
    if (form.matches('form[data-entry-type="referral"]')) {
      applyConsent(form);
      applyProvider(form, event.target);
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-provider-search]")) {
      event.preventDefault();
      filterDirectory(event.target);
    }
  });
  // capture.js resets the form after a save and may pick a case itself: look again.
  document.addEventListener("reset", function (event) {
    var form = event.target;
    if (form.matches && form.matches('form[data-entry-type="referral"]')) {
      setTimeout(function () { applyConsent(form); applyProvider(form, null); }, 0);
    }
  });
})();
