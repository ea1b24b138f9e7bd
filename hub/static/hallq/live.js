/* The live line to the hub, one for every page: Socket.IO with a snapshot on
   every (re)connect, a resume {"after": last event id} so the hub replays
   what a short drop missed (marked "replay": true), events already in the
   snapshot dropped by their id, and the connection banner from a drop until
   the next snapshot, so no stale figure is ever shown as current.

   HQ.live({onSnapshot(snap), onEvent(type, data), onState(synced),
            onRefused(retry), token, banner})
   - token: a staff login or device key (default: the page's login, HQ.session);
   - onRefused: the hub refused the token (expired, reset, wrong key); `retry()`
     connects again; without it the page retries after 5 s;
   - banner: false for a page that shows the state itself (the board).
   Returns {socket, synced}. */
"use strict";
(function () {
  const HQ = window.HQ;

  HQ.live = function (handlers) {
    const live = { socket: null, synced: false, lastId: null };
    const useBanner = handlers.banner !== false;
    const setState = (ok) => {
      if (live.synced === ok) return;
      live.synced = ok;
      if (useBanner) HQ.banner(!ok);
      if (handlers.onState) handlers.onState(ok);
    };
    if (useBanner) HQ.banner(true);  // until the first snapshot
    if (typeof io !== "function") return live;
    const token = handlers.token !== undefined ? handlers.token : HQ.session.token;
    const socket = io({ auth: token ? { token } : {}, transports: ["websocket", "polling"],
                        reconnectionDelay: 500, reconnectionDelayMax: 2000, randomizationFactor: 0.3,
                        timeout: 5000 });
    live.socket = socket;
    const retry = () => socket.connect();
    socket.on("connect", () => {
      if (live.lastId !== null) socket.emit("resume", { after: live.lastId });
    });
    socket.on("disconnect", (reason) => {
      setState(false);
      if (reason === "io server disconnect") setTimeout(retry, 1000);  // the hub hung up: come back
    });
    socket.on("connect_error", () => {
      setState(false);
      if (socket.active) return;  // socket.io retries by itself
      if (handlers.onRefused) handlers.onRefused(retry); else setTimeout(retry, 5000);
    });
    socket.on("snapshot", (snap) => {
      const data = snap || {};
      if (Number.isInteger(data.event_id)) live.lastId = data.event_id;
      HQ.syncClock(data.now);
      if (handlers.onSnapshot) handlers.onSnapshot(data);
      setState(true);
    });
    socket.onAny((type, data) => {
      if (type === "snapshot" || !data || typeof data !== "object") return;
      if (Number.isInteger(data.event_id)) {
        if (live.lastId !== null && data.event_id <= live.lastId) return;  // already in the snapshot
        live.lastId = data.event_id;
      }
      if (data.at) HQ.syncClock(data.at);
      if (handlers.onEvent) handlers.onEvent(type, data);
    });
    return live;
  };
})();
