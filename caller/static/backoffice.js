/* 后台审批: the department's cases, soonest deadline first, and their actions.
   Everything through /api/cases; live over Socket.IO (case.accepted, case.changed). */
"use strict";

(() => {
  const { $, esc, api, dateTime, daysLeft, toast } = BO;
  const ACTIONS = {  // action -> [label, button class, form]
    review: ["开始审查", "primary", null],
    "return": ["退回补正", "warn", "missing"],
    resume: ["补正齐全 · 恢复办理", "primary", null],
    approve: ["准予办理", "good", null],
    reject: ["不予办理", "bad", "reason"],
    ready: ["结果待取 (通知出件)", "primary", null],
    mail: ["邮寄送达", "", "mail"],
    deliver: ["登记领取", "", null],
  };
  let who = null;
  let filter = "open";
  let selected = null;
  let current = null;

  async function loadList() {
    const query = new URLSearchParams();
    const number = $("search").value.trim();
    if (number) query.set("number", number);
    else if (filter) query.set("state", filter);
    let cases;
    try {
      cases = await api("GET", "/api/cases?" + query);
    } catch (err) {
      toast(err.message, true);
      return;
    }
    $("list-count").textContent = cases.length + " 件";
    $("case-list").innerHTML = cases.length ? cases.map(row).join("")
      : '<tr><td colspan="5" class="empty">没有办件</td></tr>';
  }

  function row(c) {
    const left = daysLeft(c);
    return `<tr class="case-row${c.id === selected ? " selected" : ""}" data-id="${c.id}">
      <td class="number">${esc(c.number)}<br><small>${esc(c.department)}</small></td>
      <td>${esc(c.matter_name)}${c.situation_name ? `<br><small>${esc(c.situation_name)}</small>` : ""}</td>
      <td><span class="pill ${esc(c.state)}">${esc(c.state_text)}</span></td>
      <td><small>${esc(dateTime(c.accepted_at))}<br>${c.window_number ? c.window_number + "号窗口" : ""}</small></td>
      <td>${esc(c.deadline)}<br><span class="left ${left.cls}">${esc(left.text)}</span></td></tr>`;
  }

  async function select(id) {
    selected = id;
    document.querySelectorAll("tr.case-row").forEach((tr) => tr.classList.toggle("selected", Number(tr.dataset.id) === id));
    try {
      current = await api("GET", "/api/cases/" + id);
    } catch (err) {
      toast(err.message, true);
      return;
    }
    renderDetail(current);
  }

  function renderDetail(c) {
    const left = daysLeft(c);
    const actions = c.actions.filter((a) => a !== "deliver" || (who && ["manager", "admin"].includes(who.role)));
    $("detail").innerHTML = `
      <header><h2>${esc(c.number)}</h2><span class="pill ${esc(c.state)}">${esc(c.state_text)}</span></header>
      <div>${esc(c.matter_name)}${c.situation_name ? " · " + esc(c.situation_name) : ""}</div>
      <dl class="facts">
        <dt>承办部门</dt><dd>${esc(c.department)}</dd>
        <dt>受理</dt><dd>${esc(dateTime(c.accepted_at))} · ${c.window_number ? c.window_number + "号窗口 · " : ""}${esc(c.clerk || "")}</dd>
        <dt>承诺时限</dt><dd>${c.promised_days} 个工作日${c.paused_days ? ` (补正暂停 ${c.paused_days} 个工作日)` : ""}</dd>
        <dt>承诺期限</dt><dd><b>${esc(c.deadline)}</b> <span class="left ${left.cls}">${esc(left.text)}</span></dd>
        ${c.reason ? `<dt>不予办理原因</dt><dd>${esc(c.reason)}</dd>` : ""}
      </dl>
      ${c.missing.length ? `<div class="section-title">待补正材料</div><ul class="plain missing">${c.missing.map((m) => `<li>${esc(m)}</li>`).join("")}</ul>` : ""}
      <div class="section-title">已收材料</div>
      <ul class="plain">${c.materials.map((m) => `<li>${esc(m)}</li>`).join("") || "<li>无</li>"}</ul>
      <div class="actions" id="actions">${actions.map((a) =>
        `<button type="button" class="btn ${ACTIONS[a][1]}" data-action="${a}">${ACTIONS[a][0]}</button>`).join("")}</div>
      <div id="form"></div>
      <div class="section-title">办理记录</div>
      <ul class="timeline">${(c.history || []).map((h) => `<li><b>${esc(h.action_text)}</b> · ${esc(dateTime(h.at))} · ${esc(h.user)}
        ${h.note ? `<div class="note">${esc(h.note)}</div>` : ""}</li>`).join("")}</ul>`;
  }

  function showForm(action) {
    const c = current;
    const box = (inner, label, cls) => `<div class="form-box" data-form="${action}">${inner}
      <div class="actions"><button type="button" class="btn ${cls}" data-submit="${action}">${label}</button>
      <button type="button" class="btn" data-cancel>取消</button></div></div>`;
    let html = "";
    if (ACTIONS[action][2] === "missing") {
      html = box(`<div>请勾选需要补正的材料 (一次性告知):</div>
        ${c.materials.map((m, i) => `<label class="check"><input type="checkbox" name="missing" value="${esc(m)}" id="missing-${i}">${esc(m)}</label>`).join("")}
        <label class="field">其他材料 (每行一项)<textarea id="missing-other" rows="2"></textarea></label>
        <label class="field">说明<input id="form-note" maxlength="200"></label>`, "确认退回补正", "warn");
    } else if (ACTIONS[action][2] === "reason") {
      html = box(`<label class="field">不予办理的原因 (告知申请人)<textarea id="form-reason" rows="3" maxlength="500"></textarea></label>`,
        "确认不予办理", "bad");
    } else if (ACTIONS[action][2] === "mail") {
      html = box(`<label class="field">邮寄信息 (如快递单号)<input id="form-note" maxlength="200"></label>`, "确认已邮寄", "primary");
    }
    $("form").innerHTML = html;
  }

  function formBody(action) {
    const kind = ACTIONS[action][2];
    const note = $("form-note") ? $("form-note").value.trim() : "";
    const body = note ? { note } : {};
    if (kind === "missing") {
      const picked = [...document.querySelectorAll('input[name="missing"]:checked')].map((el) => el.value);
      const other = $("missing-other").value.split("\n").map((s) => s.trim()).filter(Boolean);
      body.missing = picked.concat(other);
      if (!body.missing.length) throw new Error("请至少勾选或填写一项缺少的材料");
    }
    if (kind === "reason") {
      body.reason = $("form-reason").value.trim();
      if (!body.reason) throw new Error("请填写不予办理的原因");
    }
    return body;
  }

  async function act(action, body) {
    try {
      current = await api("POST", `/api/cases/${current.id}/${action}`, body || {});
      toast(`${current.number}: ${ACTIONS[action][0]} ✓`);
      renderDetail(current);
      loadList();
    } catch (err) {
      toast(err.message, true);
    }
  }

  function bind() {
    $("filters").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-state]");
      if (!button) return;
      filter = button.dataset.state;
      $("search").value = "";
      document.querySelectorAll("#filters button").forEach((b) => b.classList.toggle("active", b === button));
      loadList();
    });
    let timer = null;
    $("search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(loadList, 250); });
    $("case-list").addEventListener("click", (event) => {
      const tr = event.target.closest("tr.case-row");
      if (tr) select(Number(tr.dataset.id));
    });
    $("detail").addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button || !current) return;
      if (button.dataset.action) {
        const action = button.dataset.action;
        if (ACTIONS[action][2]) showForm(action); else act(action);
      } else if (button.dataset.submit) {
        try { act(button.dataset.submit, formBody(button.dataset.submit)); } catch (err) { toast(err.message, true); }
      } else if (button.hasAttribute("data-cancel")) {
        $("form").innerHTML = "";
      }
    });
  }

  function onCase(event) {
    loadList();
    if (current && event.case && event.case.id === current.id && !document.querySelector("[data-form]")) select(current.id);
  }

  function start(me) {
    who = me;
    $("login-view").classList.add("hidden");
    $("work-view").classList.remove("hidden");
    $("who").classList.remove("hidden");
    $("who-user").textContent = me.user + (me.departments.length ? " · " + me.departments.join("、") : " · 全部部门");
    $("to-supervision").classList.toggle("hidden", !["manager", "admin"].includes(me.role));
    loadList();
    HQ.live({
      onSnapshot: () => loadList(),
      onEvent: (type, event) => { if (type === "case.accepted" || type === "case.changed") onCase(event); },
      onRefused: HQ.loginLost,
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    HQ.startClock("clock", { second: "2-digit" });
    bind();
    HQ.staffLogin({ roles: ["backoffice", "manager", "admin"], denied: "此页面需要后台审批或大厅负责人账号", onEnter: start });
  });
})();
