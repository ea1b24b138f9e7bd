/* The citizen's case page (/case/TOKEN): state, deadline, what is missing
   when returned, the pickup code when ready. Refreshes on `case.state`. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const token = document.body.dataset.token;
  let number = null;

  function showError(text) {
    $("case-error").hidden = false;
    $("case-error-text").textContent = text;
    $("case-card").classList.add("hidden");
  }

  function dateTime(iso) { return iso ? iso.slice(0, 10) + " " + iso.slice(11, 16) : ""; }

  function render(c) {
    number = c.number;
    $("case-error").hidden = true;
    $("case-card").classList.remove("hidden");
    $("case-number").textContent = "办件编号 " + c.number;
    $("case-department").textContent = c.department;
    $("case-matter").textContent = c.matter_name + (c.situation_name ? " · " + c.situation_name : "");
    $("case-state").textContent = c.state_text;
    $("case-state").className = "state " + c.state;
    $("case-message").textContent = c.message + (c.reason ? " (原因: " + c.reason + ")" : "");
    $("case-message").className = "message " + c.state;
    $("case-missing").classList.toggle("hidden", !c.missing.length);
    $("case-missing-list").innerHTML = "";
    c.missing.forEach((m) => { const li = document.createElement("li"); li.textContent = m; $("case-missing-list").appendChild(li); });
    $("case-code").classList.toggle("hidden", !(c.state === "ready" && c.pickup_code));
    $("case-code-digits").textContent = c.pickup_code || "";
    $("case-accepted").textContent = dateTime(c.accepted_at);
    const left = c.clock_stopped ? " (补正期间暂停计时)" : (c.days_left != null && c.days_left >= 0 ? ` (还有 ${c.days_left} 个工作日)` : "");
    $("case-deadline").textContent = c.deadline + " 前" + left;
    $("case-steps").innerHTML = "";
    c.steps.forEach((s) => {
      const li = document.createElement("li");
      li.textContent = dateTime(s.at) + " " + s.text;
      $("case-steps").appendChild(li);
    });
  }

  async function load() {
    if (!token) { showError("链接无效, 请扫描受理回执上的二维码"); return; }
    const res = await HQ.request("GET", "/api/t/" + encodeURIComponent(token));
    if (res.status === 0) { showError("暂时无法连接, 请稍后刷新"); return; }
    if (!res.ok) { showError(res.message || "查询失败"); return; }
    if (!res.data.case) { showError("该号票没有办件 (当场办结的事项不生成办件)"); return; }
    render(res.data.case);
  }

  document.addEventListener("DOMContentLoaded", () => {
    load();
    HQ.live({
      onState: (synced) => { if (synced && number) load(); },
      onEvent: (type, e) => { if (type === "case.state" && e.case && e.case.number === number) load(); },
    });
  });
})();
