// The risk assessment form: computes the level as staff answer (the same arithmetic as
// server/risk/scoring.py, which decides), keeps the answers and the safety plan as JSON in
// hidden inputs that capture.js seals, asks for a reason when the level is overridden, and
// refuses to save an incomplete assessment. Inert on every other page.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  function levelsOf(section) {
    try { return JSON.parse(section.dataset.levels || "[]"); } catch (e) { return []; }
  }

  // Answers → { score, level index, answered, total, answers }.
  function compute(section) {
    const levels = levelsOf(section);
    const ids = levels.map((l) => l.id);
    const answers = {};
    let score = 0;
    let floor = 0;
    let answered = 0;
    const items = section.querySelectorAll("[data-risk-item]");
    for (const item of items) {
      const chosen = item.querySelector('input[type="radio"]:checked');
      if (!chosen) continue;
      answered += 1;
      answers[item.dataset.riskItem] = chosen.value;
      score += Number.parseInt(chosen.dataset.score, 10) || 0;
      const least = ids.indexOf(chosen.dataset.atLeast);
      if (least > floor) floor = least;
    }
    let position = 0;
    levels.forEach((level, index) => { if (score >= level.from_score) position = index; });
    position = Math.max(position, floor);
    return { levels, score, position, answered, total: items.length, answers };
  }

  function occurredDate(form) {
    const input = form.elements.namedItem("occurred_at");
    const value = input && input.value ? new Date(input.value) : new Date();
    return Number.isNaN(value.getTime()) ? new Date() : value;
  }

  function update(form) {
    const section = form.querySelector("[data-risk-instrument]");
    if (!section) return;
    const result = compute(section);
    const hidden = document.getElementById("risk-answers");
    if (hidden) hidden.value = JSON.stringify(result.answers);
    const levelBox = document.getElementById("risk-level");
    const override = form.elements.namedItem("override_level");
    const reason = form.elements.namedItem("override_reason");
    const overridden = override && override.value;
    if (reason) {
      // A written reason is the price of an override (the server refuses one without it).
      if (overridden) reason.setAttribute("required", ""); else reason.removeAttribute("required");
    }
    document.getElementById("risk-answered").textContent = String(result.answered);
    document.getElementById("risk-score").textContent = String(result.score);
    const complete = result.answered === result.total && result.total > 0;
    const computed = result.levels[result.position];
    if (levelBox) {
      levelBox.textContent = result.answered ? computed.label : "—";
      levelBox.dataset.level = result.answered ? computed.id : "";
      levelBox.classList.toggle("provisional", !complete);
    }
    const finalLevel = overridden
      ? result.levels.find((l) => l.id === override.value) || computed
      : computed;
    const next = document.getElementById("risk-next");
    if (next) {
      if (complete || overridden) {
        const due = occurredDate(form);
        due.setDate(due.getDate() + finalLevel.days);
        next.textContent = due.toLocaleDateString(document.body.dataset.locale || document.documentElement.lang, { dateStyle: "medium" });
        next.dataset.date = `${due.getFullYear()}-${pad(due.getMonth() + 1)}-${pad(due.getDate())}`;
      } else {
        next.textContent = "—";
        next.dataset.date = "";
      }
    }
  }

  // --- The safety plan ---------------------------------------------------------------------

  function planRows(form) {
    return Array.from(form.querySelectorAll(".safety-plan-row"));
  }

  function readPlan(form) {
    const plan = [];
    for (const row of planRows(form)) {
      const value = (key) => (row.querySelector(`[data-plan="${key}"]`).value || "").trim();
      const action = value("action");
      const owner = value("owner");
      const due = value("due_on");
      if (!action && !owner && !due) continue; // an empty row is not an action
      plan.push({ action, owner: owner || null, due_on: due || null });
    }
    return plan;
  }

  function updatePlan(form) {
    const hidden = document.getElementById("safety-plan-json");
    if (!hidden) return;
    hidden.value = JSON.stringify(readPlan(form).filter((a) => a.action));
  }

  function addRow(form) {
    const template = document.getElementById("safety-plan-row");
    const list = document.getElementById("safety-plan-rows");
    if (!template || !list) return;
    const row = template.content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    row.querySelector('[data-plan="action"]').focus();
  }

  // --- Saving --------------------------------------------------------------------------------

  function showProblem(form, text, focus) {
    const box = document.getElementById("capture-error");
    if (box) { box.textContent = text; box.hidden = false; }
    if (focus) {
      focus.scrollIntoView({ block: "center" });
      const first = focus.querySelector("input") || focus;
      first.focus();
    }
  }

  // Runs on the form before capture.js (which listens on the document) and stops an
  // incomplete assessment there: a level from half the answers would understate the risk.
  function onSubmit(event) {
    const form = event.currentTarget;
    update(form);
    updatePlan(form);
    for (const item of form.querySelectorAll(".risk-item.missing")) item.classList.remove("missing");
    const missing = Array.from(form.querySelectorAll("[data-risk-item]")).filter(
      (item) => !item.querySelector('input[type="radio"]:checked')
    );
    const section = form.querySelector("[data-risk-instrument]");
    if (missing.length) {
      event.preventDefault();
      event.stopPropagation();
      for (const item of missing) item.classList.add("missing");
      showProblem(form, section.dataset.msgUnanswered, missing[0]);
      return;
    }
    const incomplete = readPlan(form).find((action) => !action.action);
    if (incomplete) {
      event.preventDefault();
      event.stopPropagation();
      const row = planRows(form).find((r) => !(r.querySelector('[data-plan="action"]').value || "").trim() &&
        ((r.querySelector('[data-plan="owner"]').value || "").trim() || r.querySelector('[data-plan="due_on"]').value));
      showProblem(form, section.dataset.msgPlan, row);
    }
  }

  function onReset(event) {
    const form = event.currentTarget;
    // After the reset itself: hidden inputs keep what script wrote, so clear them here.
    setTimeout(() => {
      for (const row of planRows(form)) row.remove();
      for (const item of form.querySelectorAll(".risk-item.missing")) item.classList.remove("missing");
      const answers = document.getElementById("risk-answers");
      if (answers) answers.value = "{}";
      updatePlan(form);
      update(form);
    }, 0);
  }

  function init(root) {
    const form = (root || document).querySelector("form[data-capture]");
    if (!form || !form.querySelector("[data-risk-instrument]") || form.dataset.riskReady) return;
    form.dataset.riskReady = "1";
    form.addEventListener("change", () => { update(form); updatePlan(form); });
    form.addEventListener("input", () => { update(form); updatePlan(form); });
    form.addEventListener("submit", onSubmit);
    form.addEventListener("reset", onReset);
    form.addEventListener("click", (event) => {
      if (event.target.closest("[data-add-action]")) { event.preventDefault(); addRow(form); }
      const remove = event.target.closest("[data-remove-action]");
      if (remove) { event.preventDefault(); remove.closest(".safety-plan-row").remove(); updatePlan(form); }
    });
    // "Reassess" links from the board and the case page name the resident: `?case=XK-2026-0001`
    // (read here, so that the offline copy of the form, kept without its query, serves too).
    const wanted = new URLSearchParams(window.location.search).get("case");
    const picker = form.elements.namedItem("case");
    if (wanted && picker && !picker.value && Array.from(picker.options).some((o) => o.value === wanted)) {
      picker.value = wanted;
    }
    update(form);
    updatePlan(form);
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:load", (event) => init(event.target));
  if (document.readyState !== "loading") init(document);
})();
