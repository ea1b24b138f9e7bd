/* The caller's dialogs: finish with an outcome (补正告知 prints the 一次性告知 slip
   of what is missing), transfer to a queue or a window, and the slip itself. */
"use strict";

const CallerDialogs = (() => {
  const $ = (id) => document.getElementById(id);
  const OUTCOME_KEYS = { "1": "done", "2": "accepted", "3": "incomplete", "4": "rejected" };
  let current = null;  // the ticket a dialog is about

  function chosen(name) {
    const input = document.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : null;
  }

  function showOutcomeParts() {
    const outcome = chosen("outcome");
    $("outcome-missing").classList.toggle("hidden", outcome !== "incomplete");
    $("outcome-reason").classList.toggle("hidden", outcome !== "rejected");
    $("outcome-ok").textContent = outcome === "incomplete" ? "办结并打印告知单" : "确认办结";
  }

  async function outcome(t) {
    current = t;
    const dialog = $("outcome-dialog");
    $("outcome-ticket").textContent = `${t.number} · ${t.matter_name}`;
    $("outcome-error").textContent = "";
    $("reject-reason").value = "";
    $("missing-note").value = "";
    let matter = null;
    try { matter = await matterOf(t.matter); } catch (err) { /* the list stays empty */ }
    const items = matter ? materialsFor(matter, t.situation) : [];
    const got = S.received[t.id] || new Set();
    $("missing-list").replaceChildren(...items.map((m) => HQ.h("li", {}, HQ.h("label", {},
      HQ.h("input", { type: "checkbox", value: m, checked: !got.has(m) }), HQ.h("span", {}, m)))));
    const suggested = matter && matter.mode === "promised" ? "accepted" : "done";
    for (const label of document.querySelectorAll(".outcome")) {
      const input = label.querySelector("input");
      input.checked = input.value === suggested;
      label.classList.toggle("suggested", input.value === suggested && suggested !== "done");
    }
    showOutcomeParts();
    dialog.returnValue = "";
    dialog.showModal();
    $("outcome-ok").focus();
  }

  async function confirmOutcome(e) {
    e.preventDefault();
    const t = current;
    const outcome = chosen("outcome");
    const missing = Array.from(document.querySelectorAll("#missing-list input:checked"), (i) => i.value);
    const note = $("missing-note").value.trim();
    let reason = null;
    if (outcome === "incomplete") {
      if (!missing.length) { $("outcome-error").textContent = "请勾选缺少的材料"; return; }
      reason = "缺少材料: " + missing.join("、") + (note ? "; " + note : "");
    }
    if (outcome === "rejected") {
      reason = $("reject-reason").value.trim();
      if (!reason) { $("outcome-error").textContent = "不予受理须填写原因"; return; }
    }
    $("outcome-dialog").close("ok");
    const r = await act("finish", { outcome, reason: reason ? reason.slice(0, 500) : null });
    if (r && outcome === "incomplete") await printCorrection(t, missing, note);
    if (r && outcome === "accepted") await showCase(t);
  }

  /* 受理转后台: the hub made a case of the ticket; offer its receipt (受理回执) to print */
  let receiptUrl = null;
  async function showCase(t) {
    let found = [];
    try { found = await HQ.api("GET", `/api/cases?ticket=${t.id}`); } catch (err) { return; }
    const c = found[0];
    if (!c) return;
    receiptUrl = `/cases/${c.id}/receipt`;
    const el = HQ.h;
    $("slip-title").textContent = "已受理, 转后台审批";
    $("slip-where").textContent = "请打印受理回执交给群众: 回执上有承诺期限和取件码。";
    $("slip-text").replaceChildren(el("div", { class: "paper" },
      el("div", { class: "title" }, c.number),
      el("dl", {}, el("dt", {}, "办理事项"), el("dd", {}, c.matter_name), el("dt", {}, "承办部门"), el("dd", {}, c.department),
         el("dt", {}, "承诺办结"), el("dd", {}, `${c.deadline} 前`), el("dt", {}, "号票"), el("dd", {}, t.number))));
    $("slip-print").textContent = "打印受理回执";
    $("slip-dialog").showModal();
  }

  async function printCorrection(t, missing, note) {
    try {
      const r = await HQ.api("POST", "/api/slips/correction",
        { window: S.windowId, ticket: t.id, missing, note: note || null });
      receiptUrl = null;
      $("slip-title").textContent = "补正材料告知单";
      $("slip-print").textContent = "打印";
      $("slip-text").replaceChildren(slipPaper(r.slip));
      $("print-slip").replaceChildren(slipPaper(r.slip));
      $("slip-where").textContent = r.printer
        ? `已发送到打印机 ${r.printer}。`
        : "本窗口未连接票据打印机: 请点「打印」用本机打印机打印, 或请群众拍照留存。";
      $("slip-dialog").showModal();
    } catch (err) {
      HQ.toast("告知单生成失败: " + err.message, "error");
    }
  }

  /* the slip as paper: the same parts, in the same order, as kiosk/printing.py prints it */
  function slipPaper(slip) {
    const el = HQ.h;
    const matter = slip.situation_name ? `${slip.matter_name}（${slip.situation_name}）` : slip.matter_name;
    return el("div", { class: "paper" },
      el("div", { class: "hall" }, slip.hall),
      el("div", { class: "title" }, "补正材料告知单"),
      el("dl", {}, el("dt", {}, "办理事项"), el("dd", {}, matter),
         el("dt", {}, "号票"), el("dd", {}, slip.ticket_number || ""),
         slip.department ? [el("dt", {}, "主管部门"), el("dd", {}, slip.department)] : null),
      el("div", { class: "rule" }, "请补正以下材料"),
      el("ol", {}, slip.missing.map((m) => el("li", {}, m))),
      slip.note ? [el("div", { class: "rule" }, "说明"), el("p", {}, slip.note)] : null,
      el("dl", { class: "when" }, el("dt", {}, "告知时间"), el("dd", {}, (slip.printed_at || "").replace("T", " ").slice(0, 16))),
      el("p", { class: "foot" }, "材料补齐后请携带本告知单到综合受理窗口办理，无需重复提交已收材料。"));
  }

  function transfer(t) {
    current = t;
    $("transfer-ticket").textContent = `${t.number} · ${t.matter_name}`;
    $("transfer-error").textContent = "";
    const radio = (value, label, disabled) => HQ.h("label", { class: disabled ? "disabled" : "" },
      HQ.h("input", { type: "radio", name: "target", value, disabled }), label);
    $("transfer-queues").replaceChildren(...S.queueOrder.filter((id) => id !== t.queue).map((id) => {
      const q = S.queues[id];
      return radio("q:" + id, `${id} ${q.name} (${q.waiting})`, false);
    }));
    $("transfer-windows").replaceChildren(...Object.values(S.windows).filter((w) => w.id !== S.windowId)
      .map((w) => radio("w:" + w.id, `${w.number}号 ${KIND_NAMES[w.kind] || ""}${w.state === "open" ? "" : " · " + STATE_NAMES[w.state]}`,
                        w.state === "closed")));
    $("transfer-dialog").showModal();
  }

  async function confirmTransfer(e) {
    e.preventDefault();
    const target = chosen("target");
    if (!target) { $("transfer-error").textContent = "请选择要转到的队列或窗口"; return; }
    $("transfer-dialog").close("ok");
    const body = target.startsWith("q:") ? { queue: target.slice(2) } : { window: target.slice(2) };
    const r = await act("transfer", body);
    if (r && r.ticket) HQ.toast(`${r.ticket.number} 已转办`, "ok");
  }

  function outcomeKeys(e) {
    const typing = e.target.matches("input[type=text], input:not([type]), textarea");
    if (e.key === "Enter" && !e.target.matches("textarea, button[value=cancel]")) { confirmOutcome(e); return; }
    if (typing) return;
    const value = OUTCOME_KEYS[e.key];
    if (value) {
      e.preventDefault();
      document.querySelector(`input[name="outcome"][value="${value}"]`).checked = true;
      showOutcomeParts();
    } else if (e.key === "*") {
      confirmOutcome(e);
    }
  }

  function bind() {
    $("outcome-ok").addEventListener("click", confirmOutcome);
    $("transfer-ok").addEventListener("click", confirmTransfer);
    for (const input of document.querySelectorAll('input[name="outcome"]')) input.addEventListener("change", showOutcomeParts);
    $("outcome-dialog").addEventListener("keydown", outcomeKeys);
    $("slip-print").addEventListener("click", () => (receiptUrl ? window.open(receiptUrl, "_blank") : window.print()));
  }

  document.addEventListener("DOMContentLoaded", bind);
  return { outcome, transfer };
})();
