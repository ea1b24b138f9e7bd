/* The clerk's caller console: log in at a window, call and serve tickets,
   live over Socket.IO, every press idempotent (console.js). */
"use strict";

const S = {
  me: null, windowId: null, windows: {}, queues: {}, queueOrder: [], matters: {},
  received: {},  // ticket id -> Set of materials the clerk ticked as received
  calls: [],  // this window's latest calls, newest first
  busy: false, queued: null, socket: null,
};
const $ = (id) => document.getElementById(id);

// ---- login ---------------------------------------------------------------------
async function fillWindows() {
  const select = $("login-window");
  const windows = await HQ.api("GET", "/api/windows");
  select.innerHTML = "";
  const groups = {};
  for (const w of windows) (groups[w.kind] = groups[w.kind] || []).push(w);
  for (const [kind, list] of Object.entries(groups)) {
    const group = HQ.h("optgroup", { label: KIND_NAMES[kind] || kind });
    for (const w of list) {
      const busy = w.clerk ? ` (${w.clerk} 在岗)` : w.state === "closed" ? " (未开放)" : "";
      group.appendChild(HQ.h("option", { value: w.id }, `${w.name}${busy}`));
    }
    select.appendChild(group);
  }
  const last = localStorage.getItem("hallq.window");
  if (last && windows.some((w) => w.id === last)) select.value = last;
}

function enter(me) {
  S.me = me;
  S.windowId = me.window;
  localStorage.setItem("hallq.window", me.window);
  $("login-view").classList.add("hidden");
  $("console-view").classList.remove("hidden");
  $("who").classList.remove("hidden");
  $("who-user").textContent = me.user;
  S.socket = HQ.live({ onSnapshot, onEvent, onRefused: HQ.loginLost });
  refreshStats();
}

// ---- live state ----------------------------------------------------------------
function onSnapshot(snap) {
  S.windows = Object.fromEntries(snap.windows.map((w) => [w.id, w]));
  setQueues(snap.queues);
  S.calls = (snap.calls || []).filter((c) => c.window.id === S.windowId);
  render();
}

function setQueues(queues) {
  if (!queues) return;
  S.queues = Object.fromEntries(queues.map((q) => [q.id, q]));
  S.queueOrder = queues.map((q) => q.id);
}

function onEvent(name, data) {
  setQueues(data.queues);
  if (data.window && data.window.id && data.window.state) S.windows[data.window.id] = data.window;
  const mine = data.window && data.window.id === S.windowId;
  if (name === "rating.received" && mine) {
    HQ.toast(`${data.ticket.number} 评价: ${SCORE_NAMES[data.score]}`, data.score <= 2 ? "error" : "ok");
    refreshStats();
  }
  if (mine && (name === "ticket.finished" || name === "ticket.no_show")) refreshStats();
  if (mine && name === "rating.appeal_decided") CallerAppeals.refresh();
  if (mine && data.call) S.calls = [data.call, ...S.calls.filter((c) => c.event_id !== data.call.event_id)].slice(0, 8);
  render();
}

const myWindow = () => S.windows[S.windowId];
const held = () => (myWindow() ? myWindow().ticket : null);

// ---- rendering -----------------------------------------------------------------
function render() {
  const w = myWindow();
  if (!w) return;
  $("who-window").textContent = w.name;
  const state = $("who-state");
  state.className = "pill " + w.state;
  state.textContent = STATE_NAMES[w.state];
  renderTicket(held());
  renderQueues(w);
  renderButtons(w, held());
  $("recent-calls").replaceChildren(...(S.calls.length ? S.calls.slice(0, 8).map((c) => HQ.h("span", { class: "chip" },
    HQ.h("b", {}, c.ticket.number), HQ.hhmm(c.at) + (c.recall ? " 重呼" : ""))) : [HQ.h("span", { class: "muted" }, "—")]));
}

function renderTicket(t) {
  $("ticket-empty").classList.toggle("hidden", !!t);
  $("ticket").classList.toggle("hidden", !t);
  const status = $("ticket-status");
  status.className = "pill " + (t ? t.status : "off");
  status.textContent = t ? STATUS_NAMES[t.status] : myWindow().state === "open" ? "空闲" : STATE_NAMES[myWindow().state];
  if (!t) return;
  $("ticket-number").textContent = t.number;
  $("ticket-matter").textContent = t.matter_name;
  $("ticket-situation").textContent = t.situation_name || "";
  const tags = [HQ.h("span", { class: "tag blue" }, (S.queues[t.queue] || {}).name || t.queue)];
  if (PRIORITY_NAMES[t.priority]) tags.push(HQ.h("span", { class: "tag green" }, PRIORITY_NAMES[t.priority]));
  if (t.transfers) tags.push(HQ.h("span", { class: "tag" }, `转办 ${t.transfers} 次`));
  $("ticket-tags").replaceChildren(...tags);
  $("ticket-issued").textContent = HQ.hhmm(t.issued_at);
  $("ticket-called").textContent = HQ.hhmm(t.called_at);
  $("ticket-recalls").textContent = `${t.recalls} 次`;
  tickTimers();
  renderMaterials(t);
}

