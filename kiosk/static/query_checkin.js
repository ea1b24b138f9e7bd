/* The query terminal's 预约签到: the booking's code, typed on the pad or scanned (a scanner types
   the QR's address and Enter), becomes a ticket as at the kiosk; this terminal has no printer,
   so the ticket stays on the screen with a QR of its status page. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);

  function showError(message) {
    $("checkin-error").textContent = message || "";
    $("checkin-error").hidden = !message;
  }

  async function checkIn() {
    const code = HQ.bookingCode($("checkin-input").value);
    if (!code) { showError(HQ.t("checkin_code")); return; }
    const res = await HQ.request("POST", "/api/tickets", { appointment: code });
    if (!res.ok) { showError(res.message || HQ.t("error_generic")); return; }
    showError("");
    $("checkin-input").value = "";
    const t = res.data;
    HQ.fill($("checkin-result"), h("div", { class: "card ticket-status checkin-ticket" },
      h("p", { class: "ticket-number", id: "checkin-number" }, t.number),
      h("p", { class: "ticket-matter" }, HQ.pick(t, "matter_name")),
      h("p", { class: "status-chip" }, HQ.t("priority_" + t.priority)),
      h("img", { class: "checkin-qr", src: HQ.qrSrc(t.status_url), alt: t.status_url }),
      h("p", { class: "hint" }, HQ.t("checkin_no_printer"))));
  }

  $("checkin-go").addEventListener("click", checkIn);
  $("checkin-input").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); checkIn(); } });
  HQ.padFor($("checkin-pad"), $("checkin-input"), "digits");
})();
