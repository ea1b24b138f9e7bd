/* The staff pages' login (caller, manager, back office, supervision): the
   #login-form, #logout and the session kept for the tab (HQ.session).

   HQ.staffLogin({roles, denied, extra, accept, onEnter})
   - roles: the roles this page is for (any staff role when absent), denied: what a
     login of another role is told;
   - extra(): more fields for /api/login (the caller's window);
   - accept(me): whether a session resumed on reload may enter (the caller's needs a window);
   - onEnter(me): show the page for `me` (GET /api/me).
   HQ.loginLost(retry): the live line's onRefused for a staff page. */
"use strict";
(function () {
  const HQ = window.HQ;
  const $ = (id) => document.getElementById(id);

  async function logout() {
    await HQ.api("POST", "/api/logout", {}).catch(() => null);
    HQ.session.set(null);
    location.reload();
  }

  HQ.staffLogin = function (options) {
    const allowed = (me) => !options.roles || options.roles.includes(me.role);
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      $("login-error").textContent = "";
      try {
        const body = Object.assign({ user: $("login-user").value.trim(), pin: $("login-pin").value },
                                   options.extra ? options.extra() : {});
        const r = await HQ.api("POST", "/api/login", body);
        HQ.session.set(r.token);
        const me = await HQ.api("GET", "/api/me");
        if (!allowed(me)) {
          await HQ.api("POST", "/api/logout", {}).catch(() => null);
          HQ.session.set(null);
          $("login-error").textContent = options.denied;
          return;
        }
        $("login-pin").value = "";
        options.onEnter(me);
      } catch (err) {
        $("login-error").textContent = err.message;
      }
    });
    $("logout").addEventListener("click", logout);
    return resume(allowed, options);
  };

  /* A reload keeps the tab's login: true when the page entered. */
  async function resume(allowed, options) {
    if (!HQ.session.token) return false;
    try {
      const me = await HQ.api("GET", "/api/me");
      if (!allowed(me) || (options.accept && !options.accept(me))) return false;
      options.onEnter(me);
      return true;
    } catch (err) {
      if (err.status === 401) HQ.session.set(null);
      return false;
    }
  }

  /* The hub refused the live line's token: the login is gone (expired, PIN reset,
     disabled) or the hub was only away for a moment. */
  HQ.loginLost = async function (retry) {
    try {
      await HQ.api("GET", "/api/me");
      setTimeout(retry, 2000);
    } catch (err) {
      if (err.status !== 401) { setTimeout(retry, 2000); return; }
      HQ.session.set(null);
      HQ.toast("登录已失效, 请重新登录", "error");
      setTimeout(() => location.reload(), 1500);
    }
  };
})();
