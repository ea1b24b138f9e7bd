/* The kiosk's ticket screen, the guide desk's staff mode and the idle return. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);
  const K = window.Kiosk;
  let busy = false;

  // taking a ticket ------------------------------------------------------------------
  K.printerState = async function () {
    const q = K.printerId ? "?printer=" + encodeURIComponent(K.printerId) : "";
    const res = await HQ.request("GET", "/api/kiosk/printer" + q);
    return res.ok ? res.data : { state: "none", ok: false, printer: null };
  };

  /* kind: normal | green (extra.reason) | help */
  K.takeTicket = async function (kind, extra) {
    if (busy || !K.requireAnswers()) return false;
    busy = true;
    try {
      const { situation } = K.choice();
      const printer = await K.printerState();
      const body = Object.assign({ matter: K.matter.id, situation: situation ? situation.id : null,
                                   printer: printer.ok ? printer.printer : null }, extra || {});
      let path = "/api/tickets";
      if (kind === "green" || kind === "help") { path = "/api/kiosk/staff-ticket"; body.priority = kind; }
      const res = await HQ.request("POST", path, body, { token: K.staff && K.staff.token });
      if (!res.ok) return res.message || HQ.t("error_generic");
      K.showTicket(res.data, printer);
      return true;
    } finally {
      busy = false;
    }
  };

  /* 预约签到: the booking names the matter. A citizen checks in as this kiosk (its device key), a
     guide through the guide desk's route (audited with the guide's name). */
  K.checkIn = async function (code) {
    if (busy) return false;
    busy = true;
    try {
      const printer = await K.printerState();
      const p = printer.ok ? printer.printer : null;
      const res = K.staff
        ? await HQ.request("POST", "/api/kiosk/checkin", { code, printer: p }, { token: K.staff.token })
        : await HQ.request("POST", "/api/tickets", { appointment: code, printer: p });
      if (!res.ok) return res.message || HQ.t("error_generic");
      K.showTicket(res.data, printer);
      return true;
    } finally {
      busy = false;
    }
  };

  K.showTicket = function (ticket, printer) {
    K.ticket = ticket;
    K.printer = printer;
    renderTicket();
    K.show("ticket");
  };

  function renderTicket() {
    const t = K.ticket;
    if (!t) return;
    $("ticket-number").textContent = t.number;
    const badge = $("ticket-priority");
    badge.hidden = t.priority === "normal";
    badge.textContent = t.priority === "normal" ? "" : HQ.t("priority_" + t.priority);
    badge.className = "priority-badge priority-" + t.priority;
    const sit = K.matter && t.situation ? K.matter.situations.find((s) => s.id === t.situation) : null;
    $("ticket-matter").textContent = HQ.pick(t, "matter_name") + (sit ? " · " + HQ.pick(sit, "name") : "");
    renderCase(t.case);
    renderTicketLive();
    $("ticket-kinds").textContent = (t.serve_kinds || []).map((k) => HQ.t("kind_" + k)).join(HQ.lang === "en" ? ", " : "、");
    HQ.fill($("ticket-materials"), (HQ.pick(t, "materials") || []).map((x) => h("li", {}, x)));
    const qr = $("ticket-qr");
    if (qr.dataset.qr !== t.status_url) { qr.src = HQ.qrSrc(t.status_url); qr.dataset.qr = t.status_url; }
    const p = K.printer || { state: "none" };
    const note = $("ticket-printer");
    note.textContent = p.state === "ok" ? HQ.t("printing") : p.state === "fault" ? HQ.t("printer_fault") : HQ.t("no_printer");
    note.className = "printer-note " + (p.state === "ok" ? "ok" : p.state === "fault" ? "fault" : "");
  }

  /* A pickup ticket (取件) names its case: the number on the receipt and the matter. */
  function renderCase(c) {
    $("ticket-case").hidden = !c;
    $("ticket-case").closest(".ticket-card").classList.toggle("pickup", !!c);
    $("ticket-case-number").textContent = c ? c.number : "";
    $("ticket-case-matter").textContent = c ? c.matter_name : "";
  }

  function renderTicketLive() {
    const t = K.ticket;
    const live = K.live && K.live.synced;
    $("ticket-ahead").textContent = live && t.ahead !== null ? HQ.t("ahead_n", { n: t.ahead }) : "—";
    $("ticket-eta").textContent = live ? HQ.etaText(t.eta_minutes, t.eta_range_minutes) : "—";
  }

  const refreshTicket = HQ.debounce(async () => {
    if (K.screen !== "ticket" || !K.ticket) return;
    const res = await HQ.request("GET", "/api/tickets/" + K.ticket.id);
    if (res.ok && K.ticket && res.data.id === K.ticket.id) {
      Object.assign(K.ticket, { ahead: res.data.ahead, eta_minutes: res.data.eta_minutes, eta_range_minutes: res.data.eta_range_minutes, status: res.data.status });
      renderTicketLive();
    }
  }, 400);
  K.onTicketEvent = () => refreshTicket();
  K.onResync = () => refreshTicket();
  K.onDrop = () => { if (K.ticket) renderTicketLive(); };
  K.rerender = () => { if (K.screen === "ticket") renderTicket(); };

  $("take-ticket").addEventListener("click", async () => {
    const result = await K.takeTicket("normal");
    if (typeof result === "string") K.flash(HQ.t("issue_failed", { msg: result }));
  });

  // dialogs ----------------------------------------------------------------------------
  function openDialog(id) {
    const d = $(id);
    if (!d.open) d.showModal();
    return d;
  }
  function closeDialogs() {
    document.querySelectorAll("dialog[open]").forEach((d) => d.close());
  }
  document.querySelectorAll("dialog [data-close]").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));
  function showError(id, message) {
    $(id).textContent = message || "";
    $(id).hidden = !message;
  }

  // staff mode -------------------------------------------------------------------------
  $("staff-open").addEventListener("click", () => {
    if (K.staff) return;
    $("login-pin").value = "";
    showError("login-error", "");
    openDialog("dlg-login");
  });
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const user = $("login-user").value.trim();
    // No session cookie: the guide's token lives in this page's memory only, so a reload
    // or the idle return leaves nothing behind that a citizen's requests could carry.
    const res = await HQ.request("POST", "/api/login", { user, pin: $("login-pin").value }, { noCookie: true });
    if (!res.ok) { showError("login-error", res.message); return; }
    K.staff = { token: res.data.token, user: res.data.user, role: res.data.role };
    $("dlg-login").close();
    setStaff();
  });
  async function logout() {
    if (!K.staff) return;
    const token = K.staff.token;
    K.staff = null;
    setStaff();
    await HQ.request("POST", "/api/logout", {}, { token, noCookie: true });
  }
  K.logout = logout;
  $("staff-logout").addEventListener("click", logout);
  function setStaff() {
    $("staff-bar").hidden = !K.staff;
    $("staff-actions").hidden = !K.staff;
    document.body.classList.toggle("staff", !!K.staff);
    $("staff-user").textContent = K.staff ? K.staff.user : "";
  }

  async function staffTicket(kind, extra, errorId) {
    const result = await K.takeTicket(kind, extra);
    if (result === true) { closeDialogs(); return; }
    if (typeof result === "string") {
      if (errorId) showError(errorId, result);
      else K.flash(HQ.t("issue_failed", { msg: result }));
    }
  }
  $("staff-green").addEventListener("click", () => {
    if (!K.requireAnswers()) return;
    const reasons = (K.config && K.config.green_reasons) || [];
    HQ.fill($("reasons"), reasons.map((r) => h("button", {
      type: "button", class: "btn btn-green reason", dataset: { reason: r.value },
      onclick: () => staffTicket("green", { reason: r.value }),
    }, HQ.pick(r, "label"))));
    openDialog("dlg-reason");
  });
  $("staff-help").addEventListener("click", () => staffTicket("help", {}));
  function openCheckin() {
    $("code-input").value = "";
    showError("code-error", "");
    openDialog("dlg-code");
    $("code-input").focus();  // a scanner types into it and ends with Enter
  }
  $("staff-checkin").addEventListener("click", openCheckin);
  $("checkin-open").addEventListener("click", openCheckin);
  async function checkIn() {
    const code = HQ.bookingCode($("code-input").value);
    const result = code ? await K.checkIn(code) : HQ.t("checkin_code");
    if (result === true) closeDialogs();
    else if (typeof result === "string") showError("code-error", result);
  }
  $("code-go").addEventListener("click", checkIn);
  $("code-input").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); checkIn(); } });

  // idle return ------------------------------------------------------------------------
  const idleSeconds = Math.max(1, Number(HQ.params.get("idle")) || Number(document.body.dataset.idle) || 60);
  let lastActivity = Date.now();
  ["pointerdown", "keydown", "input"].forEach((ev) => document.addEventListener(ev, () => { lastActivity = Date.now(); }, true));
  function atRest() {
    return K.screen === "start" && !K.staff && HQ.lang === "zh" && !document.querySelector("dialog[open]");
  }
  K.reset = function () {
    closeDialogs();
    logout();
    if (HQ.lang !== "zh") HQ.setLang("zh");
    K.ticket = null;
    K.home();
    lastActivity = Date.now();
  };
  setInterval(() => {
    const note = $("idle-note");
    if (atRest()) { note.hidden = true; lastActivity = Date.now(); return; }
    const left = Math.ceil(idleSeconds - (Date.now() - lastActivity) / 1000);
    if (left <= 0) { note.hidden = true; K.reset(); return; }
    note.hidden = left > 10;
    note.textContent = HQ.t("return_in", { n: left });
  }, 250);

  K.start();
  HQ.padFor($("login-pad"), $("login-pin"), "pin");
  HQ.padFor($("code-pad"), $("code-input"), "digits");
})();
