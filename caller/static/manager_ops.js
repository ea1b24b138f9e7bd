/* The manager's 运维 tab: the appliance at a glance (GET /api/ops: health, the
   day, the daily backup, retention, disk, the county uplink) and the recent days (GET /api/days).
   Polled every 30 s, and again when the hub closes a day (`day.summary`). */
"use strict";

const Ops = (() => {
  const POLL_MS = 30000;
  const CHECK_NAMES = { database: "数据库", disk: "磁盘", clock: "时钟", devices: "设备", bridge: "串口桥",
                        printer: "打印机", backup: "每日备份", county: "县平台",
                        platform: "好差评平台" };
  const PLATFORM_STATES = { ok: ["已送达", "ok"], behind: ["正在推送", "warn"], unreachable: ["无法连接", "bad"],
                            off: ["未配置", "warn"] };
  const COUNTY_STATES = { ok: ["已同步", "ok"], behind: ["上报滞后", "warn"], unreachable: ["无法连接", "bad"] };
  const BACKLOG_WARN = 5000;  // events waiting on this hub: worth a word even before an hour has passed
  let timer = null;
  let loading = false;

  function start() {
    load();
    if (!timer) timer = setInterval(load, POLL_MS);
  }

  async function load() {
    if (loading) return;
    loading = true;
    try {
      const [ops, days] = await Promise.all([HQ.api("GET", "/api/ops"), HQ.api("GET", "/api/days")]);
      render(ops, days.days);
      $("ops-error").classList.add("hidden");
    } catch (err) {
      $("ops-error").textContent = "运维信息暂时无法获取: " + err.message;
      $("ops-error").classList.remove("hidden");
    } finally { loading = false; }
  }

  function onEvent(name) {
    if (name === "day.summary" || name === "day.closed") load();
  }

  // ---- formatting ------------------------------------------------------------------
  const today = () => ($("ops-updated").dataset.today || "");
  function when(iso) {  // hall-local ISO -> "今天 18:30" / "11-25 18:30"
    if (!iso) return "—";
    const day = iso.slice(0, 10);
    return (day === today() ? "今天" : day.slice(5)) + " " + HQ.hhmm(iso);
  }
  function size(mb) {
    if (mb === null || mb === undefined) return "—";
    return mb >= 1024 ? (mb / 1024).toFixed(1) + " GB" : mb + " MB";
  }
  const pill = (ok, yes, no, tone) => HQ.h("span", { class: "pill " + (ok ? "ok" : tone || "bad") }, ok ? yes : no);
  const facts = (...rows) => HQ.h("dl", { class: "facts" },
    rows.filter(Boolean).flatMap(([k, v]) => [HQ.h("dt", {}, k), HQ.h("dd", {}, v)]));

  // ---- rendering -------------------------------------------------------------------
  function render(ops, days) {
    $("ops-updated").dataset.today = ops.day.today;
    $("ops-updated").textContent = "更新于 " + HQ.hhmm(ops.at) + " · 每 30 秒刷新";
    renderHealth(ops.health);
    renderDay(ops.day);
    renderBackup(ops.backup);
    renderStorage(ops.retention, ops.disk);
    renderCounty(ops.county);
    renderPlatform(ops.platform);
    renderDays(days);
  }

  function renderHealth(h) {
    const ok = h.status === "ok";
    $("ops-health").className = "card ops-health " + (ok ? "ok" : "degraded");
    $("ops-status").replaceChildren(pill(ok, "运行正常", "需要关注", "warn"));
    $("ops-problems").replaceChildren(...(h.problems.length ? h.problems.map((p) => HQ.h("li", {}, p))
      : [HQ.h("li", { class: "muted" }, "各项检查均正常")]));
    $("ops-checks").replaceChildren(...Object.entries(h.checks).map(([name, c]) =>
      HQ.h("span", { class: "tag " + (c.ok ? "green" : "red"), title: c.problem || "" },
            (c.ok ? "✓ " : "✕ ") + (CHECK_NAMES[name] || name))));
    const n = h.problems.length;
    $("ops-count").textContent = n;
    $("ops-count").classList.toggle("hidden", ok || !n);
  }

  function renderDay(d) {
    const periods = d.periods.map(([a, b]) => `${a}–${b}`).join("、");
    $("ops-day").replaceChildren(facts(
      ["今天", [d.today + " ", d.working_day ? pill(true, "工作日") : pill(false, "", "休息日", "off")]],
      ["办公时间", periods || "—"],
      ["闭厅时间", HQ.h("strong", { id: "ops-closing" }, HQ.hhmm(d.closing_at))],
      ["未叫到的号", d.expire_at_closing ? "闭厅时作废" : "闭厅后保留"],
      ["今日闭厅", d.closed ? pill(true, "已闭厅结算") : pill(false, "", "尚未闭厅", "off")],
      ["上次闭厅", d.last_closed_day || "尚无"]));
  }

  function renderBackup(b) {
    const last = b.last;
    const lastText = last ? [when(last.at) + " ", pill(last.ok, "成功", "失败")] : HQ.h("span", { class: "muted" }, "尚未备份过");
    $("ops-backup").replaceChildren(facts(
      ["备份目录", HQ.h("span", { class: "path", title: b.path }, b.dir)],
      b.dir !== b.path ? ["完整路径", HQ.h("span", { class: "path" }, b.path)] : null,
      ["保留份数", `最近 ${b.keep} 份`],
      ["每日时间", `${b.at} 以后`],
      ["上次备份", lastText],
      last && !last.ok && last.success_at ? ["上次成功", when(last.success_at)] : null,
      last && last.detail ? ["说明", HQ.h("span", { class: last.ok ? "muted" : "bad-text" }, last.detail)] : null,
      ["下次备份", b.due ? [when(b.next_at) + " ", pill(false, "", "待备份", "warn")] : when(b.next_at)],
    ), HQ.h("p", { class: "muted note" }, `定时器每 ${b.check_every_minutes} 分钟检查一次`));
  }

  function renderStorage(r, disk) {
    $("ops-storage").replaceChildren(facts(
      ["事件保留", `${r.event_retention_days} 天`],
      ["最早事件", r.oldest_event_at ? r.oldest_event_at.slice(0, 10) : "—"],
      ["磁盘剩余", HQ.h("strong", {}, size(disk.free_mb))],
      ["数据库", size(disk.database_mb)],
      ["数据目录", HQ.h("span", { class: "path" }, disk.path)]));
  }

  function ago(seconds) {
    if (seconds < 90) return seconds + " 秒";
    if (seconds < 5400) return Math.round(seconds / 60) + " 分钟";
    if (seconds < 172800) return (seconds / 3600).toFixed(1) + " 小时";
    return Math.floor(seconds / 86400) + " 天";
  }

  function renderPlatform(p) {
    $("ops-platform-card").classList.toggle("hidden", !p || p.state === "off");
    if (!p || p.state === "off") return;
    const [label, tone] = PLATFORM_STATES[p.state] || [p.state, "warn"];
    $("ops-platform").replaceChildren(facts(
      ["状态", HQ.h("span", { class: "pill " + tone, id: "ops-platform-state" }, label)],
      ["待推送评价", HQ.h("strong", { id: "ops-platform-pending" }, String(p.pending))],
      p.oldest_pending_at ? ["最早一条已等", ago(Math.max(0, Date.now() / 1000 - p.oldest_pending_at))] : null,
      p.last_error ? ["原因", HQ.h("span", { class: "bad-text" }, p.last_error)] : null,
    ), ...(p.pending ? [HQ.h("p", { class: "county-warning" },
      "评价保存在本机, 平台恢复后自动补推, 不会丢失")] : []));
  }

  function renderCounty(c) {
    $("ops-county-card").classList.toggle("hidden", !c);
    if (!c) return;
    const [label, tone] = COUNTY_STATES[c.state] || [c.state, "warn"];
    const warnings = [];
    if (c.state !== "ok" && c.pending_events) {
      warnings.push(`${c.pending_events} 条事件尚未被县平台确认 (最早的已等 ${ago(c.lag_s)}); 大厅照常运行, 事件保存在本机, 恢复后自动补报`);
    } else if (c.pending_events >= BACKLOG_WARN) {
      warnings.push(`待上报事件积压 ${c.pending_events} 条`);
    }
    if (c.held_back) warnings.push(`${c.held_back} 条超过保留期的事件因县平台未确认而暂不清理, 存储卡占用会增加`);
    warnings.push(...c.notes);
    $("ops-county").replaceChildren(facts(
      ["状态", HQ.h("span", { class: "pill " + tone, id: "ops-county-state" }, label)],
      ["县平台", HQ.h("span", { class: "path" }, c.url)],
      ["本厅编号", c.hall],
      ["待上报", HQ.h("strong", { id: "ops-county-pending" }, String(c.pending_events))],
      ["已确认到", "第 " + c.acked_through + " 条"],
      ["滞后", c.pending_events ? ago(c.lag_s) : "—"],
      ["上次成功", when(c.last_ok_at)],
      c.error ? ["原因", HQ.h("span", { class: "bad-text" }, c.error)] : null,
      ...catalogFacts(c.catalog),
    ), ...catalogRefusal(c.catalog), ...warnings.map((w) => HQ.h("p", { class: "county-warning bad-text" }, w)));
  }

  function catalogFacts(k) {
    if (!k) return [];
    return [["事项目录", HQ.h("span", { id: "ops-catalog-version" }, k.version ? `县目录 v${k.version}（${k.applied_on} 起）` : "本厅自己的事项")],
            k.local.length ? ["本厅自有事项", k.local.join("、")] : null,
            k.pending ? ["待启用", `v${k.pending.version}（次日开始时启用）`] : null];
  }

  function catalogRefusal(k) {
    const r = k && k.refused;
    if (!r || (k.version && r.version <= k.version)) return [];
    return [HQ.h("div", { class: "county-warning bad-text", id: "ops-catalog-refused" },
      HQ.h("p", {}, `县平台事项目录 v${r.version} 未通过检查, 未采用（${when(r.at)}）; 继续使用` +
                     (k.version ? ` v${k.version}` : "本厅自己的事项") + ":"),
      HQ.h("ul", {}, r.errors.slice(0, 10).map((e) => HQ.h("li", {}, e))))];
  }

  function renderDays(days) {
    const head = HQ.h("tr", {}, ["日期", "取号", "办结", "过号", "作废", "平均等候", "15分钟内叫号", "平均评价", "状态"]
      .map((h, i) => HQ.h("th", { class: i && i < 8 ? "num" : "" }, h)));
    const rows = days.slice().reverse().map((d) => HQ.h("tr", { "data-day": d.day, class: d.final ? "" : "today" },
      HQ.h("td", {}, d.day),
      ...[d.issued, d.served, d.no_shows, d.expired].map((n) => HQ.h("td", { class: "num" }, n)),
      HQ.h("td", { class: "num" }, d.mean_wait_min === null ? "—" : d.mean_wait_min + " 分"),
      HQ.h("td", { class: "num" }, HQ.pct(d.served_within_15_min)),
      HQ.h("td", { class: "num" }, d.avg_rating === null ? "—" : `${d.avg_rating} (${d.rated})`),
      HQ.h("td", {}, d.final ? HQ.h("span", { class: "muted" }, "已结算 " + HQ.hhmm(d.closed_at))
                              : HQ.h("span", { class: "pill called" }, "进行中"))));
    $("ops-days").replaceChildren(HQ.h("thead", {}, head), HQ.h("tbody", {}, rows.length ? rows
      : [HQ.h("tr", {}, HQ.h("td", { colspan: 9, class: "muted" }, "近 30 天没有营业记录"))]));
  }

  return { start, load, onEvent };
})();
