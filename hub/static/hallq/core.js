/* hallq's pages, shared by every one of them (kiosk, query terminal, phone
   page, caller, manager, back office, board): the HQ namespace, building the
   DOM without innerHTML, the hub's clock, the connection banner and toasts.
   api.js (the JSON API) and live.js (the Socket.IO line) build on it. */
"use strict";
(function () {
  const HQ = (window.HQ = window.HQ || {});
  HQ.lang = HQ.lang || "zh";  // "zh" or "en"; the citizen pages switch it (citizen.js)
  HQ.params = new URLSearchParams(location.search);

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

  HQ.esc = (value) => String(value == null ? "" : value).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  HQ.debounce = function (fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  };

  /* crypto.randomUUID needs a secure context; a hall LAN is plain http */
  HQ.randomKey = function () {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  /* The hub's clock, learnt from each snapshot and event: pages show hall time,
     not the browser's. */
  HQ.clockOffset = 0;  // hub time - browser time, in ms
  HQ.timeZone = document.body.dataset.tz || "Asia/Shanghai";
  HQ.syncClock = function (iso) {
    const t = Date.parse(iso || "");
    if (!Number.isNaN(t)) HQ.clockOffset = t - Date.now();
  };
  HQ.now = () => Date.now() + HQ.clockOffset;
  HQ.hallTime = function (options) {
    const opts = Object.assign({ hour: "2-digit", minute: "2-digit", hour12: false, timeZone: HQ.timeZone }, options || {});
    const when = new Date(HQ.now());
    try {
      return when.toLocaleTimeString(HQ.lang === "en" ? "en-GB" : "zh-CN", opts);
    } catch (e) {
      return when.toLocaleTimeString();
    }
  };
  HQ.startClock = function (id, options) {
    const tick = () => { const el = document.getElementById(id); if (el) el.textContent = HQ.hallTime(options); };
    tick();
    return setInterval(tick, 1000);
  };

  /* The connection banner (#live-banner in the base template): shown while any
     reason for it holds (the live line down, a press waiting for the hub). */
  let bannerReasons = 0;
  HQ.banner = function (show) {
    bannerReasons = Math.max(0, bannerReasons + (show ? 1 : -1));
    const el = document.getElementById("live-banner");
    if (el) el.hidden = bannerReasons === 0;
    document.body.classList.toggle("offline", bannerReasons > 0);
  };

  HQ.toast = function (message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = HQ.h("div", { class: "toast " + (kind || "") }, message);
    box.append(el);
    setTimeout(() => el.remove(), kind === "error" ? 6000 : 3500);
  };
})();
