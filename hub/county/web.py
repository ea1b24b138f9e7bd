"""The county server's Flask app: the uplink endpoint, county staff's JSON
routes and the /county page. Each view reads its input, calls one
CountyService method and turns the result or a CountyError into JSON."""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import psycopg
from flask import Blueprint, Flask, current_app, g, jsonify, redirect, request, send_file
from werkzeug.exceptions import HTTPException

from hub.county.errors import CountyError
from hub.rules.errors import language

log = logging.getLogger("hallq.county")
SESSION_COOKIE = "county_session"
MAX_BODY = 8 * 1024 * 1024
HERE = Path(__file__).parent

bp = Blueprint("county", __name__, static_folder=str(HERE / "static"), static_url_path="/county/static")


def svc():
    return current_app.extensions["county"]


def bearer():
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def json_body():
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise CountyError(400, "bad_json")
    return data


def staff():
    """The logged-in county user, or 401."""
    if "actor" not in g:
        token = bearer() or request.cookies.get(SESSION_COOKIE)
        g.actor = svc().actor(token, request.remote_addr or "")
    if g.actor is None:
        raise CountyError(401, "login_required")
    return g.actor


def error_response(exc):
    lang = language(request.headers.get("Accept-Language"))
    return jsonify({"error": {"code": exc.code, "message": exc.message(lang)}}), exc.status


# the uplink ----------------------------------------------------------------------
@bp.post("/api/uplink/events")
def uplink_events():
    return jsonify(svc().ingest(bearer(), json_body()))


@bp.get("/api/uplink/state")
def uplink_state():
    return jsonify(svc().uplink_state(bearer(), request.args.get("hall", "")))


@bp.get("/api/county/catalog")
def catalog():
    key = bearer()
    if key and "." in key:  # hall keys are "HALL.SECRET"; session tokens have no dot
        svc().hall_of_key(key)
    else:
        staff()
    known = request.args.get("known", "")
    return jsonify(svc().catalog(int(known) if known.isdigit() else None))


# staff ---------------------------------------------------------------------------
@bp.post("/api/login")
def login():
    data = json_body()
    token = svc().login(data.get("user"), data.get("pin"), request.remote_addr or "")
    response = jsonify({"token": token})
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict")
    return response


@bp.post("/api/logout")
def logout():
    token = bearer() or request.cookies.get(SESSION_COOKIE)
    if token:
        svc().logout(token)
    response = jsonify({"ok": True})
    response.delete_cookie(SESSION_COOKIE)
    return response


@bp.get("/api/me")
def me():
    a = staff()
    return jsonify({"user": a.name, "role": a.role, "halls": list(a.halls) if a.halls else None})


def _date_arg():
    day = request.args.get("date")
    if day is None:
        return None
    from hub.county.report import check_range
    return check_range(day, day)[0]


@bp.get("/api/county/halls")
def halls():
    return jsonify({"halls": svc().halls(staff(), _date_arg()), "date": _date_arg() or svc().today()})


@bp.get("/api/county/halls/<hall_id>")
def hall(hall_id):
    return jsonify(svc().hall_detail(staff(), hall_id, _date_arg()))


@bp.get("/api/county/overdue")
def overdue():
    actor = staff()
    svc().audit(actor, "county.overdue", "-")
    return jsonify(svc().overdue(actor))


@bp.get("/api/county/audit")
def audit():
    return jsonify({"audit": svc().audit_rows(staff())})


@bp.get("/api/county/report")
def report():
    from hub.county.report_files import FORMATS, render
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise CountyError(422, "bad_field", field="format", why="须为 json/csv/xlsx")
    doc = svc().report(staff(), request.args.get("from"), request.args.get("to"))
    if fmt == "json":
        return jsonify(doc)
    data, mimetype = render(doc, fmt)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"county-{doc['from']}-{doc['to']}.{fmt}")


@bp.get("/api/health")
def health():
    return jsonify({"status": "ok", "service": "county", "schema": current_app.extensions["county"].db.version})


# pages ---------------------------------------------------------------------------
@bp.get("/")
def index():
    return redirect("/county")


@bp.get("/county")
def county_page():
    return send_file(HERE / "static" / "county.html", mimetype="text/html")


def create_app(service):
    app = Flask("hub.county")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["county"] = service
    app.register_blueprint(bp)

    @app.errorhandler(CountyError)
    def county_error(exc):
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 404:
            return error_response(CountyError(404, "not_found", path=request.path))
        if exc.code == 405:
            return error_response(CountyError(405, "method_not_allowed", method=request.method))
        if exc.code == 413:
            return error_response(CountyError(413, "body_too_large", limit=MAX_BODY))
        return error_response(CountyError(exc.code or 400, "bad_json"))

    @app.errorhandler(psycopg.OperationalError)
    def database_down(exc):
        log.warning("county database unavailable on %s %s: %s", request.method, request.path, exc)
        return error_response(CountyError(503, "database_unavailable"))

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(CountyError(500, "internal"))

    return app
