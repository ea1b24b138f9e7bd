/* The back office and supervision pages' words over hub/static/hallq: dates,
   the working days a case has left, and the helpers both pages take from HQ. */
"use strict";

const BO = (() => {
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

  const $ = (id) => document.getElementById(id);
  const toast = (message, bad) => HQ.toast(message, bad ? "error" : "ok");

  return { $, esc: HQ.esc, api: HQ.api, dateTime, daysLeft, toast };
})();
