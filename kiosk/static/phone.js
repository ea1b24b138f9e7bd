/* The phone page behind a ticket's QR (/t/TOKEN): the ticket's state, people
   ahead and ETA, live; "请到 N 号窗口" when called; cancel while waiting; the
   five-level rating after the service. A ticket with a case (办件) becomes the
   case page (phone_case.js). The token is the only key. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);
  const token = document.body.dataset.token;
  const P = (window.Phone = Object.assign(window.Phone || {}, { ticket: null, live: null, lastStatus: null,
                                                                 reasons: [], pending: null }));
  const ACTIVE = ["waiting", "called", "serving"];
  const SCORES = [5, 4, 3, 2, 1];

  function showError(message) {
    $("phone-error").textContent = message || "";
    $("phone-error").hidden = !message;
  }

  async function load() {
    if (!token) { showError(HQ.t("bad_token")); return; }
    const res = await HQ.request("GET", "/api/t/" + encodeURIComponent(token));
    if (!res.ok) {
      if (res.status === 404) {
        P.ticket = null;
        $("ticket").hidden = true;
        $("materials-box").hidden = true;
        P.renderCase(null);
      }
      showError(res.status === 404 ? HQ.t("bad_token") : res.message);
      return;
    }
    showError("");
    P.ticket = res.data;
    render();
  }
  const loadSoon = HQ.debounce(load, 150);
  const loadLater = HQ.debounce(load, 1000);

  function render() {
    const t = P.ticket;
    if (!t) return;
    const live = P.live && P.live.synced;
    renderCaseAndTicket(t);
    $("ticket").dataset.status = t.status;
    $("number").textContent = t.number;
    const situation = HQ.lang === "zh" && t.situation_name ? " · " + t.situation_name : "";
    $("matter").textContent = HQ.pick(t, "matter_name") + situation;
    $("status").textContent = HQ.t("status_" + t.status);
    $("status").className = "status-chip status-" + t.status;

    $("waiting").hidden = t.status !== "waiting";
    $("ahead").textContent = live && t.ahead !== null ? String(t.ahead) : "—";
    $("eta").textContent = live ? HQ.etaText(t.eta_minutes, t.eta_range_minutes) : "—";

    $("called").hidden = t.status !== "called";
    $("window-number").textContent = t.window_number || "";
    $("serving").hidden = t.status !== "serving";
    $("serving").textContent = HQ.t("serving_at", { n: t.window_number || "" });

    const notes = { cancelled: "cancelled_note", no_show: "no_show_note", expired: "expired_note" };
    $("closed-note").hidden = !notes[t.status];
    $("closed-note").textContent = notes[t.status] ? HQ.t(notes[t.status]) : "";

    renderRating(t);
    HQ.fill($("materials"), (HQ.pick(t, "materials") || []).map((x) => h("li", {}, x)));
    $("materials-box").hidden = !(t.materials || []).length || !["waiting", "called"].includes(t.status);

    if (t.status === "called" && P.lastStatus && P.lastStatus !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
    P.lastStatus = t.status;
  }

  /* With a case, the case leads; a ticket still in the queue (a pickup ticket) stays
     on top, and a finished one stays only while it may be rated. */
  function renderCaseAndTicket(t) {
    const active = ACTIVE.includes(t.status);
    P.renderCase(t.case, token);
    $("ticket").hidden = !!t.case && !active && !(t.status === "done" && (t.rating || {}).allowed);
    $("ticket").classList.toggle("compact", !!t.case && !active);
    if (t.case) {
      const [first, second] = active ? [$("ticket"), $("case")] : [$("case"), $("ticket")];
      if (first.nextElementSibling !== second) second.before(first);
    }
    document.title = (t.case ? HQ.t("case_title") : HQ.t("phone_title")) + " · " +
      document.querySelector(".hall-name").textContent;
  }

  function renderRating(t) {
    const rating = t.rating || {};
    const done = t.status === "done";
    $("rating").hidden = !(done && rating.allowed);
    $("rated").hidden = !(done && !rating.allowed);
    if (rating.score) {
      $("rated").textContent = HQ.t("rate_thanks", { label: HQ.t("rating_" + rating.score) });
      $("rated").dataset.score = rating.score;
    } else {
      $("rated").textContent = HQ.t("rate_closed");
      delete $("rated").dataset.score;
    }
    HQ.fill($("rating-buttons"), SCORES.map((score) => h("button", {
      type: "button", class: "rate rate-" + score, dataset: { score },
      "aria-pressed": String(!!P.pending && P.pending.score === score), onclick: () => rate(score),
    }, h("span", { class: "stars", "aria-hidden": "true" }, "★".repeat(score) + "☆".repeat(5 - score)),
      h("b", {}, HQ.t("rating_" + score)))));
    renderReasons();
  }

  /* A rating of 1 or 2 (差评) asks first for its reasons, from the hall's list ([ratings] reasons). */
  function rate(score) {
    if (score > 2 || !P.reasons.length) { send(score, []); return; }
    P.pending = { score, chosen: new Set() };
    render();
  }
  function renderReasons() {
    const p = P.pending;
    $("reasons-box").hidden = !p || $("rating").hidden;
    HQ.fill($("reason-buttons"), p ? P.reasons.map((r) => h("button", {
      type: "button", class: "reason", "aria-pressed": String(p.chosen.has(r)), dataset: { reason: r },
      onclick: () => { if (!p.chosen.delete(r)) p.chosen.add(r); renderReasons(); },
    }, r)) : []);
  }
  async function send(score, reasons) {
    const t = P.ticket;
    const res = await HQ.request("POST", `/api/tickets/${t.id}/rating`, { score, token, reasons });
    if (!res.ok) showError(res.message);
    else P.pending = null;
    load();
  }
  $("rate-send").addEventListener("click", () => send(P.pending.score, Array.from(P.pending.chosen)));

  $("cancel").addEventListener("click", () => $("dlg-cancel").showModal());
  $("cancel-keep").addEventListener("click", () => $("dlg-cancel").close());
  $("cancel-yes").addEventListener("click", async () => {
    $("dlg-cancel").close();
    const res = await HQ.request("POST", `/api/tickets/${P.ticket.id}/cancel`, { token });
    if (!res.ok) showError(res.message);
    load();
  });

  $("lang").addEventListener("click", () => HQ.setLang(HQ.lang === "zh" ? "en" : "zh"));
  HQ.langListeners.push(() => {
    render();
    if (!P.ticket && !$("phone-error").hidden) showError(HQ.t("bad_token"));
  });

  const wantsEnglish = HQ.params.get("lang") === "en" ||
    (!HQ.params.get("lang") && (navigator.language || "").toLowerCase().startsWith("en"));
  if (wantsEnglish) HQ.setLang("en"); else HQ.applyLang(document);
  P.live = HQ.live({
    onState: (ok) => { if (ok) load(); else render(); },
    onEvent: (type, data) => {
      if (!P.ticket) return;
      if (type === "case.state") { // public and minimal: re-read when it is about this page's case
        const mine = data.ticket_id === P.ticket.id || (P.ticket.case && data.case && data.case.number === P.ticket.case.number);
        if (mine) loadSoon();
        return;
      }
      if (!type.startsWith("ticket.")) return;
      if (data.ticket && data.ticket.id === P.ticket.id) loadSoon();
      else if (P.ticket.status === "waiting") loadLater(); // someone ahead moved: people ahead and ETA change
    },
  });
  HQ.request("GET", "/api/kiosk/config").then((res) => { if (res.ok) P.reasons = res.data.rating_reasons || []; });
  load();
})();
