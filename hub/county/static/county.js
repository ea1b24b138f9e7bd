// The county page: halls side by side, refreshed every 2 s from /api/county/halls;
// a hall's drill-down (hour, queue, window); 统一督办 (overdue cases and follow-ups); the bulletin.
"use strict";
(function () {
  const POLL_MS = 2000;
  const TARGET = 0.9;
  const $ = (id) => document.getElementById(id);
  let selected = null;
  let timer = null;

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function num(v, unit) { return v === null || v === undefined ? "—" : v + (unit || ""); }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"]/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    const body = response.headers.get("content-type", "").includes("json") ? await response.json() : null;
    if (!response.ok) {
      const error = new Error(body && body.error ? body.error.message : "HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function hallCard(h) {
    const t = h.today;
    const low = t.one_window_share !== null && t.one_window_share < TARGET;
    const r = t.ratings;
    const div = document.createElement("article");
    div.className = "hall" + (h.silent ? " silent" : "") + (low ? " low" : "");
    div.dataset.hall = h.id;
    div.innerHTML =
      `<h3>${esc(h.name)} ${h.silent ? '<span class="flag silent-flag">超过 1 小时未上报</span>' : ""}</h3>` +
      `<dl>` +
      `<dt>今日取号</dt><dd class="tickets">${t.tickets}</dd>` +
      `<dt>正在等候</dt><dd class="waiting">${t.waiting}</dd>` +
      `<dt>平均 / 90% 等候</dt><dd>${num(t.mean_wait_min, " 分")} / ${num(t.p90_wait_min, " 分")}</dd>` +
      `<dt>15 分钟内叫号</dt><dd>${pct(t.served_within_15_min)}</dd>` +
      `<dt>一窗受理占比</dt><dd class="share ${low ? "red" : ""}">${pct(t.one_window_share)}${low ? " (低于 90%)" : ""}</dd>` +
      `<dt>评价 (5→1)</dt><dd class="ratings"><span title="非常满意">${r["5"]}</span><span title="满意">${r["4"]}</span>` +
      `<span title="基本满意">${r["3"]}</span><span title="不满意">${r["2"]}</span><span title="非常不满意">${r["1"]}</span></dd>` +
      `<dt>差评回访 未结 / 超期</dt><dd class="followups">${t.followups_open} / <span class="${t.followups_overdue ? "red" : ""}">${t.followups_overdue}</span></dd>` +
      `<dt>办件 在办 / 超期</dt><dd class="cases">${t.cases_open} / <span class="${t.cases_overdue ? "red" : ""}">${t.cases_overdue}</span></dd>` +
      `<dt>设备离线</dt><dd class="devices ${h.devices_offline ? "red" : ""}">${h.devices_offline}</dd>` +
      `<dt>事项目录版本</dt><dd class="catalog">${h.catalog_version === null ? "—" : "第 " + h.catalog_version + " 版"}</dd>` +
      `<dt>最近事件</dt><dd>${esc(h.last_event_at ? h.last_event_at.slice(11, 19) : "—")}</dd>` +
      `</dl>`;
    div.addEventListener("click", () => { selected = h.id; drill(); });
    return div;
  }

  function table(el, key, label, rows) {
    const head = `<tr><th>${label}</th><th>取号</th><th>叫号</th><th>办结</th><th>等候中</th><th>平均等候</th><th>15 分钟内</th><th>一窗占比</th></tr>`;
    const caption = el.querySelector("caption") ? el.querySelector("caption").outerHTML : "";
    el.innerHTML = caption + head + rows.map((r) =>
      `<tr><td>${esc(r[key])}</td><td>${r.tickets}</td><td>${r.called}</td><td>${r.served}</td><td>${r.waiting}</td>` +
      `<td>${num(r.mean_wait_min)}</td><td>${pct(r.served_within_15_min)}</td><td>${pct(r.one_window_share)}</td></tr>`).join("");
  }

  async function drill() {
    if (!selected) return;
    const d = await api("/api/county/halls/" + encodeURIComponent(selected));
    $("detail").hidden = false;
    $("detail-title").textContent = d.name + " · " + d.date + " 明细";
    table($("by-hour"), "hour", "小时", d.hours);
    table($("by-queue"), "queue", "队列", d.queues);
    table($("by-window"), "window", "窗口", d.windows);
    $("devices").innerHTML = d.devices.map((x) =>
      `<li class="${x.online ? "" : "red"}">${esc(x.device_id)} (${esc(x.kind)}) ${x.online ? "在线" : "离线"}</li>`).join("") || "<li>—</li>";
  }

  async function overdue() {
    const o = await api("/api/county/overdue");
    $("overdue-cases").innerHTML = "<caption>超期办件</caption><tr><th>大厅</th><th>办件编号</th><th>事项</th><th>部门</th><th>状态</th><th>期限</th><th>超期天数</th></tr>" +
      o.cases.map((c) => `<tr class="case"><td>${esc(c.hall_name)}</td><td>${esc(c.number)}</td><td>${esc(c.matter)}</td>` +
        `<td>${esc(c.department)}</td><td>${esc(c.state)}</td><td>${esc(c.deadline)}</td><td class="red">${c.days_late}</td></tr>`).join("");
    $("overdue-followups").innerHTML = "<caption>超期差评回访</caption><tr><th>大厅</th><th>回访</th><th>评分</th><th>状态</th><th>期限</th><th>超期天数</th></tr>" +
      o.followups.map((f) => `<tr class="followup"><td>${esc(f.hall_name)}</td><td>${f.followup_id}</td><td>${f.score}</td>` +
        `<td>${esc(f.state)}</td><td>${esc(f.deadline)}</td><td class="red">${f.days_late}</td></tr>`).join("");
  }

  async function refresh() {
    try {
      const data = await api("/api/county/halls");
      $("date").textContent = data.date;
      const box = $("halls");
      box.replaceChildren(...data.halls.map(hallCard));
      $("updated").textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false });
      $("stale").hidden = true;
      await overdue();
      if (selected) await drill();
    } catch (error) {
      if (error.status === 401) return showLogin();
      $("stale").hidden = false;
    } finally {
      clearTimeout(timer);
      if (!$("board").hidden) timer = setTimeout(refresh, POLL_MS);
    }
  }

  function showLogin() {
    clearTimeout(timer);
    $("board").hidden = true;
    $("who").hidden = true;
    $("login").hidden = false;
  }

  async function showBoard() {
    const me = await api("/api/me");
    $("user").textContent = me.user + (me.halls ? " (" + me.halls.join("、") + ")" : " (全部大厅)");
    $("who").hidden = false;
    $("login").hidden = true;
    $("board").hidden = false;
    refresh();
  }

  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await api("/api/login", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: form.get("user"), pin: form.get("pin") }) });
      $("login-error").textContent = "";
      showBoard();
    } catch (error) {
      $("login-error").textContent = error.message;
    }
  });

  $("logout").addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" });
    showLogin();
  });

  $("report").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const format = event.submitter ? event.submitter.value : "json";
    const query = "from=" + form.get("from") + "&to=" + form.get("to");
    if (format !== "json") {
      window.location.href = "/api/county/report?" + query + "&format=" + format;
      return;
    }
    try {
      const doc = await api("/api/county/report?" + query);
      $("report-error").textContent = "";
      $("report-table").innerHTML = "<tr><th>排名</th><th>大厅</th><th>取号</th><th>平均等候</th><th>一窗受理占比</th><th>评价覆盖率</th><th>差评按期整改</th><th>办件按期办结</th><th>验收通过项</th></tr>" +
        doc.halls.concat([doc.total]).map((h) => `<tr><td>${h.rank || ""}</td><td>${esc(h.name)}</td><td>${h.tickets}</td>` +
          `<td>${num(h.mean_wait_min)}</td><td class="${h.flag ? "red" : ""}">${pct(h.one_window_share)}</td><td>${pct(h.rating_coverage)}</td>` +
          `<td>${pct(h.followups_on_time)}</td><td>${pct(h.cases_on_time)}</td><td>${h.checks_passed} / 5</td></tr>`).join("");
    } catch (error) {
      $("report-error").textContent = error.message;
    }
  });

  const today = new Date().toISOString().slice(0, 10);
  document.querySelector("#report [name=from]").value = today.slice(0, 8) + "01";
  document.querySelector("#report [name=to]").value = today;
  showBoard().catch(showLogin);
})();