function tickTimers() {
  const t = held();
  if (!t) return;
  const waited = (HQ.now() - Date.parse(t.issued_at)) / 1000;
  const el = $("ticket-waited");
  el.textContent = HQ.duration(waited);
  el.classList.toggle("long", waited > 30 * 60);
}

async function matterOf(id) {
  if (!S.matters[id]) S.matters[id] = await HQ.api("GET", `/api/matters/${encodeURIComponent(id)}`);
  return S.matters[id];
}

function materialsFor(matter, situation) {
  const s = situation && matter.situations.find((x) => x.id === situation);
  return s ? s.materials : matter.materials;
}

async function renderMaterials(t) {
  const list = $("materials");
  let matter;
  try { matter = await matterOf(t.matter); } catch (err) { list.replaceChildren(); return; }
  if (!held() || held().id !== t.id) return;
  const got = (S.received[t.id] = S.received[t.id] || new Set());
  const items = materialsFor(matter, t.situation);
  if (!items.length) { list.replaceChildren(HQ.h("li", { class: "muted" }, "本事项无需提交材料")); return; }
  list.replaceChildren(...items.map((m) => {
    const box = HQ.h("input", { type: "checkbox", checked: got.has(m),
      onchange: (e) => { e.target.checked ? got.add(m) : got.delete(m); e.target.closest("li").classList.toggle("got", e.target.checked); } });
    return HQ.h("li", { class: got.has(m) ? "got" : "" }, HQ.h("label", {}, box, HQ.h("span", {}, m)));
  }));
}

const SIDE_WEIGHT = 0.5;  // below this a queue is only taken when it has waited much longer (兼办)

function renderQueues(w) {
  let total = 0;
  const main = w.queues.filter((id) => w.profile[id] >= SIDE_WEIGHT);
  const side = w.queues.filter((id) => !(w.profile[id] >= SIDE_WEIGHT));
  const queue = (id) => S.queues[id] || { id, name: id, waiting: 0, eta_minutes: null };
  const rows = main.map((id) => {
    const q = queue(id);
    total += q.waiting;
    const weight = w.profile[id];
    return HQ.h("tr", {},
      HQ.h("td", {}, HQ.h("span", { class: "prefix" }, id), q.name,
            weight && weight !== 1 ? HQ.h("small", {}, ` ×${weight}`) : null),
      HQ.h("td", { class: "count" }, q.waiting),
      HQ.h("td", { class: "eta" }, q.eta_minutes === null ? "—" : `约 ${q.eta_minutes} 分`));
  });
  if (side.length) {
    const waiting = side.reduce((n, id) => n + queue(id).waiting, 0);
    total += waiting;
    rows.push(HQ.h("tr", { class: "side-queues", title: side.map((id) => `${id} ${queue(id).name}`).join("\n") },
      HQ.h("td", {}, HQ.h("span", { class: "prefix side" }, "+"), `兼办 ${side.join("·")}`),
      HQ.h("td", { class: "count" }, waiting), HQ.h("td", { class: "eta" }, "久等时叫")));
  }
  $("queues").replaceChildren(...(rows.length ? rows : [HQ.h("tr", {}, HQ.h("td", { class: "muted" }, "本窗口未配置队列"))]));
  $("queue-total").textContent = `共 ${total} 人等候`;
  $("idle-hint").textContent = w.state === "open" ? `本窗口队列共 ${total} 人等候` : `窗口${STATE_NAMES[w.state]}`;
}

function renderButtons(w, t) {
  const open = w.state === "open";
  const called = t && t.status === "called";
  const set = (id, enabled) => { $(id).disabled = S.busy || !enabled; };
  set("act-call", open && !t);
  set("act-recall", called);
  set("act-noshow", called);
  set("act-start", called);
  set("act-finish", !!t);
  set("act-outcome", !!t);
  set("act-transfer", !!t);
  set("act-pause", w.state !== "closed");
  const pause = $("act-pause");
  pause.firstChild.textContent = w.state === "paused" ? "恢复" : "暂停";
  pause.classList.toggle("paused", w.state === "paused");
}

