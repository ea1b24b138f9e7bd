/* The web call board: a Socket.IO client of the hub that keeps the board's
   state (the same rules as display/board_state.py) and speaks new calls.

   A call is new (flashes, is spoken) only when it arrives live. Calls from a
   snapshot, or replayed after a drop ("replay": true), go to the history:
   a board that was away never presents a missed call as happening now.
   URL options: ?windows=1,2,5-7 or ?floor=1, ?lang=en, ?sound=off,
   ?device=board-2&key=KEY (acknowledge calls to the hub). */
(function () {
  "use strict";

  var HISTORY = 20, SHOW_HISTORY = 8, FLASH_MS = 10000, NOTICE_PX_PER_S = 110;
  var LABELS = {
    zh: { calling: "正在呼叫", to: "请到 {n} 号窗口", window: "{n}号窗口", history: "最近呼叫", windows: "窗口",
          waiting: "等候 {n} 人", paused: "暂停服务", closed: "未开放", idle: "—", none: "暂无呼叫",
          connecting: "正在连接…", recall: "重呼", badKey: "设备密钥无效", tap: "点击此处启用语音播报" },
    en: { calling: "Now calling", to: "Please go to window {n}", window: "Window {n}", history: "Recent calls",
          windows: "Windows", waiting: "{n} waiting", paused: "Paused", closed: "Closed", idle: "—",
          none: "No calls yet", connecting: "Connecting…", recall: "Recall", badKey: "Bad device key",
          tap: "Tap here to enable voice" }
  };

  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") === "en" ? "en" : "zh";
  var L = LABELS[lang];
  var filter = { numbers: parseWindows(params.get("windows")), floor: params.get("floor") || "" };
  var device = params.get("device"), key = params.get("key");
  var soundOff = params.get("sound") === "off";
  var $ = function (id) { return document.getElementById(id); };
  var board = $("board");

  var state = { hall: {}, queues: new Map(), windows: new Map(), calls: [], lastEventId: null,
                featured: new Set(), flash: null, connected: false, clockOffset: 0, tzMinutes: null };

  function parseWindows(text) {
    var numbers = new Set();
    (text || "").split(",").forEach(function (part) {
      var m = part.trim().match(/^(\d+)(?:-(\d+))?$/);
      if (!m) return;
      for (var n = +m[1]; n <= +(m[2] || m[1]); n++) numbers.add(n);
    });
    return numbers;
  }

  function fmt(template, n) { return template.replace("{n}", n); }

  var esc = HQ.esc;

  function name(item) { return (lang === "en" && item.name_en) || item.name || ""; }

  // ---- state (display/board_state.py) ------------------------------------
  function loadSnapshot(snap) {
    var seen = state.lastEventId;
    state.hall = Object.assign({}, snap.hall || {});
    state.queues = new Map((snap.queues || []).map(function (q) { return [q.id, q]; }));
    state.windows = new Map((snap.windows || []).map(function (w) { return [w.id, w]; }));
    state.calls = (snap.calls || []).slice(0, HISTORY);
    state.lastEventId = snap.event_id;
    state.flash = null;
    var ids = new Set(state.calls.map(function (c) { return c.event_id; }));
    var hubNow = parseTime(snap.now);
    if (hubNow) { state.clockOffset = hubNow.ms - Date.now(); state.tzMinutes = hubNow.tz; }
    if (seen == null) { state.featured = ids; return []; }
    state.featured = new Set(Array.from(state.featured).filter(function (id) { return ids.has(id); }));
    return state.calls.filter(function (c) { return c.event_id > seen; });
  }

  function applyEvent(type, data) {
    var id = data.event_id;
    if (state.lastEventId == null || id == null || id <= state.lastEventId) return null;
    state.lastEventId = id;
    merge(data);
    if ((type !== "ticket.called" && type !== "ticket.recalled") || !data.call) return null;
    var call = Object.assign({ recall: type === "ticket.recalled" }, data.call);
    state.calls = [call].concat(state.calls.filter(function (c) { return c.event_id !== call.event_id; }))
      .slice(0, HISTORY);
    var kept = new Set(state.calls.map(function (c) { return c.event_id; }));
    state.featured = new Set(Array.from(state.featured).filter(function (e) { return kept.has(e); }));
    if (data.replay) return { call: call, live: false };
    state.featured.add(call.event_id);
    state.flash = { id: call.event_id, until: Date.now() + FLASH_MS };
    return { call: call, live: true };
  }

  function merge(data) {
    if (data.hall && typeof data.hall === "object") Object.assign(state.hall, data.hall);
    if (typeof data.notice === "string") state.hall.notice = data.notice;
    (data.queues || []).forEach(function (q) {
      state.queues.set(q.id, Object.assign({}, state.queues.get(q.id) || {}, q));
    });
    var w = data.window;
    if (w && typeof w === "object" && w.id) {
      var merged = Object.assign({}, state.windows.get(w.id) || {}, w);
      if (!("ticket" in w) && data.ticket && /called$/.test(data.type || "")) merged.ticket = data.ticket;
      state.windows.set(w.id, merged);
    }
  }

  function parseTime(text) {
    var m = /([+-])(\d\d):?(\d\d)$|Z$/.exec(text || "");
    var ms = Date.parse(text || "");
    if (!m || isNaN(ms)) return null;
    var tz = m[1] ? (m[1] === "-" ? -1 : 1) * (+m[2] * 60 + +m[3]) : 0;
    return { ms: ms, tz: tz };
  }

  function shows(w) {
    if (filter.numbers.size && !filter.numbers.has(w.number)) return false;
    if (filter.floor && String(w.floor || "") !== filter.floor) return false;
    return true;
  }

  // ---- view ---------------------------------------------------------------
  function render() {
    var everything = !filter.numbers.size && !filter.floor;
    var windows = Array.from(state.windows.values()).filter(shows);
    var shownIds = new Set(windows.map(function (w) { return w.id; }));
    var calls = state.calls.filter(function (c) { return everything || shownIds.has(c.window.id); });
    var big = calls.find(function (c) { return state.featured.has(c.event_id); }) || null;
    var lastByWindow = {};
    calls.slice().reverse().forEach(function (c) { lastByWindow[c.window.id] = c.ticket.number; });
    var served = new Set();
    windows.forEach(function (w) { (w.queues || []).forEach(function (q) { served.add(q); }); });

    $("hall").textContent = name(state.hall);
    if (name(state.hall)) document.title = name(state.hall) + (lang === "en" ? " · Board" : " · 综合屏");
    renderNow(big);
    $("history").innerHTML = calls.filter(function (c) { return c !== big; }).slice(0, SHOW_HISTORY)
      .map(function (c) {
        return '<li data-event-id="' + c.event_id + '"><span class="ticket">' + esc(c.ticket.number) +
          '</span><span class="arrow">→</span>' + esc(fmt(L.window, c.window.number)) +
          (c.recall ? '<span class="recall">' + L.recall + "</span>" : "") + "</li>";
      }).join("");
    var columns = windows.length > 10 ? 2 : 1;
    $("windows").className = columns === 2 ? "" : "single";
    $("windows").style.setProperty("--rows", Math.max(1, Math.ceil(windows.length / columns)));
    $("windows").innerHTML = windows.map(function (w) {
      var t = w.ticket && (w.ticket.status || "called");
      var current = t === "called" || t === "serving" ? w.ticket.number : lastByWindow[w.id];
      var value = w.state === "paused" ? L.paused : w.state === "closed" ? L.closed : (current || L.idle);
      return '<li class="' + esc(w.state || "open") + '" data-window="' + w.number + '"><span>' +
        esc(fmt(L.window, w.number)) + '</span><span class="ticket">' + esc(value) + "</span></li>";
    }).join("");
    $("queues").innerHTML = Array.from(state.queues.values())
      .filter(function (q) { return everything || served.has(q.id); })
      .map(function (q) {
        return '<li data-queue="' + esc(q.id) + '"><span class="name">' + esc(q.id + " " + name(q)) +
          '</span><span class="count">' + esc(fmt(L.waiting, q.waiting || 0)) + "</span></li>";
      }).join("");
    renderNotice(state.hall.notice || "");
  }

  function renderNow(call) {
    var now = $("now");
    var fresh = !!(call && state.flash && state.flash.id === call.event_id && Date.now() < state.flash.until);
    $("now-number").textContent = call ? call.ticket.number : L.none;
    $("now-window").textContent = call ? fmt(L.to, call.window.number) : "";
    var id = call ? String(call.event_id) : "";
    if (now.dataset.eventId !== id || now.dataset.new !== String(fresh)) {
      now.classList.remove("flash");
      if (fresh) { void now.offsetWidth; now.classList.add("flash"); }  // restart the animation
    }
    now.dataset.eventId = id;
    now.dataset.new = String(fresh);
  }

  var noticeText = null;
  function renderNotice(text) {
    if (text === noticeText) return;
    noticeText = text;
    var track = $("notice");
    track.textContent = text;
    track.className = "track still";
    if (track.scrollWidth > track.parentNode.clientWidth) {
      track.className = "track scroll";
      var seconds = (track.scrollWidth) / NOTICE_PX_PER_S;
      track.style.setProperty("--notice-seconds", Math.max(8, seconds) + "s");
    }
  }

  function tick() {
    var local = new Date(Date.now() + state.clockOffset + (state.tzMinutes == null ? 0 : state.tzMinutes * 60000));
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var useUtc = state.tzMinutes != null;
    var h = useUtc ? local.getUTCHours() : local.getHours(), m = useUtc ? local.getUTCMinutes() : local.getMinutes();
    var s = useUtc ? local.getUTCSeconds() : local.getSeconds();
    var y = useUtc ? local.getUTCFullYear() : local.getFullYear();
    var mo = (useUtc ? local.getUTCMonth() : local.getMonth()) + 1, d = useUtc ? local.getUTCDate() : local.getDate();
    $("clock").textContent = two(h) + ":" + two(m) + ":" + two(s);
    $("date").textContent = y + "-" + two(mo) + "-" + two(d);
    if (state.flash && Date.now() >= state.flash.until) { state.flash = null; render(); }
    setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  }

  // ---- acknowledgements ---------------------------------------------------
  var reported = new Map();
  function ack(eventId, shown, spoken) {
    if (!device || !key || eventId == null) return;
    var before = reported.get(eventId) || [false, false];
    var now = [before[0] || shown, before[1] || spoken];
    if (now[0] === before[0] && now[1] === before[1]) return;
    reported.set(eventId, now);
    if (reported.size > 500) reported.delete(reported.keys().next().value);
    fetch("/api/calls/" + eventId + "/ack", {
      method: "POST", headers: { "Content-Type": "application/json", "Authorization": "Bearer " + key },
      body: JSON.stringify({ device: device, shown: now[0], spoken: now[1] })
    }).catch(function () { /* the hub is away: it learns of the call from the next ack, if any */ });
  }

  function ackShown(calls) {
    requestAnimationFrame(function () { calls.forEach(function (c) { ack(c.event_id, true, false); }); });
  }

  // ---- voice ----------------------------------------------------------------
  var voice = { queue: [], busy: false, enabled: localStorage.getItem("hallq.board.sound") === "on" };
  var audio = $("voice");

  var announced = [], played = [];  // what this page said, for the operator's console and tests

  function say(call) {
    announced.push(call.ticket.number);
    if (soundOff || !voice.enabled) return;
    var url = "/board/announce?number=" + encodeURIComponent(call.ticket.number) +
      "&window=" + encodeURIComponent(call.window.number) + "&repeat=" + (board.dataset.repeat || 2);
    var steps = fetch(url).then(function (r) { return r.ok ? r.json() : { steps: [] }; })
      .then(function (p) { return p.steps; }, function () { return []; });
    voice.queue.push({ call: call, steps: steps });  // queued now, so fetches cannot reorder calls
    pump();
  }

  function pump() {
    if (voice.busy || !voice.queue.length) return;
    voice.busy = true;
    var item = voice.queue[0];
    item.steps.then(playSteps).then(function (ok) {
      if (ok) ack(item.call.event_id, true, true);
    }).then(function () {
      voice.queue.shift();
      voice.busy = false;
      pump();
    });
  }

  function playSteps(steps) {
    return steps.reduce(function (chain, step) {
      return chain.then(function (ok) {
        if (!ok) return false;
        return step.pause != null ? wait(step.pause * 1000).then(function () { return true; }) : playClip(step);
      });
    }, Promise.resolve(steps.length > 0));
  }

  function wait(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  function playClip(step) {
    return new Promise(function (done) {
      var finished = false;
      var end = function (ok) { if (!finished) { finished = true; audio.onended = null; done(ok); } };
      audio.onended = function () { end(true); };
      audio.src = step.clip;
      played.push(step.clip);
      // never stall the queue on a clip that does not report its end
      setTimeout(function () { end(true); }, (step.duration + 1.5) * 1000);
      audio.play().catch(function (err) {
        if (err && err.name === "NotAllowedError") { voice.enabled = false; showTap(); end(false); }
      });
    });
  }

  function showTap() {
    var tap = $("sound-tap");
    tap.textContent = L.tap;
    tap.hidden = soundOff || voice.enabled;
  }

  $("sound-tap").addEventListener("click", function () {
    voice.enabled = true;
    localStorage.setItem("hallq.board.sound", "on");
    audio.src = "/board/sounds/chime.wav";  // played inside the tap: unlocks audio for later calls
    audio.play().catch(function () {});
    showTap();
  });

  // ---- the hub --------------------------------------------------------------
  function setConnected(up, why) {
    state.connected = up;
    board.classList.toggle("offline", !up);
    $("status").textContent = why || L.connecting;
  }

  var live = HQ.live({
    token: key || null, banner: false,  // the board says it in its own band
    onState: function (up) { setConnected(up); },
    onRefused: function (retry) {
      setConnected(false, key ? L.badKey : null);
      setTimeout(retry, 5000);
    },
    onSnapshot: function (snap) {
      var missed = loadSnapshot(snap);
      render();
      ackShown(missed);
    },
    onEvent: function (type, data) {
      if (type === "queues.changed") { merge({ queues: data.queues }); render(); return; }  // counts, no event id
      var before = state.lastEventId;
      var got = applyEvent(type, data);
      if (state.lastEventId === before) return;  // stale or repeated
      render();
      if (!got) return;
      ackShown([got.call]);
      if (got.live) say(got.call);
    }
  });

  document.querySelectorAll("[data-label]").forEach(function (el) { el.textContent = L[el.dataset.label]; });
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  setConnected(false);
  showTap();
  tick();
  window.hallqBoard = { state: state, render: render, socket: live.socket, announced: announced, played: played };
})();
