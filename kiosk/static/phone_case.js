/* The phone page as the case page: when the ticket was accepted for the back
   office (or is the pickup ticket of a case), GET /api/t/TOKEN carries `case`
   and the page shows its state on a step line, the deadline and the working
   days left, what is missing when returned (补正), the reason when refused,
   and "请到统一出件窗口取件" with the pickup code once the result is ready. */
"use strict";
(function () {
  const h = HQ.h;
  const $ = (id) => document.getElementById(id);
  // The step line: each state sits on one step; some states rename their step.
  const STEPS = ["accepted", "review", "decided", "ready", "delivered"];
  const PLACE = { accepted: 0, in_review: 1, returned: 1, approved: 2, rejected: 2, ready: 3, delivered: 4, mailed: 4 };
  const RENAMED = { returned: "returned", rejected: "rejected", mailed: "mailed" };
  const RUNNING = ["accepted", "in_review"];
  const DECIDED = ["approved", "rejected", "ready", "delivered", "mailed"];

  const when = (iso) => (iso ? iso.slice(5, 10).replace("-", "/") + " " + iso.slice(11, 16) : "");
  const whenFull = (iso) => (iso ? iso.slice(0, 10) + " " + iso.slice(11, 16) : "");

  function progress(c) {
    const at = PLACE[c.state];
    return STEPS.map((step, i) => {
      const renamed = i === at && RENAMED[c.state];
      const cls = i < at || (i === at && i === STEPS.length - 1) ? "done" : i === at ? "current" : "todo";
      const warn = i === at && (c.state === "returned" || c.state === "rejected") ? " warn" : "";
      return h("li", { class: "step-" + cls + warn, dataset: { step: step } },
        h("span", { class: "dot", "aria-hidden": "true" }, cls === "done" ? "" : String(i + 1)),
        h("span", { class: "label" }, HQ.t("case_step_" + (renamed || step))));
    });
  }

  function daysLeft(c) {
    if (DECIDED.includes(c.state) || c.days_left === null || c.days_left === undefined) return "";
    if (c.clock_stopped) return HQ.t("case_stopped", { n: c.days_left });
    if (c.days_left < 0) return HQ.t("case_overdue", { n: -c.days_left });
    return c.days_left === 0 ? HQ.t("case_left_today") : HQ.t("case_left_n", { n: c.days_left });
  }

  /* The hub words its message in Chinese; English comes from the page's own strings. */
  function message(c) {
    if (HQ.lang === "zh" && c.message) return c.message;
    if (RUNNING.includes(c.state)) return HQ.t("case_msg_running", { date: c.deadline });
    const keys = { returned: "returned", approved: "decided", rejected: "decided", ready: "ready", mailed: "mailed" };
    return HQ.t("case_msg_" + (keys[c.state] || "delivered"));
  }

  window.Phone = window.Phone || {};
  window.Phone.renderCase = function (c, token) {
    $("case").hidden = !c;
    document.body.classList.toggle("has-case", !!c);
    if (!c) return;
    $("case").dataset.state = c.state;
    $("case-department").textContent = c.department || "";
    $("case-number").textContent = c.number;
    $("case-matter").textContent = c.matter_name + (c.situation_name ? " · " + c.situation_name : "");
    HQ.fill($("case-progress"), progress(c));
    $("case-state").textContent = HQ.lang === "zh" && c.state_text ? c.state_text : HQ.t("case_state_" + c.state);
    $("case-state").className = "case-state state-" + c.state;

    const ready = c.state === "ready";
    $("case-ready").hidden = !ready;
    $("case-code").textContent = ready && c.pickup_code ? c.pickup_code : "";
    $("case-code").hidden = !(ready && c.pickup_code);
    $("case-missing").hidden = !(c.state === "returned" && (c.missing || []).length);
    HQ.fill($("case-missing-list"), (c.missing || []).map((m) => h("li", {}, m)));
    $("case-reason").hidden = !c.reason;
    $("case-reason-text").textContent = c.reason || "";
    $("case-message").hidden = ready; // the ready panel says it, larger
    $("case-message").textContent = message(c);

    $("case-accepted").textContent = whenFull(c.accepted_at);
    $("case-deadline").textContent = HQ.t("case_deadline_value", { date: c.deadline });
    const left = daysLeft(c);
    $("case-left-row").hidden = !left;
    $("case-left").textContent = left;
    $("case-left").className = c.days_left < 0 && !c.clock_stopped ? "overdue" : "";
    HQ.fill($("case-history"), (c.steps || []).slice().reverse().map((s) => h("li", {},
      h("time", {}, when(s.at)), h("span", {}, s.text))));
    const link = $("case-link");
    link.hidden = !token;
    if (token) link.href = "/case/" + encodeURIComponent(token);
  };
})();
