/* Shared by the back office and supervision pages: the API with the staff
   token, login and logout, the live connection, dates and small helpers. */
"use strict";

const BO = (() => {
  const TOKEN_KEY = "hallq.backoffice.token";
  const $ = (id) => document.getElementById(id);

  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    const t = token();
    if (t) headers.Authorization = "Bearer " + t;
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Idempotency-Key"] = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw Object.assign(new Error("无法连接主机, 请检查网络"), { status: 0 });
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = (data.error && data.error.message) || ("请求失败 " + response.status);
      throw Object.assign(new Error(message), { status: response.status, code: data.error && data.error.code });
    }
    return data;
  }

  async function login(user, pin) {
    const data = await api("POST", "/api/login", { user, pin });
    sessionStorage.setItem(TOKEN_KEY, data.token);
    return me();
  }

  async function logout() {
    try { await api("POST", "/api/logout", {}); } catch (err) { /* already gone */ }
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  }

  async function me() {
    if (!token()) return null;
    try {
      return await api("GET", "/api/me");
    } catch (err) {
      if (err.status === 401) { sessionStorage.removeItem(TOKEN_KEY); return null; }
      throw err;
    }
  }

  /* Socket.IO as staff; `handlers` maps event names to callbacks. */
  function live(handlers, onState) {
    if (typeof io !== "function") return null;
    const socket = io({ auth: { token: token() }, transports: ["websocket", "polling"] });
    socket.on("connect", () => onState && onState(true));
    socket.on("disconnect", () => onState && onState(false));
    Object.entries(handlers).forEach(([name, fn]) => socket.on(name, fn));
    return socket;
  }

  function dateTime(iso) {
    if (!iso) return "";
    return iso.slice(0, 10) + " " + iso.slice(11, 16);
  }

  function daysLeft(c) {
    if (c.clock_stopped) return { text: "补正中 · 暂停计时", cls: "stopped" };
    if (c.days_left == null) return { text: c.on_time === false ? "超期办结" : "已办结", cls: "" };
    if (c.days_left < 0) return { text: "超期 " + (-c.days_left) + " 个工作日", cls: "overdue" };
    if (c.standing === "due_soon") return { text: c.days_left === 0 ? "今天到期" : "剩 " + c.days_left + " 个工作日", cls: "due_soon" };
    return { text: "剩 " + c.days_left + " 个工作日", cls: "" };
  }

  function toast(message, bad) {
    const el = document.createElement("div");
    el.className = "toast" + (bad ? " bad" : "");
    el.textContent = message;
    document.body.appendChild(el);
    setTimeout(() => el.remove(), bad ? 5000 : 2500);
  }

  function clock(el) {
    const tick = () => { el.textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false }); };
    tick();
    setInterval(tick, 1000);
  }

  function bindLogin(onReady, roles) {
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      $("login-error").textContent = "";
      try {
        const who = await login($("login-user").value.trim(), $("login-pin").value);
        if (roles && !roles.includes(who.role)) {
          $("login-error").textContent = "此页面需要" + (roles.includes("backoffice") ? "后台审批或大厅负责人" : "大厅负责人") + "账号";
          sessionStorage.removeItem(TOKEN_KEY);
          return;
        }
        onReady(who);
      } catch (err) {
        $("login-error").textContent = err.message;
      }
    });
    $("logout").addEventListener("click", logout);
  }

  return { $, esc, api, me, live, dateTime, daysLeft, toast, clock, bindLogin };
})();
