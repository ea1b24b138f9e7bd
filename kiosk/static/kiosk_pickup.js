/* 取件 at the kiosk: the 6-digit pickup code from the receipt on a digit pad,
   or the receipt's QR read by a scanner that types like a keyboard (a URL
   ending in /case/TOKEN or /t/TOKEN). POST /api/tickets {"pickup"} issues a
   ticket for the output window linked to the case; the ticket screen shows it. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);
  const K = window.Kiosk;
  const CODE_LENGTH = 6;
  // What a scanner types for a receipt's QR: …/case/TOKEN or …/t/TOKEN (tokens are >= 16 characters).
  const SCANNED = /\/(?:case|t)\/[A-Za-z0-9_-]{16,}/;
  let busy = false;

  const input = $("pickup-input");
  const isScan = (text) => SCANNED.test(text);
  const digitsOnly = (text) => /^\d*$/.test(text);

  K.openPickup = function (initial) {
    input.value = initial || "";
    hideError();
    $("pickup-plain").hidden = !K.catalog.some((m) => m.scope === "output");
    K.show("pickup");
    renderCode();
    input.focus();
    if (initial && isScan(initial)) submitSoon();
  };
  K.resetPickup = function () {
    input.value = "";
    hideError();
    renderCode();
  };

  /* Six boxes for typed digits; a scanned receipt shows as one line instead. */
  function renderCode() {
    const text = input.value;
    const scanned = !digitsOnly(text);
    $("pickup-scanned").hidden = !scanned;
    $("pickup-boxes").hidden = scanned;
    const digits = scanned ? "" : text;
    HQ.fill($("pickup-boxes"), Array.from({ length: CODE_LENGTH }, (_, i) => h("span", {
      class: "code-box" + (digits[i] ? " filled" : "") + (i === digits.length ? " next" : ""),
    }, digits[i] || "")));
    $("pickup-go").classList.toggle("waiting-answer", !scanned && digits.length !== CODE_LENGTH);
  }

  function typed(ch) {
    hideError();
    if (!digitsOnly(input.value)) input.value = "";
    if (input.value.length < CODE_LENGTH) input.value += ch;
    renderCode();
  }

  // The scanner types fast and may end with Enter or not: submit once it pauses.
  const submitSoon = HQ.debounce(() => { if (K.screen === "pickup" && isScan(input.value)) submit(); }, 400);
  input.addEventListener("input", () => {
    hideError();
    renderCode();
    if (isScan(input.value)) submitSoon();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); submit(); }
  });
  // Buttons on this screen must not take the keyboard focus from the input: a scan can
  // come at any moment. Keys that arrive elsewhere are sent to the input.
  $("screens").addEventListener("mousedown", (e) => {
    if (K.screen === "pickup" && e.target.closest('[data-screen="pickup"] button, #pickup-boxes')) {
      e.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (K.screen !== "pickup" || document.activeElement === input || document.querySelector("dialog[open]")) return;
    input.focus(); // the key lands in the input: focus moves before the character is inserted
  }, true);

  async function submit() {
    const text = input.value.trim();
    if (busy) return;
    if (!text || (digitsOnly(text) && text.length !== CODE_LENGTH)) {
      showError(0, HQ.t("pickup_need_code"), "");
      return;
    }
    busy = true;
    try {
      const printer = await K.printerState();
      const res = await HQ.request("POST", "/api/tickets", { pickup: text, printer: printer.ok ? printer.printer : null });
      if (K.screen !== "pickup") return; // the citizen left (or the kiosk went idle) meanwhile
      input.value = "";
      renderCode();
      if (!res.ok) {
        showError(res.status, res.message || HQ.t("error_generic"), text);
        return;
      }
      K.matter = null;
      K.showTicket(res.data, printer);
    } finally {
      busy = false;
    }
  }

  function showError(status, message, tried) {
    const titles = { 0: "pickup_need_code", 404: "pickup_err_404", 409: "pickup_err_409", 429: "pickup_err_429" };
    const box = $("pickup-error");
    box.hidden = false;
    box.dataset.status = String(status);
    $("pickup-error-title").textContent = HQ.t(titles[status] || "pickup_err_other");
    $("pickup-error-text").textContent = status ? message : "";
    $("pickup-error-text").hidden = !status;
    $("pickup-error-code").textContent = !tried ? "" : digitsOnly(tried) ? HQ.t("pickup_tried", { code: tried })
      : HQ.t("pickup_tried_scan");
  }
  function hideError() {
    $("pickup-error").hidden = true;
  }

  HQ.pad($("pickup-pad"), {
    layout: "digits",
    onKey: typed,
    onDelete: () => { hideError(); input.value = digitsOnly(input.value) ? input.value.slice(0, -1) : ""; renderCode(); },
    onClear: () => { hideError(); input.value = ""; renderCode(); },
  });
  $("pickup-open").addEventListener("click", () => K.openPickup(""));
  $("pickup-go").addEventListener("click", submit);
  $("pickup-retry").addEventListener("click", () => { hideError(); renderCode(); input.focus(); });
  // Without a code the catalog's own pickup matter still gives an output-window number.
  $("pickup-plain").addEventListener("click", () => {
    const plain = K.catalog.find((m) => m.scope === "output");
    if (plain) K.openMatter(plain.id);
  });
  HQ.langListeners.push(() => { if (K.screen === "pickup") renderCode(); });
  renderCode();
})();
