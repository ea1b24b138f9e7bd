/* The manager's reports: daily or a date range, key figures, charts (waits by
   hour, load by queue), tables per queue, window, clerk and day, CSV/XLSX export. */
"use strict";

const Reports = (() => {
  let mode = "daily";
  let initialised = false;

  const COLUMNS = [
    ["issued", "取号"], ["served", "办结"], ["no_shows", "过号"], ["avg_wait_min", "平均等候(分)"],
    ["max_wait_min", "最长等候(分)"], ["avg_service_min", "平均办理(分)"], ["served_within_15_min", "15分钟内叫号", "pct"],
    ["one_window_share", "综合窗口占比", "pct"], ["ratings.5", "非常满意"], ["ratings.4", "满意"], ["ratings.3", "基本满意"],
    ["ratings.2", "不满意"], ["ratings.1", "非常不满意"], ["ratings.unrated", "未评价"], ["satisfaction", "满意率", "pct"],
  ];

  function daysBefore(day, n) {
    return new Date(Date.parse(day + "T00:00:00Z") - n * 86400000).toISOString().slice(0, 10);
  }

  function init() {
    initialised = true;  // the dates stay empty until the hub says which day it is (its clock, its time zone)
    for (const b of document.querySelectorAll("#report-mode button")) {
      b.addEventListener("click", () => {
        mode = b.dataset.mode;
        for (const x of document.querySelectorAll("#report-mode button")) x.classList.toggle("active", x === b);
        $("report-date").parentElement.classList.toggle("hidden", mode !== "daily");
        for (const l of document.querySelectorAll(".report-bar .range")) l.classList.toggle("hidden", mode !== "range");
        load();
      });
    }
    $("report-load").addEventListener("click", load);
    for (const id of ["report-date", "report-from", "report-to"]) $(id).addEventListener("change", load);
  }

  function query() {
    if (mode === "daily") {
      const day = $("report-date").value;
      return "/api/reports/daily" + (day ? `?date=${day}` : "");
    }
    const last = $("report-to").value || $("report-date").value;
    if (!$("report-to").value) $("report-to").value = last;
    if (!$("report-from").value) $("report-from").value = daysBefore(last, 6);
    return `/api/reports/range?from=${$("report-from").value}&to=${$("report-to").value}`;
  }

  async function load() {
    if (!initialised) init();
    try {
      const report = await HQ.api("GET", query());
      if (report.kind === "daily") $("report-date").value = report.date;
      const q = query();
      $("report-csv").href = q + (q.includes("?") ? "&" : "?") + "format=csv";
      $("report-xlsx").href = q + (q.includes("?") ? "&" : "?") + "format=xlsx";
      render(report);
    } catch (err) {
      HQ.toast(err.message, "error");
    }
  }

  function cell(row, key, kind) {
    const value = key.split(".").reduce((o, k) => (o ? o[k] : null), row);
    return kind === "pct" ? HQ.pct(value) : HQ.num(value);
  }

  function table(id, rows, labelHeader, label) {
    const head = HQ.h("tr", {}, HQ.h("th", {}, labelHeader), ...COLUMNS.map(([, h]) => HQ.h("th", { class: "num" }, h)));
    const body = rows.filter((r) => r.issued || r.called || r.served || r.no_shows || r.cancelled || r.expired)
      .map((r) => HQ.h("tr", {}, HQ.h("td", {}, label(r)),
        ...COLUMNS.map(([key, , kind]) => HQ.h("td", { class: "num" }, cell(r, key, kind)))));
    $(id).replaceChildren(HQ.h("thead", {}, head),
      HQ.h("tbody", {}, body.length ? body : [HQ.h("tr", {}, HQ.h("td", { class: "muted", colspan: COLUMNS.length + 1 }, "无数据"))]));
  }

  function render(r) {
    const t = r.totals;
    const share = r.one_window_share;
    $("report-kpis").replaceChildren(
      kpi("办结", t.served, `取号 ${t.issued} · 过号 ${t.no_shows}`),
      kpi("平均等候", HQ.num(t.avg_wait_min), `最长 ${HQ.num(t.max_wait_min)} 分`),
      kpi("平均办理", HQ.num(t.avg_service_min), "分钟"),
      kpi("15分钟内叫号", HQ.pct(r.served_within_15_min), "", r.served_within_15_min >= 0.8 ? "good" : "warn"),
      kpi("一窗受理率", HQ.pct(share), `${r.one_window_counts.comprehensive}/${r.one_window_counts.business} 件`,
          share === null ? "" : share >= 0.9 ? "good" : "bad"),
      kpi("一窗事项占比", HQ.pct(r.one_window_matter_share),
          `${r.one_window_matters.one_window}/${r.one_window_matters.business} 项`,
          r.one_window_matter_share >= 0.9 ? "good" : "warn"),
      kpi("满意率", HQ.pct(t.satisfaction), `未评价 ${t.ratings.unrated}`));
    Charts.bars($("chart-hours"), {
      labels: r.hours.map((h) => h.hour.slice(0, 2) + "时"),
      bars: [{ name: "平均等候", color: Charts.COLORS.blue, values: r.hours.map((h) => h.avg_wait_min) }],
      dots: { name: "最长等候", color: Charts.COLORS.amber, values: r.hours.map((h) => h.max_wait_min) },
      target: { value: 15, label: "15 分钟" }, unit: " 分",
    });
    const queues = r.queues.filter((q) => q.issued || q.served || q.no_shows);
    Charts.bars($("chart-queues"), {
      labels: queues.map((q) => q.queue),
      bars: [{ name: "取号", color: Charts.COLORS.sky, values: queues.map((q) => q.issued) },
             { name: "办结", color: Charts.COLORS.green, values: queues.map((q) => q.served) },
             { name: "过号", color: Charts.COLORS.red, values: queues.map((q) => q.no_shows) }],
      unit: " 张",
    });
    const o = r.comprehensive_outcomes;
    $("report-outcomes").replaceChildren(...[["done", "办结"], ["accepted", "受理转后台"], ["incomplete", "补正告知"],
      ["rejected", "不予受理"]].map(([k, name]) => HQ.h("div", {}, HQ.h("strong", {}, o[k]), HQ.h("small", {}, name))));
    table("report-queues", r.queues, "队列", (q) => `${q.queue} ${q.name}`);
    table("report-windows", r.windows, "窗口", (w) => w.name);
    table("report-clerks", r.clerks, "人员", (c) => c.clerk);
    $("report-days-card").classList.toggle("hidden", !r.days);
    if (r.days) table("report-days", r.days, "日期", (d) => d.date);
  }

  return { load };
})();
