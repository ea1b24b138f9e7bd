/* hallq consoles, shared: API calls (idempotent, retried across a network drop),
   the live link over Socket.IO (snapshot on every connect = resync), the hub's
   clock, toasts and small formatting helpers. */
"use strict";

const HQ = (() => {
  const TOKEN_KEY = "hallq.token";
  const RETRY_MS = 45000;  // how long a press keeps retrying while the hub is unreachable
  let token = sessionStorage.getItem(TOKEN_KEY);
  let clockOffset = 0;  // hub time - browser time, in ms
  let offline = 0;

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function newKey() {  // crypto.randomUUID needs a secure context; a hall LAN is plain http
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function setToken(value) {
    token = value;
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  }

  function banner(show) {
    offline += show ? 1 : -1;
    if (offline < 0) offline = 0;
    const el = document.getElementById("banner");
    if (el) el.classList.toggle("hidden", offline === 0);
  }

  /* One request. A POST carries an Idempotency-Key and, if the hub cannot be
     reached, is sent again with the same key until it gets an answer: the hub
     replays the first answer, so a press never acts twice. */
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["Idempotency-Key"] = newKey();
    const deadline = Date.now() + (method === "GET" ? 0 : RETRY_MS);
    let waiting = false;
    try {
      for (;;) {
        let resp;
        try {
          resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                     credentials: "same-origin" });
        } catch (err) {
          if (Date.now() < deadline) {
            if (!waiting) { waiting = true; banner(true); }
            await sleep(1000);
            continue;
          }
          throw new ApiError(0, "network", "无法连接大厅主机, 请检查网络后重试");
        }
        if ([502, 503, 504].includes(resp.status) && Date.now() < deadline) { await sleep(1000); continue; }
        const data = await resp.json().catch(() => null);
        if (!resp.ok) {
          const e = (data && data.error) || {};
          throw new ApiError(resp.status, e.code || "http_" + resp.status, e.message || "请求失败 (" + resp.status + ")");
        }
        return data;
      }
    } finally {
      if (waiting) banner(false);
    }
  }

  /* The live link. Every (re)connect gets a fresh snapshot from the hub, so a
     console that lost the hub (restart, network) shows the truth again. */
  function live(handlers) {
    const socket = io({ auth: { token }, transports: ["websocket", "polling"], reconnectionDelayMax: 3000 });
    let lastId = 0;
    let shownOffline = false;
    const down = () => { if (!shownOffline) { shownOffline = true; banner(true); } };
    const up = () => { if (shownOffline) { shownOffline = false; banner(false); } };
    down();
    socket.on("connect", up);
    socket.on("disconnect", down);
    socket.on("connect_error", async () => {
      down();
      if (!socket.active) {  // refused by the hub: the login is gone (expired, PIN reset, disabled)
        try { await api("GET", "/api/me"); setTimeout(() => socket.connect(), 2000); }
        catch (err) { if (err.status === 401 && handlers.onLoggedOut) handlers.onLoggedOut(); }
      }
    });
    socket.on("snapshot", (snap) => {
      lastId = snap.event_id || 0;
      syncClock(snap.now);
      handlers.onSnapshot(snap);
    });
    socket.onAny((name, data) => {
      if (name === "snapshot" || !data) return;
      if (data.event_id) {
        if (data.event_id <= lastId) return;  // already in the snapshot
        lastId = data.event_id;
      }
      if (data.at) syncClock(data.at);
      handlers.onEvent(name, data);
    });
    return socket;
  }

  function syncClock(iso) {
    const t = Date.parse(iso);
    if (!Number.isNaN(t)) clockOffset = t - Date.now();
  }
  const now = () => Date.now() + clockOffset;

  function toast(message, kind = "") {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "toast " + kind;
    el.textContent = message;
    box.appendChild(el);
    setTimeout(() => el.remove(), kind === "error" ? 6000 : 3500);
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (h) return `${h}小时${String(m).padStart(2, "0")}分`;
    return `${m}分${String(sec).padStart(2, "0")}秒`;
  }

  function hhmm(iso) {
    if (!iso) return "—";
    return iso.slice(11, 16);
  }

  const pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1).replace(/\.0$/, "") + "%");
  const num = (x, unit = "") => (x === null || x === undefined ? "—" : x + unit);

  function startClock(elementId, timeZone) {
    const tick = () => {
      const el = document.getElementById(elementId);
      if (!el) return;
      const d = new Date(now());
      el.textContent = d.toLocaleTimeString("zh-CN", { hour12: false, timeZone: timeZone || "Asia/Shanghai" });
    };
    tick();
    setInterval(tick, 1000);
  }

  return { api, live, setToken, get token() { return token; }, toast, el, duration, hhmm, pct, num, now,
           startClock, banner, ApiError };
})();

const STATE_NAMES = { open: "开放", paused: "暂停", closed: "关闭" };
const STATUS_NAMES = { waiting: "等待中", called: "已叫号", serving: "办理中", done: "已办结", no_show: "已过号",
                       cancelled: "已取消", expired: "已过期" };
const KIND_NAMES = { comprehensive: "综合受理", professional: "专业", tidal: "潮汐", output: "统一出件",
                     help: "帮办代办", consult: "咨询导办", complaint: "找茬投诉" };
const PRIORITY_NAMES = { green: "绿色通道", appointment: "预约", help: "帮办代办" };
const SCORE_NAMES = { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" };
const ROLE_NAMES = { clerk: "窗口人员", manager: "大厅负责人", admin: "管理员", backoffice: "后台审批", guide: "导办员" };
