/* The self-service query terminal (智能查询终端): every matter's guide, the
   live queues and windows, and a ticket's place by its number. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);
  const Q = (window.Query = { tab: "guide", catalog: [], department: "", hits: null, matter: null,
                              queues: [], windows: [], ticket: null, live: null });

  // tabs and the address (#matter=m03, #tab=queues, #ticket=A001) ----------------------
  function showTab(tab) {
    Q.tab = tab;
    document.querySelectorAll(".tab").forEach((b) => {
      b.classList.toggle("active", b.dataset.tab === tab);
      b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    });
    document.querySelectorAll(".pane").forEach((p) => { p.hidden = p.dataset.pane !== tab; });
  }
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.get("matter")) { showTab("guide"); openMatter(params.get("matter")); }
    else if (params.get("ticket")) { showTab("ticket"); $("ticket-input").value = params.get("ticket"); lookup(); }
    else if (params.get("tab")) showTab(params.get("tab"));
  }
  window.addEventListener("hashchange", readHash);

  // the catalog --------------------------------------------------------------------------
  async function loadCatalog() {
    const res = await HQ.request("GET", "/api/matters");
    if (!res.ok) return;
    Q.catalog = res.data;
    renderCatalog();
  }

  function departments() {
    const seen = new Map();
    Q.catalog.forEach((m) => { if (!seen.has(m.department)) seen.set(m.department, m); });
    return Array.from(seen.values());
  }

  function renderCatalog() {
    HQ.fill($("guide-departments"),
      h("button", { type: "button", class: "dept" + (Q.department ? "" : " active"), dataset: { department: "" },
                    onclick: () => { Q.department = ""; renderCatalog(); } }, HQ.t("all_departments")),
      departments().map((m) => h("button", {
        type: "button", class: "dept" + (Q.department === m.department ? " active" : ""), dataset: { department: m.department },
        onclick: () => { Q.department = m.department; renderCatalog(); },
      }, HQ.pick(m, "department"))));
    const list = (Q.hits || Q.catalog).filter((m) => !Q.department || m.department === Q.department);
    HQ.fill($("guide-list"), list.length ? list.map((m) => h("button", {
      type: "button", class: "guide-item" + (Q.matter && Q.matter.id === m.id ? " active" : ""), dataset: { matter: m.id },
      onclick: () => { history.replaceState(null, "", "#matter=" + m.id); openMatter(m.id); },
    }, h("b", {}, HQ.pick(m, "name")), h("small", {}, HQ.pick(m, "department"))))
      : h("p", { class: "hint" }, HQ.t("search_none")));
  }

  let searchSeq = 0;
  const search = HQ.debounce(async () => {
    const q = $("guide-search").value.trim();
    const seq = ++searchSeq;
    if (!q) { Q.hits = null; renderCatalog(); return; }
    const res = await HQ.request("GET", "/api/kiosk/search?limit=50&q=" + encodeURIComponent(q));
    if (seq !== searchSeq || !res.ok) return;
    Q.hits = res.data.matters;
    renderCatalog();
  }, 120);
  $("guide-search").addEventListener("input", search);
  $("pad-toggle").addEventListener("click", () => { $("guide-pad").hidden = !$("guide-pad").hidden; });

  // one matter's guide --------------------------------------------------------------------
  async function openMatter(id) {
    const res = await HQ.request("GET", "/api/matters/" + encodeURIComponent(id));
    if (!res.ok) { HQ.fill($("guide"), h("p", { class: "error" }, res.message)); return; }
    Q.matter = res.data;
    renderGuide();
    renderCatalog();
  }

  function fact(label, value) {
    return h("div", { class: "fact" }, h("span", {}, HQ.t(label)), h("b", {}, value));
  }

  function materialList(items) {
    return h("ol", { class: "materials" }, items.map((x) => h("li", {}, x)));
  }

  function renderGuide() {
    const m = Q.matter;
    if (!m) return;
    const queue = Q.queues.find((q) => q.id === m.queue);
    const sep = HQ.lang === "en" ? ", " : "、";
    HQ.fill($("guide"),
      h("h1", { id: "guide-name" }, HQ.pick(m, "name")),
      h("div", { class: "facts" },
        fact("guide_department", HQ.pick(m, "department")),
        fact("guide_mode", m.mode === "promised" ? HQ.t("mode_promised") : HQ.t("instant")),
        fact("guide_time", m.mode === "promised" ? HQ.t("guide_days", { n: m.promised_days }) : HQ.t("guide_same_day")),
        fact("guide_duration", HQ.t("eta_about", { n: Math.round(m.typical_minutes) })),
        fact("guide_windows", m.windows.length ? HQ.t("guide_windows_n", { list: m.windows.join(sep) }) : "—"),
        fact("guide_queue", queue ? HQ.pick(queue, "name") : m.queue)),
      m.conditions ? h("section", { class: "guide-block" }, h("h2", {}, HQ.t("conditions")), h("p", {}, m.conditions)) : null,
      m.situations.length
        ? h("section", { class: "guide-block" }, h("h2", {}, HQ.t("guide_situations")),
          h("div", { class: "situations" }, m.situations.map((s) => h("div", { class: "situation", dataset: { situation: s.id } },
            h("h3", {}, HQ.pick(s, "name")), materialList(HQ.pick(s, "materials"))))))
        : h("section", { class: "guide-block" }, h("h2", {}, HQ.t("guide_materials")), materialList(HQ.pick(m, "materials"))));
  }

  // queues and windows ------------------------------------------------------------------------
  function renderQueues() {
    const live = Q.live && Q.live.synced;
    HQ.fill($("queue-rows"), Q.queues.map((q) => h("tr", { dataset: { queue: q.id } },
      h("td", {}, h("span", { class: "prefix" }, q.prefix || q.id), HQ.pick(q, "name")),
      h("td", { class: "live num" }, live ? String(q.waiting) : "—"),
      h("td", { class: "live" }, live ? (q.waiting ? HQ.etaText(q.eta_minutes) : HQ.t("no_wait")) : "—"))));
    HQ.fill($("window-grid"), Q.windows.map((w) => h("div", { class: "window-card state-" + w.state, dataset: { window: w.id } },
      h("b", { class: "window-number" }, String(w.number)),
      h("span", { class: "window-name" }, w.name),
      h("span", { class: "live window-state" }, !live ? "—" : w.state !== "open" ? HQ.t("window_" + w.state)
        : w.ticket ? HQ.t("serving_now", { number: w.ticket.number }) : HQ.t("idle_window")))));
  }
  const refreshWindows = HQ.debounce(async () => {
    const res = await HQ.request("GET", "/api/windows");
    if (res.ok) { Q.windows = res.data; renderQueues(); }
  }, 300);

  // a ticket by its number --------------------------------------------------------------------
  async function lookup() {
    let number = $("ticket-input").value.trim().toUpperCase();
    if (!number) return;
    const short = /^([A-Z])(\d{1,2})$/.exec(number); // A12 -> A012, as the slip prints it
    if (short) number = short[1] + short[2].padStart(3, "0");
    const res = await HQ.request("GET", "/api/tickets?number=" + encodeURIComponent(number));
    if (!res.ok) {
      Q.ticket = null;
      HQ.fill($("ticket-result"), h("p", { class: "error" }, res.status === 404 ? HQ.t("lookup_none") : res.message));
      return;
    }
    Q.ticket = res.data;
    renderTicket();
  }
  function renderTicket() {
    const t = Q.ticket;
    if (!t) return;
    const live = Q.live && Q.live.synced;
    const atWindow = (t.status === "called" || t.status === "serving") && t.window_number;
    HQ.fill($("ticket-result"), h("div", { class: "card ticket-status status-" + t.status },
      h("p", { class: "ticket-number" }, t.number),
      h("p", { class: "ticket-matter" }, HQ.pick(t, "matter_name")),
      h("p", { class: "status-chip" }, HQ.t("status_" + t.status)),
      atWindow ? h("p", { class: "called-to" }, HQ.t("called_to", { n: t.window_number })) : null,
      t.status === "waiting" ? h("div", { class: "ticket-stats" },
        h("div", {}, h("span", {}, HQ.t("ahead")), h("b", { class: "live" }, live ? HQ.t("ahead_n", { n: t.ahead }) : "—")),
        h("div", {}, h("span", {}, HQ.t("eta")), h("b", { class: "live" }, live ? HQ.etaText(t.eta_minutes, t.eta_range_minutes) : "—"))) : null));
  }
  $("ticket-go").addEventListener("click", lookup);
  $("ticket-input").addEventListener("keydown", (e) => { if (e.key === "Enter") lookup(); });
  const refreshTicket = HQ.debounce(() => { if (Q.ticket) lookup(); }, 400);

  // language, clock, idle ------------------------------------------------------------------------
  $("lang").addEventListener("click", () => HQ.setLang(HQ.lang === "zh" ? "en" : "zh"));
  HQ.langListeners.push(() => {
    renderCatalog(); renderGuide(); renderQueues(); renderTicket();
  });
  const tick = () => { $("clock").textContent = HQ.hallTime(); };
  setInterval(tick, 5000);

  const idleSeconds = Number(HQ.params.get("idle")) || 180;
  let lastActivity = Date.now();
  ["pointerdown", "keydown"].forEach((ev) => document.addEventListener(ev, () => { lastActivity = Date.now(); }, true));
  setInterval(() => {
    if ((Date.now() - lastActivity) / 1000 < idleSeconds) return;
    lastActivity = Date.now();
    $("ticket-input").value = ""; Q.ticket = null; HQ.fill($("ticket-result")); HQ.fill($("checkin-result"));
    $("guide-search").value = ""; Q.hits = null; Q.department = "";
    if (HQ.lang !== "zh") HQ.setLang("zh");
    renderCatalog(); showTab("guide");
  }, 1000);

  // start -----------------------------------------------------------------------------------------
  HQ.padFor($("guide-pad"), $("guide-search"), "letters", search);
  HQ.padFor($("ticket-pad"), $("ticket-input"), "number");
  // The hall's own queue prefixes on the number pad's first row.
  HQ.request("GET", "/api/kiosk/config").then((res) => {
    if (!res.ok) return;
    HQ.timeZone = res.data.hall.timezone || HQ.timeZone;
    const prefixes = res.data.queues.map((q) => q.id).filter((id) => /^[A-Z]$/.test(id)).join("");
    if (prefixes) HQ.padFor($("ticket-pad"), $("ticket-input"), "number", null, [prefixes, "123", "456", "789", "0"]);
  });
  if (HQ.params.get("lang") === "en") HQ.setLang("en"); else HQ.applyLang(document);
  Q.live = HQ.live({
    onSnapshot: (snap) => { Q.queues = snap.queues || []; Q.windows = snap.windows || []; tick(); },
    onState: (ok) => {
      renderQueues(); renderTicket();
      if (ok) { loadCatalog(); if (Q.ticket) refreshTicket(); if (Q.matter) renderGuide(); }
    },
    onEvent: (type, data) => {
      if (type === "catalog.applied") loadCatalog();  // the county's catalogue, from the start of this hall day
      if (Array.isArray(data.queues)) Q.queues = data.queues;
      if (type === "window.changed" || type.startsWith("ticket.")) refreshWindows();
      if (type.startsWith("ticket.")) refreshTicket();
      renderQueues();
    },
  });
  showTab("guide");
  renderQueues();
  loadCatalog().then(readHash);
})();
