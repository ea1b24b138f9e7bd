/* The manager's console: login, tabs and the live hall (queues, windows,
   alerts with one-click suggestions, tidal windows, work profiles, notice). */
"use strict";

const M = { me: null, windows: {}, windowOrder: [], queues: [], alerts: [], view: "live", today: null };
const $ = (id) => document.getElementById(id);
const KIND_SHORT = { comprehensive: "综合", professional: "专业", tidal: "潮汐", output: "出件", help: "帮办",
                     consult: "咨询", complaint: "投诉" };
const VIEWS = ["live", "reports", "followups", "bookings", "devices", "users", "audit", "ops"];

// ---- login and tabs --------------------------------------------------------------
function enter(me) {
  M.me = me;
  $("login-view").classList.add("hidden");
  $("tabs").classList.remove("hidden");
  $("who").classList.remove("hidden");
  $("who-user").textContent = `${me.user} · ${ROLE_NAMES[me.role] || me.role}`;
  HQ.live({ onSnapshot, onEvent, onRefused: HQ.loginLost });
  showView(location.hash.slice(1) || "live");
  refreshToday();
  Admin.followups(true);
  Admin.devices(true);
  Ops.start();
}

function showView(name) {
  if (!VIEWS.includes(name)) name = "live";
  M.view = name;
  for (const v of VIEWS) $("view-" + v).classList.toggle("hidden", v !== name);
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.view === name);
  history.replaceState(null, "", "#" + name);
  if (name === "reports") Reports.load();
  if (name === "followups") Admin.followups();
  if (name === "devices") Admin.devices();
  if (name === "users") Admin.users();
  if (name === "audit") Admin.audit();
  if (name === "ops") Ops.load();
  if (name === "bookings") Bookings.load();
}

// ---- live state --------------------------------------------------------------------
let alertsLoaded = false;

function onSnapshot(snap) {
  M.windows = Object.fromEntries(snap.windows.map((w) => [w.id, w]));
  M.windowOrder = snap.windows.map((w) => w.id);
  M.queues = snap.queues;
  if (document.activeElement !== $("notice")) $("notice").value = snap.hall.notice || "";
  if (!alertsLoaded) { alertsLoaded = true; loadRecentAlerts(snap.event_id); }
  renderLive();
}

async function loadRecentAlerts(lastId) {
  try {
    const events = await HQ.api("GET", `/api/events?after=${Math.max(0, lastId - 1000)}&limit=1000`);
    for (const e of events) if (e.type === "alert") addAlert(e, false);
    renderAlerts();
  } catch (err) { /* alerts arrive live anyway */ }
}

let todayTimer = null;
function onEvent(name, data) {
  if (data.queues) M.queues = data.queues;
  if (data.window && data.window.id && data.window.state) M.windows[data.window.id] = data.window;
  if (name === "alert") { addAlert(data, true); renderAlerts(); }
  if (name === "hall.changed" && document.activeElement !== $("notice")) $("notice").value = data.hall.notice || "";
  if (name === "device.changed") Admin.deviceChanged(data.device);
  if (name === "rating.received" && data.followup) {
    HQ.toast(`${data.ticket.number} 在 ${data.window.number} 号窗口收到差评 (${data.score} 分), 已生成回访`, "error");
    Admin.followups(true);
  }
  if (name === "followup.changed" || name.startsWith("rating.appeal")) Admin.followups(true);
  Ops.onEvent(name);
  if (name.startsWith("ticket.") && !todayTimer) todayTimer = setTimeout(refreshToday, 4000);
  renderLive();
}

async function refreshToday() {
  todayTimer = null;
  try { M.today = await HQ.api("GET", "/api/reports/daily"); } catch (err) { M.today = null; }
  renderKpis();
}

// ---- rendering -------------------------------------------------------------------
function kpi(label, value, sub, tone) {
  return HQ.h("div", { class: "kpi " + (tone || "") }, HQ.h("small", {}, label), HQ.h("strong", {}, value),
               sub ? HQ.h("span", { class: "sub" }, sub) : null);
}

