/* 统一督办: due and overdue cases per department, the alerts as they fire,
   a department's overdue list to print or export, and the case report. */
"use strict";

(() => {
  const { $, esc, api, dateTime, daysLeft, toast } = BO;
  const FIGURES = [["accepted", "受理"], ["decided", "办结"], ["on_time", "按时办结"], ["on_time_rate", "按时办结率"],
    ["avg_working_days", "平均用时(工作日)"], ["open", "在办"], ["overdue", "超期未办结"], ["returned", "曾补正"]];
  let today = null;

  async function load() {
    let data;
    try {
      data = await api("GET", "/api/cases/supervision");
    } catch (err) {
      toast(err.message, true);
      return;
    }
    today = data.today;
    const t = data.totals;
    const kpi = (label, value, cls) => `<div class="kpi ${cls || ""}"><small>${label}</small><b>${value}</b></div>`;
    $("kpis").innerHTML = kpi("在办办件", t.open) + kpi("一个工作日内到期", t.due_soon, t.due_soon ? "warn" : "")
      + kpi("已超期", t.overdue, t.overdue ? "bad" : "") + kpi("补正中 (暂停计时)", t.returned)
      + kpi("待取件", t.ready) + kpi("今天", esc(data.today));
    $("alert-rule").textContent = "提醒时点: 到期前 " + data.alert_days.join("、") + " 个工作日, 及超期";
    $("departments").innerHTML = data.departments.length ? data.departments.map(department).join("")
      : '<section class="card"><p class="empty">没有在办的办件</p></section>';
    if (!$("report-from").value) {
      $("report-to").value = data.today;
      $("report-from").value = data.today.slice(0, 8) + "01";
      loadReport();
    }
  }

  function caseTable(cases) {
    return `<table class="cases"><thead><tr><th>办件编号</th><th>事项</th><th>状态</th><th>受理</th><th>承诺期限</th></tr></thead>
      <tbody>${cases.map((c) => {
        const left = daysLeft(c);
        return `<tr><td class="number">${esc(c.number)}</td><td>${esc(c.matter_name)}</td>
          <td><span class="pill ${esc(c.state)}">${esc(c.state_text)}</span></td>
          <td><small>${esc(dateTime(c.accepted_at))} · ${esc(c.clerk || "")}</small></td>
          <td>${esc(c.deadline)} <span class="left ${left.cls}">${esc(left.text)}</span></td></tr>`;
      }).join("")}</tbody></table>`;
  }

  function department(d) {
    const q = encodeURIComponent(d.department);
    return `<section class="card dept" data-department="${esc(d.department)}">
      <header><h2>${esc(d.department)}</h2>
        <span class="no-print">
          <button class="btn small" type="button" data-print="${esc(d.department)}">打印超期清单</button>
          <a class="btn small" href="/api/cases/overdue?department=${q}&format=csv">导出 CSV</a>
          <a class="btn small" href="/api/cases/overdue?department=${q}&format=xlsx">导出 Excel</a>
        </span></header>
      <div class="counts"><span>在办 <b>${d.open}</b></span><span>正常 <b>${d.on_track}</b></span>
        <span>即将到期 <b class="left due_soon">${d.due_soon}</b></span><span>已超期 <b class="left overdue">${d.overdue}</b></span>
        <span>补正中 <b>${d.returned}</b></span><span>待出件 <b>${d.decided + d.ready}</b></span></div>
      ${d.overdue_cases.length ? `<div class="section-title">已超期</div>${caseTable(d.overdue_cases)}` : ""}
      ${d.due_soon_cases.length ? `<div class="section-title print-hide">一个工作日内到期</div><div class="print-hide">${caseTable(d.due_soon_cases)}</div>` : ""}
    </section>`;
  }

  function printDepartment(name) {
    const hidden = [...document.querySelectorAll(".dept, .kpis")].filter((el) => el.dataset.department !== name);
    hidden.forEach((el) => el.classList.add("print-hide"));
    window.print();
    hidden.forEach((el) => el.classList.remove("print-hide"));
  }

  function addAlert(a) {
    const list = $("alerts");
    if (list.querySelector(".muted")) list.innerHTML = "";
    const li = document.createElement("li");
    li.className = a.kind;
    li.textContent = (a.at ? dateTime(a.at) + " " : "") + a.message;
    list.prepend(li);
  }

  async function checkAlerts() {
    try {
      const result = await api("POST", "/api/cases/check-alerts", {});
      toast(result.fired.length ? `发出 ${result.fired.length} 条督办提醒` : "没有新的提醒");
      load();
    } catch (err) {
      toast(err.message, true);
    }
  }

  async function loadReport(event) {
    if (event) event.preventDefault();
    const query = `from=${$("report-from").value}&to=${$("report-to").value}`;
    $("report-csv").href = "/api/reports/cases?format=csv&" + query;
    $("report-xlsx").href = "/api/reports/cases?format=xlsx&" + query;
    let report;
    try {
      report = await api("GET", "/api/reports/cases?" + query);
    } catch (err) {
      $("report").innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
      return;
    }
    const cell = (row, key) => {
      const v = row[key];
      if (v == null) return "—";
      return key === "on_time_rate" ? (v * 100).toFixed(1) + "%" : v;
    };
    const line = (label, row) => `<tr><td>${esc(label)}</td>${FIGURES.map(([k]) => `<td>${cell(row, k)}</td>`).join("")}</tr>`;
    $("report").innerHTML = `<table class="figures"><thead><tr><th>部门</th>${FIGURES.map(([, h]) => `<th>${h}</th>`).join("")}</tr></thead>
      <tbody>${line("全部", report.totals)}${report.departments.map((d) => line(d.department, d)).join("")}</tbody></table>`;
  }

  function start(me) {
    $("login-view").classList.add("hidden");
    $("sup-view").classList.remove("hidden");
    $("who").classList.remove("hidden");
    $("who-user").textContent = me.user;
    load();
    HQ.live({
      onEvent: (type, data) => {
        if (type === "alert" && (data.kind === "case_due" || data.kind === "case_overdue")) { addAlert(data); load(); }
        if (type === "case.accepted" || type === "case.changed") load();
      },
      onRefused: HQ.loginLost,
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    HQ.startClock("clock", { second: "2-digit" });
    $("check-alerts").addEventListener("click", checkAlerts);
    $("report-form").addEventListener("submit", loadReport);
    $("departments").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-print]");
      if (button) printDepartment(button.dataset.print);
    });
    HQ.staffLogin({ roles: ["manager", "admin"], denied: "此页面需要大厅负责人账号", onEnter: start });
  });
})();
