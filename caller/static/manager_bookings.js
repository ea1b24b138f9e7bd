/* The manager's 预约 tab: the day's bookings (names, masked phones, slot, state), the blackouts
   (暂停预约) with their removal, and after adding one the bookings inside it, listed for notice. */
"use strict";

const Bookings = (() => {
  const $ = (id) => document.getElementById(id);
  const h = (...a) => HQ.h(...a);
  const STATES = { booked: ["已预约", "called"], checked_in: ["已签到", "ok"], late: ["迟到改普通号", "warn"],
                   cancelled: ["已取消", "off"], no_show: ["爽约", "bad"] };

  function slot(b) { return `${b.start.slice(11, 16)}–${b.end.slice(11, 16)}`; }

  function table(id, rows, empty) {
    const head = h("tr", {}, ...["时段", "事项", "姓名", "手机", "状态"].map((x) => h("th", {}, x)));
    $(id).replaceChildren(h("thead", {}, head), h("tbody", {}, rows.length ? rows.map((b) => {
      const [name, tone] = STATES[b.state] || [b.state, "off"];
      return h("tr", { "data-booking": b.id },
        h("td", {}, id === "affected" ? `${b.start.slice(5, 10)} ${slot(b)}` : slot(b)), h("td", {}, b.matter_name),
        h("td", {}, b.name), h("td", {}, b.phone), h("td", {}, h("span", { class: "pill " + tone }, name)));
    }) : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, empty))]));
  }

  async function load() {
    const date = $("bookings-date").value;
    try {
      const day = await HQ.api("GET", "/api/appointments" + (date ? "?date=" + date : ""));
      $("bookings-date").value = day.date;
      $("bookings-count").textContent = `${day.appointments.length} 个预约`;
      table("bookings", day.appointments, "这一天没有预约");
      renderBlackouts((await HQ.api("GET", "/api/appointments/blackouts")).blackouts);
    } catch (err) { HQ.toast(err.message, "error"); }
  }

  function renderBlackouts(rows) {
    const head = h("tr", {}, ...["日期", "原因", ""].map((x) => h("th", {}, x)));
    $("blackouts").replaceChildren(h("thead", {}, head), h("tbody", {}, rows.length ? rows.map((b) => h("tr",
      { "data-blackout": b.id }, h("td", {}, b.from === b.to ? b.from : `${b.from} 至 ${b.to}`), h("td", {}, b.reason),
      h("td", { class: "actions-cell" }, h("button", { class: "btn small", type: "button", "data-action": "remove",
                                                      onclick: () => remove(b) }, "恢复预约"))))
      : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "没有暂停预约的日期"))]));
  }

  async function add(e) {
    e.preventDefault();
    const body = { from: $("blackout-from").value, to: $("blackout-to").value || $("blackout-from").value,
                   reason: $("blackout-reason").value.trim() };
    const r = await HQ.request("POST", "/api/appointments/blackouts", body);
    $("blackout-error").textContent = r.ok ? "" : r.message;
    if (!r.ok) return;
    $("affected-card").classList.remove("hidden");
    $("affected-what").textContent = `${body.from === body.to ? body.from : body.from + " 至 " + body.to} · ${body.reason}` +
      ` · ${r.data.affected.length} 个预约`;
    table("affected", r.data.affected, "期间没有已预约的群众");
    $("blackout-form").reset();
    load();
  }

  async function remove(b) {
    const r = await HQ.request("POST", `/api/appointments/blackouts/${b.id}/remove`, {});
    if (!r.ok) { HQ.toast(r.message, "error"); return; }
    renderBlackouts(r.data.blackouts);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("bookings-date").addEventListener("change", load);
    $("blackout-form").addEventListener("submit", add);
  });
  return { load };
})();
