/* The kiosk (取号机): find a matter, answer its questions, see exactly what to
   bring, print that list or take a ticket. kiosk_ticket.js adds the ticket,
   the guide desk's staff mode and the idle return. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);
  const K = (window.Kiosk = {
    screen: "start", history: [], catalog: [], queues: [], config: null,
    matter: null, answers: {}, staff: null, printerId: HQ.params.get("printer") || "",
  });

  // navigation ------------------------------------------------------------------
  K.show = function (screen, remember) {
    if (remember !== false && K.screen !== screen) K.history.push(K.screen);
    K.screen = screen;
    document.querySelectorAll(".screen").forEach((s) => { s.hidden = s.dataset.screen !== screen; });
    document.body.dataset.current = screen;
    window.scrollTo(0, 0);
    const sec = document.querySelector(`section[data-screen="${screen}"]`);
    if (sec) sec.scrollTop = 0;
  };
  K.back = function () {
    const prev = K.history.pop() || "start";
    K.show(prev, false);
  };
  K.home = function () {
    K.history = [];
    K.matter = null;
    $("search-input").value = "";
    HQ.fill($("search-results"), hintLine());
    if (K.resetPickup) K.resetPickup();
    K.show("start", false);
  };
  document.addEventListener("click", (e) => {
    const btn = e.target.closest("[data-action]");
    if (!btn) return;
    if (btn.dataset.action === "home") K.home();
    if (btn.dataset.action === "back") K.back();
  });

  // catalog and start screen ------------------------------------------------------
  async function loadCatalog() {
    const res = await HQ.request("GET", "/api/matters");
    if (res.ok) K.catalog = res.data;
    renderStart();
  }
  K.loadConfig = async function () {
    const q = K.printerId ? "?printer=" + encodeURIComponent(K.printerId) : "";
    const res = await HQ.request("GET", "/api/kiosk/config" + q);
    if (res.ok) {
      K.config = res.data;
      HQ.timeZone = res.data.hall.timezone || HQ.timeZone;
      tick();
    }
  };

  /* The catalog's pickup matter (scope "output") leads to 取件, where the code links the ticket to its case. */
  function matterTile(m, cls) {
    const open = () => (m.scope === "output" && K.openPickup ? K.openPickup("") : K.openMatter(m.id));
    return h("button", { type: "button", class: cls || "tile", dataset: { matter: m.id }, onclick: open },
      h("span", { class: "tile-name" }, HQ.pick(m, "name")),
      h("span", { class: "tile-meta" }, HQ.pick(m, "department"),
        m.mode === "promised" ? " · " + HQ.t("promised", { n: m.promised_days }) : " · " + HQ.t("instant")));
  }

  function departments() {
    const seen = new Map();
    K.catalog.forEach((m) => {
      if (!seen.has(m.department)) seen.set(m.department, { name: m.department, name_en: m.department_en, matters: [] });
      seen.get(m.department).matters.push(m);
    });
    return Array.from(seen.values());
  }

  function renderStart() {
    HQ.fill($("common"), K.catalog.filter((m) => m.common).map((m) => matterTile(m)));
    HQ.fill($("departments"), departments().map((d) => h("button", {
      type: "button", class: "chip", dataset: { department: d.name }, onclick: () => openDepartment(d),
    }, h("b", {}, HQ.pick(d, "name")), h("small", {}, HQ.t("matters_count", { n: d.matters.length })))));
  }

  function openDepartment(d) {
    $("department-title").textContent = HQ.pick(d, "name");
    HQ.fill($("department-matters"), d.matters.map((m) => matterTile(m, "row")));
    K.department = d.name;
    K.show("department");
  }

  K.renderQueues = function (live) {
    const strip = $("queue-strip");
    const shown = K.queues.filter((q) => q.waiting > 0 || ["A", "B", "C"].includes(q.id)).slice(0, 6);
    HQ.fill(strip, shown.map((q) => h("div", { class: "queue-item", dataset: { queue: q.id } },
      h("span", { class: "queue-name" }, HQ.pick(q, "name")),
      h("b", { class: "live" }, !live ? "—" : q.waiting ? HQ.t("waiting_n", { n: q.waiting }) : HQ.t("no_wait")),
      h("small", { class: "live" }, live && q.waiting ? HQ.etaText(q.eta_minutes) : ""))));
  };

  // search --------------------------------------------------------------------------
  const hintLine = () => h("p", { class: "hint big-hint" }, HQ.t("search_start"));
  let searchSeq = 0;
  async function runSearch() {
    const q = $("search-input").value.trim();
    const seq = ++searchSeq;
    if (!q) { HQ.fill($("search-results"), hintLine()); return; }
    const res = await HQ.request("GET", "/api/kiosk/search?q=" + encodeURIComponent(q));
    if (seq !== searchSeq) return; // a newer keystroke already asked
    if (!res.ok) { HQ.fill($("search-results"), h("p", { class: "error" }, res.message)); return; }
    const hits = res.data.matters;
    HQ.fill($("search-results"), hits.length ? hits.map((m) => matterTile(m, "row"))
      : h("p", { class: "hint big-hint" }, HQ.t("search_none")));
  }
  const searchSoon = HQ.debounce(runSearch, 120);
  K.openSearch = function (initial) {
    const input = $("search-input");
    input.value = initial || "";
    K.show("search");
    input.focus();
    runSearch();
  };
  $("search-open").addEventListener("click", () => K.openSearch(""));
  $("search-input").addEventListener("input", () => {
    // A receipt's QR read by the scanner on the start screen lands here: it is a pickup.
    const text = $("search-input").value;
    if (K.openPickup && /\/(?:case|t)\/[A-Za-z0-9_-]{16}/.test(text)) { $("search-input").value = ""; K.openPickup(text); return; }
    searchSoon();
  });
  // A physical keyboard or scanner on the start screen starts a search.
  document.addEventListener("keydown", (e) => {
    if (K.screen !== "start" || document.querySelector("dialog[open]")) return;
    if (e.key.length === 1 && /[\p{L}\p{N}]/u.test(e.key) && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      K.openSearch(e.key);
    }
  });

  // a matter: questions decide the materials ------------------------------------------
  K.openMatter = async function (id) {
    const res = await HQ.request("GET", "/api/matters/" + encodeURIComponent(id));
    if (!res.ok) { K.flash(res.message); return; }
    K.matter = res.data;
    K.answers = {};
    $("matter-error").hidden = true;
    renderMatter();
    K.show("matter");
  };

  /* {complete, situation}: complete once every question is answered; the
     situation is the one whose answers all match (null for a matter without). */
  K.choice = function () {
    const m = K.matter;
    if (!m) return { complete: false, situation: null };
    if (!m.questions.length) return { complete: true, situation: null };
    const complete = m.questions.every((q) => K.answers[q.id] !== undefined);
    if (!complete) return { complete: false, situation: null };
    const situation = m.situations.find((s) =>
      Object.entries(s.answers).every(([k, v]) => K.answers[k] === v)) || null;
    return { complete: true, situation };
  };

  K.materialsNow = function () {
    const { complete, situation } = K.choice();
    if (!complete) return null;
    return HQ.pick(situation || K.matter, "materials");
  };

  function renderMatter() {
    const m = K.matter;
    $("matter-name").textContent = HQ.pick(m, "name");
    $("matter-meta").textContent = [HQ.pick(m, "department"),
      m.mode === "promised" ? HQ.t("promised", { n: m.promised_days }) : HQ.t("instant"),
      HQ.t("typical", { n: Math.round(m.typical_minutes) })].join(" · ");
    $("conditions").textContent = m.conditions || "";
    $("conditions-box").hidden = !m.conditions;
    HQ.fill($("questions"), m.questions.length ? h("h2", {}, HQ.t("questions_title")) : null,
      m.questions.map((q, i) => h("div", { class: "question", dataset: { question: q.id } },
        h("p", { class: "question-text" }, h("span", { class: "step" }, String(i + 1)), HQ.pick(q, "text")),
        h("div", { class: "options" }, q.options.map((o) => h("button", {
          type: "button", class: "option" + (K.answers[q.id] === o.value ? " chosen" : ""),
          dataset: { option: o.value }, "aria-pressed": String(K.answers[q.id] === o.value),
          onclick: () => { K.answers[q.id] = o.value; renderMatter(); },
        }, HQ.pick(o, "label")))))));
    renderMaterials();
  }
  K.renderMatter = renderMatter;

  function renderMaterials() {
    const list = K.materialsNow();
    const { situation } = K.choice();
    $("situation-name").textContent = situation ? HQ.t("situation") + "：" + HQ.pick(situation, "name") : "";
    HQ.fill($("materials"), (list || []).map((x) => h("li", {}, x)));
    $("materials-wait").hidden = list !== null;
    document.querySelector('section[data-screen="matter"]').classList.toggle("answered", list !== null);
    ["take-ticket", "print-list", "staff-green", "staff-help", "staff-checkin"].forEach((id) => {
      $(id).classList.toggle("waiting-answer", list === null);
    });
  }

  K.flash = function (message) {
    const el = $("matter-error");
    el.textContent = message;
    el.hidden = !message;
  };

  K.requireAnswers = function () {
    if (K.materialsNow() !== null) return true;
    K.flash(HQ.t("answer_first"));
    const first = document.querySelector(".question .option:not(.chosen)");
    if (first) first.closest(".question").scrollIntoView({ block: "center" });
    return false;
  };

  // print the list without queueing ----------------------------------------------------
  $("print-list").addEventListener("click", async () => {
    if (!K.requireAnswers()) return;
    const { situation } = K.choice();
    const res = await HQ.request("POST", "/api/kiosk/print-materials", {
      matter: K.matter.id, situation: situation ? situation.id : null, printer: K.printerId || null });
    if (!res.ok) { K.flash(res.message); return; }
    K.renderList(res.data);
    K.show("materials");
  });

  K.renderList = function (data) {
    K.listData = data || K.listData;
    if (data) $("list-error").hidden = true;  // a new list: no refusal from before
    const d = K.listData;
    const { situation } = K.choice();
    $("list-matter").textContent = HQ.pick(K.matter, "name");
    $("list-situation").textContent = situation ? HQ.pick(situation, "name") : "";
    HQ.fill($("list-materials"), d.materials.map((x) => h("li", {}, x)));
    const note = $("list-note");
    note.textContent = d.printed ? HQ.t("list_printed")
      : d.printer.state === "fault" ? HQ.t("printer_fault") : HQ.t("list_on_screen");
    note.className = "printer-note " + (d.printed ? "ok" : d.printer.state === "fault" ? "fault" : "");
    $("list-qr").src = HQ.qrSrc(d.guide_url);
    $("list-qr").dataset.qr = d.guide_url;
  };
  $("list-take").addEventListener("click", async () => {
    const result = await K.takeTicket("normal");  // refused (a full disk: 暂停取号): said here, not dropped
    const el = $("list-error");
    el.textContent = typeof result === "string" ? HQ.t("issue_failed", { msg: result }) : "";
    el.hidden = typeof result !== "string";
  });

  // language -----------------------------------------------------------------------------
  $("lang").addEventListener("click", () => HQ.setLang(HQ.lang === "zh" ? "en" : "zh"));
  HQ.langListeners.push(() => {
    renderStart();
    K.renderQueues(K.live && K.live.synced);
    if (K.screen === "search") runSearch();
    if (K.screen === "department") {
      const d = departments().find((x) => x.name === K.department);
      if (d) { $("department-title").textContent = HQ.pick(d, "name"); HQ.fill($("department-matters"), d.matters.map((m) => matterTile(m, "row"))); }
    }
    if (K.matter) renderMatter();
    if (K.screen === "materials" && K.listData) K.renderList();
    if (K.rerender) K.rerender();
  });

  // clock ------------------------------------------------------------------------------
  function tick() {
    $("clock").textContent = HQ.hallTime();
  }
  K.tick = tick;
  setInterval(tick, 5000);
  tick();

  // live line ----------------------------------------------------------------------------
  K.start = function () {
    HQ.padFor($("search-pad"), $("search-input"), "letters", searchSoon);
    HQ.fill($("search-results"), hintLine());
    if (HQ.params.get("lang") === "en") HQ.setLang("en");
    else HQ.applyLang(document);
    K.live = HQ.live({
      onSnapshot: (snap) => { K.queues = snap.queues || []; tick(); },
      onState: (ok) => {
        K.renderQueues(ok);
        if (ok) { loadCatalog(); K.loadConfig(); if (K.onResync) K.onResync(); }
        else if (K.onDrop) K.onDrop();
      },
      onEvent: (type, data) => {
        if (type === "catalog.applied") loadCatalog();  // the county's catalogue, from the start of this hall day
        if (Array.isArray(data.queues)) { K.queues = data.queues; K.renderQueues(K.live.synced); }
        if (K.onTicketEvent && type.startsWith("ticket.")) K.onTicketEvent(type, data);
      },
    });
    K.renderQueues(false);
    loadCatalog();
    K.loadConfig();
    K.show("start", false);
  };
})();
