"""The clerk's console (/caller) and the manager's console (/manager).

Both pages are static shells: they log in through /api/login, read hall
state through the API and keep it live over Socket.IO. `blueprint` serves
them and their static files; the routes they call are hub/web/ (core and
staff)."""
from __future__ import annotations

from flask import Blueprint

from hub.web.pages import page_routes

blueprint = Blueprint("caller", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/caller/static")


page_routes(blueprint, {"/caller": "caller/caller.html", "/manager": "caller/manager.html"})
