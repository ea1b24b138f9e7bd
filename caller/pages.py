"""The clerk's console (/caller) and the manager's console (/manager).

Both pages are static shells: they log in through /api/login, read hall
state through the API and keep it live over Socket.IO. `blueprint` serves
them and their static files; `api_blueprint` (hub.web.staff) adds the
routes the consoles need beyond the hub's own."""
from __future__ import annotations

from flask import Blueprint, render_template

from hub import __version__
from hub.web.http import service

from hub.web.staff import api_blueprint  # noqa: F401  (registered by the hub's app)

blueprint = Blueprint("caller", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/caller/static")


def _page(template):
    hall = service().hall
    return render_template(template, hall_name=hall.name, hall_name_en=hall.name_en, timezone=hall.timezone,
                           version=__version__)


@blueprint.get("/caller")
def caller_page():
    return _page("caller/caller.html")


@blueprint.get("/manager")
def manager_page():
    return _page("caller/manager.html")
