/* The staff consoles' formatting over hub/static/hallq (which holds the API,
   the live line, the login and the DOM helpers): durations, times, the names
   of states and kinds in Chinese. */
"use strict";

(function () {
  const HQ = window.HQ;
  HQ.retryMs = 45000;  // a press keeps retrying this long while the hub is unreachable (api.js)

  HQ.duration = function (seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (h) return `${h}小时${String(m).padStart(2, "0")}分`;
    return `${m}分${String(sec).padStart(2, "0")}秒`;
  };
  HQ.hhmm = (iso) => (iso ? iso.slice(11, 16) : "—");
  HQ.pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1).replace(/\.0$/, "") + "%");
  HQ.num = (x, unit = "") => (x === null || x === undefined ? "—" : x + unit);
})();

const STATE_NAMES = { open: "开放", paused: "暂停", closed: "关闭" };
const STATUS_NAMES = { waiting: "等待中", called: "已叫号", serving: "办理中", done: "已办结", no_show: "已过号",
                       cancelled: "已取消", expired: "已过期" };
const KIND_NAMES = { comprehensive: "综合受理", professional: "专业", tidal: "潮汐", output: "统一出件",
                     help: "帮办代办", consult: "咨询导办", complaint: "找茬投诉" };
const PRIORITY_NAMES = { green: "绿色通道", appointment: "预约", help: "帮办代办" };
const SCORE_NAMES = { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" };
const ROLE_NAMES = { clerk: "窗口人员", manager: "大厅负责人", admin: "管理员", backoffice: "后台审批", guide: "导办员" };
