/* The citizen pages' layer over hub/static/hallq (kiosk, query terminal,
   phone page): the two languages (strings in i18n.js), catalog fields in the
   current language, the QR and wait texts. */
"use strict";
(function () {
  const HQ = window.HQ;
  const STRINGS = window.HQ_STRINGS;
  HQ.langListeners = [];

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
    (root || document).querySelectorAll("[data-zh]").forEach((el) => {
      el.textContent = HQ.lang === "en" && el.dataset.en ? el.dataset.en : el.dataset.zh;
    });
  };

  HQ.setLang = function (lang) {
    HQ.lang = lang === "en" ? "en" : "zh";
    document.documentElement.lang = HQ.lang === "en" ? "en" : "zh-CN";
    document.body.classList.toggle("lang-en", HQ.lang === "en");
    HQ.applyLang(document);
    HQ.langListeners.forEach((fn) => fn(HQ.lang));
  };

  /* A kiosk or query terminal is set up once with /kiosk?key=KEY (its device key from the hall
     file): the key is kept in localStorage and taken out of the address bar, and every API call
     without a staff token carries it as X-Device-Key (api.js), so the hub counts this screen as a
     kiosk, not as a phone. */
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

  /* A booking's code as typed ("1234 5678", "1234-5678") or scanned from the booking's QR, which
     a keyboard-emulating scanner types as the manage page's address (…/b/12345678). */
  HQ.bookingCode = function (text) {
    const s = String(text || "").trim();
    const scanned = s.match(/\/b\/([0-9 -]+)/);
    return (scanned ? scanned[1] : s).replace(/[\s-]/g, "");
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
})();
