/* The clerk's own 差评 today (GET /api/ratings/mine): score, reasons, appeal state, and 申诉 with
   a reason (POST /api/ratings/TICKET/appeal); the manager decides on the manager console. */
"use strict";

const CallerAppeals = (() => {
  const $ = (id) => document.getElementById(id);
  const h = (...a) => HQ.h(...a);
  const APPEAL_NAMES = { pending: "申诉待审核", upheld: "申诉成立", rejected: "申诉不成立" };
  let current = null;  // the rating being appealed

  async function refresh() {
    let mine;
    try { mine = await HQ.api("GET", "/api/ratings/mine"); } catch (err) { return; }
    $("bad-count").textContent = mine.ratings.length ? `${mine.ratings.length} 条` : "";
    $("bad-ratings").replaceChildren(...(mine.ratings.length ? mine.ratings.map(row)
      : [h("p", { class: "muted" }, "今天没有差评")]));
  }

  function row(r) {
    return h("div", { class: "bad-rating", dataset: { ticket: r.ticket_id } },
      h("div", {}, h("b", {}, r.number), ` ${r.matter_name} · ${r.at.slice(11, 16)} · ${r.score} 分`),
      h("div", { class: "reasons" }, r.reasons.length ? r.reasons.join("、") : "未选原因"),
      r.appeal ? h("span", { class: "appeal-state " + r.appeal }, APPEAL_NAMES[r.appeal] || r.appeal)
        : h("button", { class: "btn appeal", type: "button", onclick: () => open(r) }, "申诉"));
  }

  function open(r) {
    current = r;
    $("appeal-ticket").textContent = `${r.number} · ${r.score} 分`;
    $("appeal-reason").value = "";
    $("appeal-error").textContent = "";
    $("appeal-dialog").showModal();
  }

  async function send(e) {
    e.preventDefault();
    const reason = $("appeal-reason").value.trim();
    if (!reason) { $("appeal-error").textContent = "请填写申诉理由"; return; }
    const r = await HQ.request("POST", `/api/ratings/${current.ticket_id}/appeal`, { reason });
    if (!r.ok) { $("appeal-error").textContent = r.message; return; }
    $("appeal-dialog").close("ok");
    HQ.toast(`${current.number} 已提交申诉, 等待负责人审核`, "ok");
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => $("appeal-ok").addEventListener("click", send));
  return { refresh };
})();
