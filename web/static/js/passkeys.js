// Passkeys (WebAuthn) for the second factor: adding one on the account's page and using one
// at login. The server makes the options and checks the answer; this file only carries
// them between the server and the browser's authenticator. Delegated clicks, so it works
// on pages that htmx swapped in.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showError(message) {
    var box = document.getElementById("passkey-error");
    if (!box) return;
    box.textContent = message; // text only: a message never becomes markup
    box.hidden = false;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
  }

  function supported() {
    return (
      window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    );
  }

  async function ceremony(button, create) {
    if (!supported()) {
      showError(button.dataset.unsupported || "");
      return;
    }
    button.disabled = true;
    try {
      var response = await post(button.dataset.optionsUrl);
      if (!response.ok) {
        var refusal = await response.json().catch(function () { return {}; });
        // The password is asked again first: the server says where.
        if (refusal.next && refusal.next.charAt(0) === "/") {
          window.location.assign(refusal.next);
          return;
        }
        throw new Error(String(response.status));
      }
      var options = await response.json();
      var credential = create
        ? await navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
          })
        : await navigator.credentials.get({
            publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
          });
      var answer = await post(button.dataset.finishUrl, credential.toJSON());
      var result = await answer.json();
      if (!answer.ok) {
        showError(result.error || "");
        return;
      }
      window.location.assign(result.next || "/");
    } catch (error) {
      // Cancelled by the person, timed out, or no authenticator: say so, keep the page.
      showError(button.dataset.unsupported || String(error && error.name));
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var register = target.closest("#passkey-register");
    if (register) {
      event.preventDefault();
      ceremony(register, true);
      return;
    }
    var login = target.closest("#passkey-login");
    if (login) {
      event.preventDefault();
      ceremony(login, false);
    }
  });
})();