function renderKpis() {
  const waiting = M.queues.reduce((n, q) => n + q.waiting, 0);
  const ws = Object.values(M.windows);
  const open = ws.filter((w) => w.state === "open").length;
  const t = M.today;
  const share = t ? t.one_window_share : null;
  const within = t ? t.served_within_15_min : null;
  $("kpis").replaceChildren(
    kpi("正在等候", waiting, "人", waiting > 40 ? "warn" : ""),
    kpi("开放窗口", `${open}/${ws.length}`, ws.filter((w) => w.state === "paused").length + " 个暂停"),
    kpi("今日办结", t ? t.totals.served : "—", t ? `取号 ${t.totals.issued}` : ""),
    kpi("平均等候", t ? HQ.num(t.totals.avg_wait_min) : "—", "分钟"),
    kpi("一窗受理率", HQ.pct(share), "目标 ≥ 90%", share === null ? "" : share >= 0.9 ? "good" : "bad"),
    kpi("15分钟内叫号", HQ.pct(within), "", within === null ? "" : within >= 0.8 ? "good" : "warn"));
}

function renderLive() {
  renderKpis();
  const total = M.queues.reduce((n, q) => n + q.waiting, 0);
  $("waiting-total").textContent = `共 ${total} 人等候`;
  $("queue-list").replaceChildren(...M.queues.map((q) => {
    const limit = q.surge_minutes || 30;
    const eta = q.eta_minutes || 0;
    const tone = eta > limit ? "surge" : eta > 0.7 * limit ? "warn" : "";
    return HQ.h("div", { class: "queue-row " + tone, "data-queue": q.id },
      HQ.h("span", { class: "prefix" }, q.id), HQ.h("span", { class: "name", title: q.name }, q.name),
      HQ.h("span", { class: "waiting" }, q.waiting),
      HQ.h("div", { class: "eta" }, HQ.h("div", { class: "track" },
        HQ.h("div", { class: "fill", style: `width:${Math.min(100, (100 * eta) / (1.5 * limit))}%` })),
        q.eta_minutes === null ? "—" : `约 ${q.eta_minutes} 分`));
  }));
  const ws = M.windowOrder.map((id) => M.windows[id]);
  $("windows-open").textContent = `${ws.filter((w) => w.state === "open").length} 个开放`;
  $("window-grid").replaceChildren(...ws.map(windowTile));
  renderAlerts();  // a suggestion turns into "opened" once its window is open
}

function windowTile(w) {
  const t = w.ticket;
  const ops = [];
  const op = (label, fn, cls) => HQ.h("button", { class: "btn " + (cls || ""), type: "button", onclick: fn }, label);
  if (w.state === "open") ops.push(op("暂停", () => windowAction(w, "pause")));
  if (w.state === "paused") ops.push(op("恢复", () => windowAction(w, "resume")));
  if (w.state === "closed") ops.push(op("开启", () => openDialog(w), "primary"));
  else if (!t) ops.push(op("关闭", () => windowAction(w, "close"), "danger"));
  ops.push(op("配置", () => profileDialog(w)));
  return HQ.h("div", { class: `win ${w.state} ${w.kind}`, "data-window": w.id },
    HQ.h("div", { class: "top" }, HQ.h("span", { class: "no" }, `${w.number}号`, HQ.h("small", {}, KIND_SHORT[w.kind] || w.kind)),
          HQ.h("span", { class: "pill " + w.state }, STATE_NAMES[w.state])),
    HQ.h("div", { class: "line", title: w.queues.map((q) => `${q} ×${w.profile[q]}`).join("  ") }, queueLine(w)),
    HQ.h("div", { class: "line" }, w.clerk ? "在岗: " + w.clerk : "无人在岗"),
    t ? HQ.h("div", { class: "held " + t.status }, `${t.number} ${STATUS_NAMES[t.status]}`)
      : HQ.h("div", { class: "line" }, w.state === "open" ? "空闲" : "—"),
    HQ.h("div", { class: "ops" }, ops));
}

function queueLine(w) {
  if (!w.queues.length) return "未配置队列";
  const main = w.queues.filter((q) => w.profile[q] >= 0.5);
  const side = w.queues.length - main.length;
  return "队列 " + (main.length ? main.join(" · ") : w.queues.join(" · ")) + (main.length && side ? ` +${side}兼办` : "");
}

// ---- alerts ---------------------------------------------------------------------------
function addAlert(a, fresh) {
  if (M.alerts.some((x) => x.event_id === a.event_id)) return;
  M.alerts.unshift(a);
  M.alerts = M.alerts.slice(0, 40);
  if (fresh) HQ.toast(a.message, a.kind === "surge" ? "error" : "");
}

