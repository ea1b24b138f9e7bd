"""The web board (/board) for a TV in Chromium kiosk mode, and the voice
clips it plays. The page reaches hall state only through Socket.IO (and
acks over the API); this blueprint serves the page, its script and style,
the clips, and the clip program of a call (so both boards say the same)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, send_from_directory

from display.announcer import AnnounceError, call_program
from display.sounds import SoundsError, load_manifest
from hub.web.pages import render_page

blueprint = Blueprint("display", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/board/static")


def _hall():
    service = current_app.extensions.get("hallq")
    return getattr(service, "hall", None)


def _manifest():
    if "hallq.sounds" not in current_app.extensions:
        current_app.extensions["hallq.sounds"] = load_manifest()
    return current_app.extensions["hallq.sounds"]


def _error(status, code, message):
    return jsonify({"error": {"code": code, "message": message}}), status


@blueprint.get("/board")
def board():
    return render_page("board.html", repeat=_hall().rules.announce_repeat)


@blueprint.get("/board/sounds/<name>.wav")
def clip(name):
    try:
        manifest = _manifest()
    except SoundsError:
        abort(404)
    if name not in manifest:
        abort(404)
    path = manifest.clip(name).path
    return send_from_directory(path.parent, path.name, mimetype="audio/wav", max_age=86400)


@blueprint.get("/board/announce")
def announce():
    """The steps of one call: [{"clip": url, "duration": s} | {"pause": s}]."""
    english = request.accept_languages.best_match(["zh", "en"]) == "en"
    hall = _hall()
    default = hall.rules.announce_repeat if hall else 2
    text = request.args.get("repeat") or str(default)
    if not text.isdigit() or not 1 <= int(text) <= 5:
        return _error(422, "bad_field", "repeat must be 1..5" if english else f"重复次数 {text!r} 无效: 应为 1 到 5")
    try:
        repeat = int(text)
        steps = call_program(request.args.get("number", ""), request.args.get("window", ""),
                             repeat=repeat)
        manifest = _manifest()
        program = [{"pause": s} if isinstance(s, float) else
                   {"clip": f"/board/sounds/{s}.wav", "duration": manifest.clip(s).duration} for s in steps]
    except AnnounceError as exc:
        message = "cannot announce this call" if english else str(exc)
        return _error(422, "bad_call", message)
    except SoundsError as exc:
        return _error(404, "no_sounds", "voice clips missing" if english else str(exc))
    return jsonify({"steps": program})
