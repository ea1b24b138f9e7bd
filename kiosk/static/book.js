/* The citizen's booking page (/book) and manage page (/b/CODE): matter → day →
   slot → name and phone → the 8-digit code and its QR; see docs/appointments.md. */
"use strict";
(function () {
  Object.assign(window.HQ_STRINGS.zh, {
    book_title: "网上预约", book_pick_matter: "1. 选择事项", book_pick_day: "2. 选择日期",
    book_pick_slot: "3. 选择时段", book_who: "4. 填写预约人", book_name: "姓名", book_phone: "手机号码",
    book_privacy: "手机号仅用于预约核对，加密保存，到期自动删除", book_submit: "确认预约",
    book_done: "预约成功", book_code: "预约码 (到大厅取号机签到时输入)", book_manage: "查看或取消预约",
    book_mine: "我的预约", book_cancel: "取消预约", book_cancelled: "预约已取消，名额已释放",
    book_no_slots: "这一天没有可预约的时段，请换一天", book_left: "余 {n}", book_full: "已满",
    book_checkin: "请在 {from} 以后到大厅，在取号机选择「预约签到」并输入预约码",
    book_none: "本大厅暂无可网上预约的事项", state_booked: "已预约", state_checked_in: "已签到取号",
    state_cancelled: "已取消", state_no_show: "未按时签到 (爽约)", state_late: "迟到，已改取普通号",
  });
  Object.assign(window.HQ_STRINGS.en, {
    book_title: "Book an appointment", book_pick_matter: "1. Choose a service", book_pick_day: "2. Choose a day",
    book_pick_slot: "3. Choose a time", book_who: "4. Who is coming", book_name: "Name", book_phone: "Mobile number",
    book_privacy: "Your number is used only to check the booking, stored encrypted and deleted after it",
    book_submit: "Book", book_done: "Booked", book_code: "Booking code (type it at the hall's kiosk)",
    book_manage: "See or cancel the booking", book_mine: "My booking", book_cancel: "Cancel the booking",
    book_cancelled: "Cancelled: the place is free again", book_no_slots: "No times left on this day: choose another",
    book_left: "{n} left", book_full: "Full",
    book_checkin: "Come to the hall after {from}, choose “Appointment check-in” at the kiosk and type the code",
    book_none: "Nothing can be booked online in this hall", state_booked: "Booked",
    state_checked_in: "Checked in", state_cancelled: "Cancelled", state_no_show: "Missed", state_late: "Late (normal ticket)",
  });
  const $ = (id) => document.getElementById(id);
  const h = HQ.h;
  const pick = { matter: null, day: null, slot: null };
  let catalog = null;

  function showError(message) {
    $("book-error").hidden = !message;
    $("book-error").textContent = message || "";
  }

  function timeOf(iso) { return iso.slice(11, 16); }
  function spaced(code) { return code.replace(/(\d{4})(?=\d)/g, "$1 "); }
  function dayLabel(text) {
    const d = new Date(text + "T12:00:00");
    const week = HQ.lang === "en" ? d.toLocaleDateString("en", { weekday: "short" })
      : "周" + "日一二三四五六"[d.getDay()];
    return text.slice(5).replace("-", "/") + " " + week;
  }

  function choice(label, selected, onclick, disabled) {
    return h("button", { type: "button", class: "choice", role: "listitem", "aria-pressed": String(selected),
                         disabled: disabled || undefined, onclick }, label);
  }

  function renderMatters() {
    const list = catalog.matters.map((m) => choice(HQ.pick(m, "name"), pick.matter === m.id, () => {
      Object.assign(pick, { matter: m.id, day: null, slot: null });
      render();
    }));
    HQ.fill($("matters"), list.length ? list : h("p", { class: "hint" }, HQ.t("book_none")));
  }

  function renderDays() {
    $("step-day").hidden = !pick.matter;
    HQ.fill($("days"), catalog.days.map((d) => choice(dayLabel(d), pick.day === d, () => {
      Object.assign(pick, { day: d, slot: null });
      render();
      loadSlots();
    })));
  }

  async function loadSlots() {
    const r = await HQ.request("GET", `/api/appointments/slots?matter=${encodeURIComponent(pick.matter)}&date=${pick.day}`);
    if (!r.ok) return showError(r.message);
    showError("");
    const open = r.data.slots.filter((s) => s.open !== false);
    $("slots-none").hidden = open.some((s) => s.left > 0);
    HQ.fill($("slots"), open.map((s) => choice(
      `${timeOf(s.start)}–${timeOf(s.end)} · ${s.left > 0 ? HQ.t("book_left", { n: s.left }) : HQ.t("book_full")}`,
      pick.slot === s.start, () => { pick.slot = s.start; render(); loadSlots(); }, s.left <= 0)));
    $("step-slot").hidden = false;
  }

  function render() {
    renderMatters();
    renderDays();
    $("step-slot").hidden = !pick.day;
    $("step-who").hidden = !pick.slot;
  }

  async function submit(event) {
    event.preventDefault();
    $("submit").disabled = true;
    const body = { matter: pick.matter, start: pick.slot, name: $("name").value.trim(), phone: $("phone").value.trim() };
    const r = await HQ.request("POST", "/api/appointments", body);
    $("submit").disabled = false;
    if (!r.ok) { showError(r.message); if (r.status === 409) loadSlots(); return; }
    showError("");
    ["step-matter", "step-day", "step-slot", "step-who"].forEach((id) => { $(id).hidden = true; });
    const b = r.data;
    $("done-what").textContent = `${b.matter_name} · ${b.start.slice(0, 10)} ${timeOf(b.start)}–${timeOf(b.end)}`;
    $("done-code").textContent = spaced(b.code);
    $("done-qr").src = HQ.qrSrc(b.manage_url);
    $("done-qr").alt = HQ.t("book_code") + " " + b.code;
    $("done-checkin").textContent = HQ.t("book_checkin", { from: timeOf(b.checkin_from) });
    $("done-manage").href = "/b/" + b.code;  // this hub serves it; the QR carries the public address
    $("done").hidden = false;
  }

  async function manage(code) {
    ["step-matter", "step-day", "step-slot", "step-who"].forEach((id) => { $(id).hidden = true; });
    const r = await HQ.request("GET", "/api/appointments/by-code/" + encodeURIComponent(code));
    if (!r.ok) return showError(r.message);
    const b = r.data;
    $("manage-what").textContent = `${b.matter_name} · ${b.start.slice(0, 10)} ${timeOf(b.start)}–${timeOf(b.end)}`;
    $("manage-state").textContent = HQ.t("state_" + b.state);
    $("manage-code").textContent = spaced(code);
    $("cancel").hidden = b.state !== "booked";
    $("cancel").onclick = async () => {
      const c = await HQ.request("POST", `/api/appointments/${b.id}/cancel`, { code });
      if (!c.ok) return showError(c.message);
      $("manage-state").textContent = HQ.t("book_cancelled");
      $("cancel").hidden = true;
    };
    $("manage").hidden = false;
  }

  async function start() {
    $("lang").addEventListener("click", () => HQ.setLang(HQ.lang === "zh" ? "en" : "zh"));
    HQ.langListeners.push(() => { if (catalog) render(); });
    if ((HQ.params && HQ.params.get("lang") === "en")) HQ.setLang("en"); else HQ.applyLang(document);
    const code = document.body.dataset.code;
    if (code) return manage(code);
    const r = await HQ.request("GET", "/api/appointments/matters");
    if (!r.ok) return showError(r.message);
    catalog = r.data;
    $("who").addEventListener("submit", submit);
    render();
  }

  start();
})();