function renderAlerts() {
  const list = $("alerts");
  if (!M.alerts.length) { list.replaceChildren(HQ.h("li", { class: "muted empty" }, "暂无告警")); return; }
  list.replaceChildren(...M.alerts.map((a) => {
    const s = a.suggestion;
    let button = null;
    const w = s && M.windows[s.window];
    if (s && s.action === "open" && w && w.state !== "closed") {
      button = HQ.h("small", { class: "muted" }, ` (${w.number} 号窗口已开启)`);
    } else if (s && s.action === "open") {
      button = HQ.h("button", { class: "btn small primary", type: "button", onclick: () => acceptSuggestion(a) },
        `一键开启 ${w ? w.number : s.window} 号窗口办理 ${s.queues.join("、")}`);
    }
    return HQ.h("li", { class: "alert " + a.kind }, HQ.h("time", {}, HQ.hhmm(a.at)), a.message, button);
  }));
}

async function acceptSuggestion(a) {
  try {
    await HQ.api("POST", `/api/windows/${a.suggestion.window}/open`, { queues: a.suggestion.queues });
    HQ.toast("已开启潮汐窗口", "ok");
    renderAlerts();
  } catch (err) { HQ.toast(err.message, "error"); }
}

// ---- window actions ------------------------------------------------------------------
async function windowAction(w, action, body) {
  try {
    const r = await HQ.api("POST", `/api/windows/${w.id}/${action}`, body || {});
    if (r.window) M.windows[r.window.id] = r.window;
    renderLive();
    return r;
  } catch (err) { HQ.toast(err.message, "error"); return null; }
}

let dialogWindow = null;
function openDialog(w) {
  dialogWindow = w;
  $("open-window-name").textContent = w.name;
  $("open-error").textContent = "";
  document.querySelector('input[name="open-mode"][value="auto"]').checked = true;
  document.querySelector('input[name="open-mode"][value="auto"]').parentElement.lastChild.textContent =
    w.kind === "tidal" ? " 由系统选择压力最大的队列" : " 按原业务配置开启";
  $("open-queues").replaceChildren(...M.queues.map((q) => HQ.h("label", {},
    HQ.h("input", { type: "checkbox", value: q.id, onchange: () => {
      document.querySelector('input[name="open-mode"][value="pick"]').checked = true; } }),
    `${q.id} ${q.name} (${q.waiting})`)));
  $("open-dialog").showModal();
}

async function confirmOpen(e) {
  e.preventDefault();
  const mode = document.querySelector('input[name="open-mode"]:checked').value;
  const queues = Array.from(document.querySelectorAll("#open-queues input:checked"), (i) => i.value);
  if (mode === "pick" && !queues.length) { $("open-error").textContent = "请至少选择一个队列"; return; }
  $("open-dialog").close("ok");
  const r = await windowAction(dialogWindow, "open", mode === "pick" ? { queues } : {});
  if (r) HQ.toast(`${r.window.number} 号窗口已开启, 办理 ${r.window.queues.join("、")}`, "ok");
}

function profileDialog(w) {
  dialogWindow = w;
  $("profile-window-name").textContent = w.name;
  $("profile-error").textContent = "";
  $("profile-weights").replaceChildren(...M.queues.map((q) => HQ.h("label", {}, `${q.id} ${q.name}`,
    HQ.h("input", { type: "number", min: "0", max: "100", step: "0.5", "data-queue": q.id, value: w.profile[q.id] || 0 }))));
  $("profile-dialog").showModal();
}

async function confirmProfile(e) {
  e.preventDefault();
  const profile = {};
  for (const input of document.querySelectorAll("#profile-weights input")) {
    const v = parseFloat(input.value);
    if (v > 0) profile[input.dataset.queue] = v;
  }
  if (!Object.keys(profile).length) { $("profile-error").textContent = "至少要办理一个队列"; return; }
  $("profile-dialog").close("ok");
  if (await windowAction(dialogWindow, "profile", { profile })) HQ.toast("业务配置已保存", "ok");
}

async function saveNotice() {
  try {
    await HQ.api("POST", "/api/notice", { notice: $("notice").value.trim() });
    HQ.toast("通知已发布到综合屏", "ok");
  } catch (err) { HQ.toast(err.message, "error"); }
}

function bind() {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showView(b.dataset.view));
  $("open-ok").addEventListener("click", confirmOpen);
  $("profile-ok").addEventListener("click", confirmProfile);
  $("notice-save").addEventListener("click", saveNotice);
  $("alerts-clear").addEventListener("click", () => { M.alerts = []; renderAlerts(); });
  HQ.startClock("clock", { second: "2-digit" });
}

document.addEventListener("DOMContentLoaded", () => {
  bind();
  HQ.staffLogin({ roles: ["manager", "admin"], denied: "此账号没有大厅管理权限", onEnter: enter });
});
