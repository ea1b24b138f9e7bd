/* The manager's other tabs: 差评 follow-ups, devices, people (users) and the audit log. */
"use strict";

const Admin = (() => {
  const FOLLOWUP_STATES = { open: ["待回访", "bad"], contacted: ["已回访", "warn"], rectified: ["已整改", "called"],
                            appealed: ["申诉中", "serving"], closed: ["已关闭", "off"] };
  const APPEAL_STATES = { pending: ["待审核", "warn"], upheld: ["申诉成立", "ok"], rejected: ["申诉不成立", "off"] };
  const FOLLOWUP_ACTIONS = {  // action -> [button, dialog title, help]
    contact: ["回访", "记录回访", "与群众联系的情况 (时间、方式、群众意见)"],
    rectify: ["整改", "记录整改", "整改措施与结果"],
    appeal: ["申诉", "记录申诉", "窗口对差评的申诉理由及复核意见"],
    close: ["关闭", "关闭回访", "办结说明"],
  };
  const NEXT = { open: ["contact", "rectify", "appeal", "close"], contacted: ["rectify", "appeal", "close"],
                 rectified: ["close"], appealed: ["close"], closed: [] };
  const FAULTS = { paper_out: "缺纸", paper_near_end: "纸将用尽", cover_open: "纸仓盖打开", offline: "脱机", unplugged: "未连接" };
  const DEVICE_KINDS = { bar: "窗口屏", keypad: "呼叫器", pad: "评价器", printer: "打印机", board: "综合屏", bridge: "串口桥",
                         kiosk: "取号机/查询终端" };
  const AUDIT_ACTIONS = {
    login: "登录", logout: "退出", "window.call_next": "叫号", "window.recall": "重呼", "window.no_show": "过号",
    "window.start": "开始办理", "window.finish": "办结", "window.transfer": "转办", "window.pause": "暂停",
    "window.resume": "恢复", "window.open": "开启窗口", "window.close": "关闭窗口", "window.profile": "业务配置",
    "followup.contact": "回访", "followup.rectify": "整改", "followup.appeal": "申诉", "followup.close": "关闭回访",
    "user.add": "新增人员", "user.pin": "重置 PIN", "user.disable": "停用人员", "user.enable": "启用人员",
    "hall.notice": "发布通知", "ticket.issue": "出号", "ticket.cancel": "取消号票", "slip.correction": "补正告知单",
  };
  let followupFilter = "active";
  let followupRows = [];
  let deviceRows = [];
  let auditRows = [];
  let matterNames = null;

  // ---- a small prompt -------------------------------------------------------------
  function ask({ title, help, label, secret }) {
    return new Promise((resolve) => {
      const dialog = $("note-dialog");
      $("note-title").textContent = title;
      $("note-help").textContent = help || "";
      $("note-error").textContent = "";
      const old = $("note-text");
      const input = secret ? HQ.h("input", { id: "note-text", type: "password", autocomplete: "new-password" })
                           : HQ.h("textarea", { id: "note-text", rows: 4, maxlength: 2000 });
      old.replaceWith(input);
      $("note-label").firstChild.textContent = label || "说明";
      const ok = (e) => {
        e.preventDefault();
        const value = input.value.trim();
        if (!value) { $("note-error").textContent = `请填写${label || "说明"}`; return; }
        cleanup();
        dialog.close("ok");
        resolve(value);
      };
      const cancel = () => { cleanup(); resolve(null); };
      const cleanup = () => { $("note-ok").removeEventListener("click", ok); dialog.removeEventListener("close", cancel); };
      $("note-ok").addEventListener("click", ok);
      dialog.addEventListener("close", cancel);
      dialog.showModal();
      input.focus();
    });
  }

  // ---- follow-ups ------------------------------------------------------------------
  async function followups(quiet) {
    try {
      if (!matterNames) {
        const matters = await HQ.api("GET", "/api/matters");
        matterNames = Object.fromEntries(matters.map((m) => [m.id, m.name]));
      }
      followupRows = await HQ.api("GET", "/api/followups");
    } catch (err) { if (!quiet) HQ.toast(err.message, "error"); return; }
    const active = followupRows.filter((f) => f.state !== "closed");
    const badge = $("followup-count");
    badge.textContent = active.length;
    badge.classList.toggle("hidden", !active.length);
    renderFollowups();
  }

  function renderFollowups() {
    const rows = followupRows.filter((f) => followupFilter === "all" || (followupFilter === "overdue" ? f.overdue : f.state !== "closed"));
    const head = HQ.h("tr", {}, ...["号票", "事项", "窗口 / 人员", "评价", "状态", "回访 / 整改期限", "申诉", "经过", "操作"].map((h) => HQ.h("th", {}, h)));
    const body = rows.map((f) => {
      const [stateName, tone] = FOLLOWUP_STATES[f.state] || [f.state, "off"];
      return HQ.h("tr", { class: f.overdue ? "overdue" : "", "data-followup": f.id },
        HQ.h("td", {}, HQ.h("b", {}, f.ticket.number)),
        HQ.h("td", {}, matterNames[f.ticket.matter] || f.ticket.matter),
        HQ.h("td", {}, `${windowName(f.ticket.window)} · ${f.ticket.clerk || "—"}`),
        HQ.h("td", {}, HQ.h("span", { class: "tag red" }, `${f.score} 分 ${SCORE_NAMES[f.score]}`),
          f.reasons.length ? HQ.h("div", { class: "muted" }, f.reasons.join("、")) : null),
        HQ.h("td", {}, HQ.h("span", { class: "pill " + tone }, stateName)),
        HQ.h("td", { class: "deadlines" }, HQ.h("div", {}, `回访 ${f.deadline}`), HQ.h("div", {}, `整改 ${f.rectify_deadline}`),
          f.overdue ? HQ.h("span", { class: "tag red" }, "已超期") : null),
        HQ.h("td", { class: "appeal-cell" }, appealCell(f)),
        HQ.h("td", {}, HQ.h("ul", { class: "history" }, f.history.map((h) =>
          HQ.h("li", {}, `${h.at.slice(5, 10)} ${HQ.hhmm(h.at)} ${h.user === "system" ? "系统" : h.user}: ${h.note || h.action}`)))),
        HQ.h("td", { class: "actions-cell" }, (NEXT[f.state] || []).map((action) => HQ.h("button",
          { class: "btn small" + (action === "close" ? " primary" : ""), type: "button", "data-action": action,
            onclick: () => followupAction(f, action) }, FOLLOWUP_ACTIONS[action][0]))));
    });
    $("followups").replaceChildren(HQ.h("thead", {}, head), HQ.h("tbody", {}, body.length ? body
      : [HQ.h("tr", {}, HQ.h("td", { colspan: 9, class: "muted" }, "没有需要处理的差评回访"))]));
  }

  /* 申诉: the clerk's reason; a pending one is upheld or rejected here (with a note). */
  function appealCell(f) {
    if (!f.appeal) return "—";
    const [name, tone] = APPEAL_STATES[f.appeal] || [f.appeal, "off"];
    return [HQ.h("span", { class: "pill " + tone }, name), HQ.h("div", { class: "muted" }, f.appeal_reason || ""),
      f.appeal === "pending" ? HQ.h("div", { class: "appeal-actions" },
        HQ.h("button", { class: "btn small primary", type: "button", "data-decide": "uphold",
                         onclick: () => decide(f, "uphold") }, "申诉成立"),
        HQ.h("button", { class: "btn small", type: "button", "data-decide": "reject",
                         onclick: () => decide(f, "reject") }, "驳回")) : null];
  }

  async function decide(f, decision) {
    const title = decision === "uphold" ? "申诉成立" : "驳回申诉";
    const note = await ask({ title: `${title} · ${f.ticket.number}`, label: "说明",
                             help: decision === "uphold" ? "成立后该差评不计入该人员和窗口的满意度, 并推送到好差评平台" : "" });
    if (!note) return;
    try {
      await HQ.api("POST", `/api/ratings/${f.ticket.id}/appeal/decide`, { decision, note });
      HQ.toast(`${f.ticket.number} ${title}`, "ok");
      followups(true);
    } catch (err) { HQ.toast(err.message, "error"); }
  }

  function windowName(id) {
    const w = id && M.windows[id];
    return w ? `${w.number}号窗口` : id || "—";
  }

  async function followupAction(f, action) {
    const [, title, help] = FOLLOWUP_ACTIONS[action];
    const note = await ask({ title: `${title} · ${f.ticket.number}`, help, label: "说明" });
    if (!note) return;
    try {
      await HQ.api("POST", `/api/followups/${f.id}`, { action, note });
      HQ.toast(`${f.ticket.number} ${title}已保存`, "ok");
      followups(true);
    } catch (err) { HQ.toast(err.message, "error"); }
  }

  // ---- devices ----------------------------------------------------------------------
  async function devices(quiet) {
    try { deviceRows = await HQ.api("GET", "/api/devices"); } catch (err) { if (!quiet) HQ.toast(err.message, "error"); return; }
    renderDevices();
  }

  function deviceChanged(d) {
    const row = deviceRows.find((x) => x.id === d.id);
    if (row) Object.assign(row, d); else deviceRows.push(d);
    renderDevices();
  }

  function deviceState(d) {
    if (d.fault) return ["故障: " + (FAULTS[d.fault] || d.fault), "bad", 0];
    if (!d.online && d.last_seen) return ["离线", "bad", 1];
    return d.online ? ["在线", "ok", 2] : ["未连接", "off", 3];
  }

  function renderDevices() {
    const trouble = deviceRows.filter((d) => deviceState(d)[2] < 2);
    const badge = $("device-count");
    badge.textContent = trouble.length;
    badge.classList.toggle("hidden", !trouble.length);
    const kinds = {};
    for (const d of deviceRows) {
      const k = (kinds[d.kind] = kinds[d.kind] || { online: 0, total: 0 });
      k.total += 1;
      if (d.online && !d.fault) k.online += 1;
    }
    $("device-summary").replaceChildren(...Object.entries(kinds).map(([kind, k]) => HQ.h("div",
      { class: "kpi " + (k.online === k.total ? "good" : "warn") }, HQ.h("small", {}, DEVICE_KINDS[kind] || kind),
      HQ.h("strong", {}, `${k.online}/${k.total}`), HQ.h("span", { class: "sub" }, "在线"))));
    const rows = deviceRows.slice().sort((a, b) => deviceState(a)[2] - deviceState(b)[2]);
    const head = HQ.h("tr", {}, ...["设备", "类型", "窗口", "状态", "最后上报", "正在显示"].map((h) => HQ.h("th", {}, h)));
    const body = rows.map((d) => {
      const [text, tone] = deviceState(d);
      const w = d.window && M.windows[d.window];
      return HQ.h("tr", { "data-device": d.id }, HQ.h("td", {}, d.id), HQ.h("td", {}, DEVICE_KINDS[d.kind] || d.kind),
        HQ.h("td", {}, w ? `${w.number}号窗口` : d.window || "全厅"), HQ.h("td", {}, HQ.h("span", { class: "pill " + tone }, text)),
        HQ.h("td", {}, d.last_seen ? d.last_seen.replace("T", " ").slice(0, 19) : "—"), HQ.h("td", {}, d.setup_url ? HQ.h("code", { title: "在取号机或查询终端上打开一次 (查询终端把 /kiosk 换成 /query)" },
          "设置地址: " + d.setup_url) : d.shows || ""));
    });
    $("devices").replaceChildren(HQ.h("thead", {}, head), HQ.h("tbody", {}, body));
  }

  // ---- users --------------------------------------------------------------------------
  async function users() {
    let rows;
    try { rows = await HQ.api("GET", "/api/users"); } catch (err) { HQ.toast(err.message, "error"); return; }
    const head = HQ.h("tr", {}, ...["用户名", "角色", "部门", "状态", "创建时间", "操作"].map((h) => HQ.h("th", {}, h)));
    const body = rows.map((u) => HQ.h("tr", { "data-user": u.name }, HQ.h("td", {}, HQ.h("b", {}, u.name)),
      HQ.h("td", {}, ROLE_NAMES[u.role] || u.role), HQ.h("td", {}, u.departments.join("、") || "—"),
      HQ.h("td", {}, HQ.h("span", { class: "pill " + (u.disabled ? "off" : "ok") }, u.disabled ? "已停用" : "正常")),
      HQ.h("td", {}, (u.created_at || "").slice(0, 10)),
      HQ.h("td", { class: "actions-cell" },
        HQ.h("button", { class: "btn small", type: "button", onclick: () => resetPin(u) }, "重置 PIN"),
        HQ.h("button", { class: "btn small" + (u.disabled ? "" : " danger"), type: "button",
                          onclick: () => setDisabled(u, !u.disabled) }, u.disabled ? "启用" : "停用"))));
    $("users").replaceChildren(HQ.h("thead", {}, head), HQ.h("tbody", {}, body));
  }

  async function addUser(e) {
    e.preventDefault();
    const departments = $("user-departments").value.split(/[,，、\s]+/).filter(Boolean);
    try {
      await HQ.api("POST", "/api/users", { name: $("user-name").value.trim(), role: $("user-role").value,
                                           pin: $("user-pin").value, departments });
      HQ.toast(`已新增 ${$("user-name").value.trim()}`, "ok");
      $("user-form").reset();
      users();
    } catch (err) { HQ.toast(err.message, "error"); }
  }

  async function resetPin(u) {
    const pin = await ask({ title: `重置 ${u.name} 的 PIN`, help: "重置后该人员须用新 PIN 重新登录。", label: "新 PIN", secret: true });
    if (!pin) return;
    try { await HQ.api("POST", `/api/users/${encodeURIComponent(u.name)}/pin`, { pin }); HQ.toast("PIN 已重置", "ok"); }
    catch (err) { HQ.toast(err.message, "error"); }
  }

  async function setDisabled(u, disabled) {
    try {
      await HQ.api("POST", `/api/users/${encodeURIComponent(u.name)}/disable`, { disabled });
      HQ.toast(`${u.name} 已${disabled ? "停用" : "启用"}`, "ok");
      users();
    } catch (err) { HQ.toast(err.message, "error"); }
  }

  // ---- audit ---------------------------------------------------------------------------
  async function audit() {
    try { auditRows = await HQ.api("GET", "/api/audit?limit=500"); } catch (err) { HQ.toast(err.message, "error"); return; }
    renderAudit();
  }

  function renderAudit() {
    const needle = $("audit-filter").value.trim().toLowerCase();
    const rows = auditRows.filter((r) => !needle || [r.user, r.action, AUDIT_ACTIONS[r.action], r.target, r.detail]
      .some((v) => v && String(v).toLowerCase().includes(needle)));
    const head = HQ.h("tr", {}, ...["时间", "用户", "操作", "对象", "详情", "来源地址"].map((h) => HQ.h("th", {}, h)));
    const body = rows.map((r) => HQ.h("tr", {}, HQ.h("td", {}, r.at.replace("T", " ").slice(0, 19)),
      HQ.h("td", {}, r.user), HQ.h("td", {}, AUDIT_ACTIONS[r.action] || r.action), HQ.h("td", {}, r.target || ""),
      HQ.h("td", {}, r.detail || ""), HQ.h("td", {}, r.ip || "")));
    $("audit").replaceChildren(HQ.h("thead", {}, head), HQ.h("tbody", {}, body));
  }

  function bind() {
    for (const b of document.querySelectorAll("#followup-filter button")) {
      b.addEventListener("click", () => {
        followupFilter = b.dataset.filter;
        for (const x of document.querySelectorAll("#followup-filter button")) x.classList.toggle("active", x === b);
        renderFollowups();
      });
    }
    $("user-form").addEventListener("submit", addUser);
    $("audit-filter").addEventListener("input", renderAudit);
  }

  document.addEventListener("DOMContentLoaded", bind);
  return { followups, devices, deviceChanged, users, audit };
})();
