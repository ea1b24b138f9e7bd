/* The hub's JSON API, one client for every page.

   HQ.request(method, path, body, opts) never throws: it resolves to
   {ok, status, code, data, message}, `message` being the hub's error message
   (in the page's language: Accept-Language follows HQ.lang) or a network
   one. HQ.api(...) is the same call that returns the data and throws an
   HQ.ApiError(status, code, message) instead.

   Every write carries an Idempotency-Key. With `retry` (the staff consoles
   set HQ.retryMs) a write that cannot reach the hub is sent again with the
   same key until it gets an answer, under the connection banner: the hub
   replays the first answer, so a press never acts twice.

   opts: token (a bearer token; default the page's login, HQ.session; without one a
   kiosk's screen sends its device key, HQ.deviceKey),
   noCookie (send no session cookie), retry (default: writes, when HQ.retryMs). */
"use strict";
(function () {
  const HQ = window.HQ;
  const TEXT = {
    zh: { offline: "无法连接大厅主机，请稍后再试", failed: "操作未成功 ({status})，请稍后再试" },
    en: { offline: "Cannot reach the hall's system, please try again shortly",
          failed: "That did not work ({status}), please try again" },
  };
  const text = (key, status) => (TEXT[HQ.lang] || TEXT.zh)[key].replace("{status}", status);
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  HQ.retryMs = 0;

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }
  HQ.ApiError = ApiError;

  /* The page's staff login: a bearer token kept for this tab (sessionStorage)
     under the name the template gives (data-session on <body>); the citizen
     pages have none. */
  const sessionKey = document.body.dataset.session ? "hallq." + document.body.dataset.session + ".token" : null;
  HQ.session = {
    get token() { return sessionKey && sessionStorage.getItem(sessionKey); },
    set(token) {
      if (!sessionKey) return;
      if (token) sessionStorage.setItem(sessionKey, token); else sessionStorage.removeItem(sessionKey);
    },
  };

  HQ.request = async function (method, path, body, opts) {
    const options = opts || {};
    const headers = { Accept: "application/json", "Accept-Language": HQ.lang === "en" ? "en" : "zh-CN" };
    const token = options.token !== undefined ? options.token : HQ.session.token;
    if (token) headers.Authorization = "Bearer " + token;
    else if (HQ.deviceKey) headers["X-Device-Key"] = HQ.deviceKey;  // a kiosk's screen (citizen.js)
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["Idempotency-Key"] = HQ.randomKey();
    const retry = options.retry !== undefined ? options.retry : method !== "GET" && HQ.retryMs > 0;
    const deadline = Date.now() + (retry ? HQ.retryMs : 0);
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                   credentials: options.noCookie ? "omit" : "same-origin", cache: "no-store" };
    let waiting = false;
    try {
      for (;;) {
        let res;
        try {
          res = await fetch(path, init);
        } catch (err) {
          if (Date.now() < deadline) {
            if (!waiting) { waiting = true; HQ.banner(true); }
            await sleep(1000);
            continue;
          }
          return { ok: false, status: 0, code: "network", data: null, message: text("offline") };
        }
        if ([502, 503, 504].includes(res.status) && Date.now() < deadline) { await sleep(1000); continue; }
        const data = await res.json().catch(() => null);
        const error = (data && data.error) || {};
        return { ok: res.ok, status: res.status, data, code: res.ok ? null : error.code || "http_" + res.status,
                 message: res.ok ? "" : error.message || text("failed", res.status) };
      }
    } finally {
      if (waiting) HQ.banner(false);
    }
  };

  HQ.api = async function (method, path, body, opts) {
    const res = await HQ.request(method, path, body, opts);
    if (!res.ok) throw new ApiError(res.status, res.code, res.message);
    return res.data;
  };
})();
