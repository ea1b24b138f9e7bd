/* Shared by the kiosk, the query terminal and the phone page: language,
   DOM building without innerHTML, the JSON API, and the live Socket.IO line
   with its "正在连接…" banner. */
"use strict";
(function () {
  const HQ = (window.HQ = { lang: "zh", langListeners: [] });
  const STRINGS = window.HQ_STRINGS;

  HQ.t = function (key, params) {
    const table = STRINGS[HQ.lang] || STRINGS.zh;
    const text = key in table ? table[key] : STRINGS.zh[key] !== undefined ? STRINGS.zh[key] : key;
    return text.replace(/\{(\w+)\}/g, (m, k) => (params && k in params ? params[k] : m));
  };

  /* A field of a catalog object in the current language: name -> name_en. */
  HQ.pick = function (obj, name) {
    if (!obj) return "";
    const en = obj[name + "_en"];
    return HQ.lang === "en" && en ? en : obj[name];
  };

  HQ.applyLang = function (root) {
    (root || document).querySelectorAll("[data-t]").forEach((el) => { el.textContent = HQ.t(el.dataset.t); });
    (root || document).querySelectorAll("[data-t-placeholder]").forEach((el) => {
      el.placeholder = HQ.t(el.dataset.tPlaceholder);
    });
  };

  HQ.setLang = function (lang) {
    HQ.lang = lang === "en" ? "en" : "zh";
    document.documentElement.lang = HQ.lang === "en" ? "en" : "zh-CN";
    document.body.classList.toggle("lang-en", HQ.lang === "en");
    HQ.applyLang(document);
    HQ.langListeners.forEach((fn) => fn(HQ.lang));
  };

  /* h("div", {class: "x", onclick: f, dataset: {id: 1}}, "text", childNode, [more]) */
  HQ.h = function (tag, props, ...children) {
    const el = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : v);
    });
    children.flat(Infinity).forEach((c) => {
      if (c === null || c === undefined || c === false) return;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    });
    return el;
  };

  HQ.fill = function (el, ...children) {
    el.replaceChildren();
    children.flat(Infinity).forEach((c) => { if (c !== null && c !== undefined && c !== false) el.append(c); });
    return el;
  };

  HQ.debounce = function (fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  };

  /* A kiosk or query terminal is set up once with /kiosk?key=KEY (its device key from the hall
     file): the key is kept in localStorage and taken out of the address bar, and every API call
     carries it as X-Device-Key, so the hub counts this screen as a kiosk, not as a phone. */
  HQ.deviceKey = (function () {
    const url = new URL(location.href);
    const given = url.searchParams.get("key");
    let kept = "";
    try {
      if (given) localStorage.setItem("hallq.deviceKey", given);
      kept = localStorage.getItem("hallq.deviceKey") || "";
    } catch (e) { kept = given || ""; }
    if (given) {
      url.searchParams.delete("key");
      history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
    return kept;
  })();

  /* JSON API call: resolves to {ok, status, data, message}; never throws. */
  HQ.api = async function (method, path, body, opts) {
    const headers = { "Accept-Language": HQ.lang === "en" ? "en" : "zh-CN" };
    const options = opts || {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (options.token) headers.Authorization = "Bearer " + options.token;
    else if (HQ.deviceKey) headers["X-Device-Key"] = HQ.deviceKey;
    if (options.idempotent) headers["Idempotency-Key"] = HQ.randomKey();
    try {
      const res = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: options.noCookie ? "omit" : "same-origin", cache: "no-store",
      });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      const message = data && data.error ? data.error.message : res.ok ? "" : HQ.t("error_generic");
      return { ok: res.ok, status: res.status, data, message };
    } catch (e) {
      return { ok: false, status: 0, data: null, message: HQ.t("offline_action") };
    }
  };

  HQ.randomKey = function () {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  HQ.qrSrc = (data) => "/kiosk/qr.svg?data=" + encodeURIComponent(data);

  /* "约 10–20 分钟" from the ticket's calibrated range when it has one, else "约 12 分钟". */
  HQ.etaText = function (minutes, range) {
    if (minutes === null || minutes === undefined) return "—";
    if (range && range[1] !== null && range[1] > 0) {
      const lo = Math.max(0, Math.round(range[0])), hi = Math.round(range[1]);
      return hi > lo ? HQ.t("eta_range", { lo, hi }) : HQ.t("eta_about", { n: hi });
    }
    const n = Math.round(minutes);
    return n <= 0 ? HQ.t("eta_soon") : HQ.t("eta_about", { n });
  };

  HQ.params = new URLSearchParams(location.search);

  /* The hall's clock (the hub's, learnt from each snapshot) in the hall's time zone. */
  HQ.clockOffset = 0;
  HQ.timeZone = "Asia/Shanghai";
  HQ.hallTime = function (options) {
    const opts = Object.assign({ hour: "2-digit", minute: "2-digit", hour12: false, timeZone: HQ.timeZone }, options || {});
    try {
      return new Date(Date.now() + HQ.clockOffset).toLocaleTimeString(HQ.lang === "en" ? "en-GB" : "zh-CN", opts);
    } catch (e) {
      return new Date(Date.now() + HQ.clockOffset).toLocaleTimeString();
    }
  };

  /* The live line. The banner stays up from a drop until the next snapshot
     (sent by the hub on every connect), so no stale number is ever shown as
     current; pages re-read what they show when onState(true) fires. */
  HQ.live = function (handlers) {
    const banner = document.getElementById("live-banner");
    const live = { synced: false, socket: null };
    const setState = (ok) => {
      const changed = live.synced !== ok;
      live.synced = ok;
      document.body.classList.toggle("offline", !ok);
      if (banner) banner.hidden = ok;
      if (changed && handlers.onState) handlers.onState(ok);
    };
    document.body.classList.add("offline");
    if (banner) banner.hidden = false;
    if (typeof io !== "function") return live;
    const socket = io({ reconnectionDelay: 500, reconnectionDelayMax: 2000, timeout: 5000 });
    live.socket = socket;
    socket.on("snapshot", (snap) => {
      if (snap && snap.now) HQ.clockOffset = Date.parse(snap.now) - Date.now();
      if (handlers.onSnapshot) handlers.onSnapshot(snap || {});
      setState(true);
    });
    socket.on("disconnect", () => setState(false));
    socket.on("connect_error", () => setState(false));
    socket.onAny((type, data) => {
      if (type !== "snapshot" && handlers.onEvent) handlers.onEvent(type, data || {});
    });
    return live;
  };
})();