async function refreshStats() {
  CallerAppeals.refresh();
  try {
    const s = await HQ.api("GET", "/api/clerk/today");
    $("stats-date").textContent = s.date;
    $("stat-served").textContent = s.served;
    $("stat-service").textContent = s.avg_service_min === null ? "—" : `${s.avg_service_min}分`;
    $("stat-rating").textContent = s.avg_rating === null ? "—" : s.avg_rating.toFixed(1);
    $("stat-noshow").textContent = s.no_shows;
    const rated = [5, 4, 3, 2, 1].reduce((n, k) => n + s.ratings[k], 0) || 1;
    $("rating-bars").replaceChildren(...[5, 4, 3, 2, 1, "unrated"].map((k) => HQ.h("div",
      { class: "bar" + (k === 1 || k === 2 ? " low" : "") },
      HQ.h("span", {}, k === "unrated" ? "未评价" : SCORE_NAMES[k]),
      HQ.h("div", { class: "track" }, HQ.h("div", { class: "fill",
        style: `width:${k === "unrated" ? 0 : Math.round(100 * s.ratings[k] / rated)}%` })),
      HQ.h("span", {}, s.ratings[k]))));
  } catch (err) { /* figures come back with the next event */ }
}

// ---- actions -------------------------------------------------------------------
async function act(action, body, done) {
  if (S.busy) return null;
  S.busy = true;
  renderButtons(myWindow(), held());
  try {
    const r = await HQ.api("POST", `/api/windows/${S.windowId}/${action}`, body || {});
    applyResult(action, r);
    if (done) done(r);
    return r;
  } catch (err) {
    HQ.toast(err.message, "error");
    return null;
  } finally {
    S.busy = false;
    render();
    runQueued();
  }
}

/* A key pressed while the previous press was still on its way runs once that
   one is answered (one slot: a second early press replaces the first). */
function runQueued() {
  const name = S.queued;
  S.queued = null;
  if (name && !$(BUTTON_OF[name]).disabled) ACTIONS[name]();
}

function applyResult(action, r) {
  const w = myWindow();
  if (r.window) { S.windows[r.window.id] = r.window; return; }
  if (!("ticket" in r)) return;
  if (action === "call-next" && !r.ticket) { HQ.toast("当前没有等候的号"); return; }
  const t = r.ticket;
  w.ticket = t && (t.status === "called" || t.status === "serving") ? t : null;
  if (action === "call-next") HQ.toast(`请 ${t.number} 号到 ${w.number} 号窗口`, "ok");
  if (action === "finish" || action === "no-show" || (action === "recall" && t.status === "no_show")) refreshStats();
}

const ACTIONS = {
  call: () => act("call-next"),
  recall: () => act("recall"),
  noshow: () => act("no-show"),
  start: () => act("start"),
  finish: () => held() && act("finish", { outcome: "done" }),
  outcome: () => held() && CallerDialogs.outcome(held()),
  transfer: () => held() && CallerDialogs.transfer(held()),
  pause: () => act(myWindow().state === "paused" ? "resume" : "pause"),
};

const BUTTON_OF = { call: "act-call", recall: "act-recall", noshow: "act-noshow", start: "act-start",
  finish: "act-finish", outcome: "act-outcome", transfer: "act-transfer", pause: "act-pause" };

// USB number pad: by physical key (NumLock on or off), then by character
const KEY_CODES = { NumpadEnter: "call", NumpadAdd: "call", NumpadDecimal: "recall", NumpadSubtract: "noshow",
  Numpad0: "start", NumpadMultiply: "finish", NumpadDivide: "outcome", Numpad7: "transfer", Numpad9: "pause" };
const KEY_CHARS = { Enter: "call", "+": "call", ".": "recall", "-": "noshow", "0": "start", "*": "finish",
  "/": "outcome", "7": "transfer", "9": "pause" };

function onKey(e) {
  if (!S.windowId || document.querySelector("dialog[open]") || e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.target.matches && e.target.matches("input:not([type=checkbox]):not([type=radio]), textarea, select")) return;
  const name = KEY_CODES[e.code] || KEY_CHARS[e.key];
  if (!name) return;
  e.preventDefault();
  if (e.repeat) return;
  if (S.busy) { S.queued = name; return; }
  if ($(BUTTON_OF[name]).disabled) return;
  ACTIONS[name]();
}

function bind() {
  for (const [name, id] of Object.entries(BUTTON_OF)) {
    $(id).addEventListener("click", (e) => { e.currentTarget.blur(); ACTIONS[name](); });
  }
  document.addEventListener("keydown", onKey);
  setInterval(tickTimers, 1000);
  HQ.startClock("clock", { second: "2-digit" });
}

(async function main() {
  bind();
  const entered = await HQ.staffLogin({ extra: () => ({ window: $("login-window").value }), accept: (me) => !!me.window,
                                       onEnter: enter });
  if (!entered) {
    try { await fillWindows(); } catch (err) { $("login-error").textContent = err.message; }
  }
})();
