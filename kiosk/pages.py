"""The citizen's pages.

Pages: `/kiosk` (取号机), `/query` (智能查询终端), `/t/TOKEN` (the phone page
behind a ticket's QR) and `/kiosk/qr.svg` (a QR code drawn on the hub, so the
kiosk needs no JavaScript QR library). The pages are static shells; they
read hall state only through the API and Socket.IO; the kiosk's API routes
are hub/web/kiosk.py.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, request

from hub.rules.errors import HallError
from hub.web.http import service
from hub.web.kiosk import IDLE_SECONDS
from hub.web.models.kiosk import KioskError
from hub.web.pages import not_found_page, render_page

blueprint = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/kiosk/static")

QR_MAX = 600  # characters: a status URL is ~80
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
UNKNOWN_TICKET = ("没有这张号票", "This ticket does not exist",
                  "链接无效或已过期，请扫描号票上的二维码，或到导办台询问。",
                  "The link is wrong or has expired: scan the QR code on your ticket, or ask at the guide desk.")


# pages -------------------------------------------------------------------------------
@blueprint.get("/kiosk")
def kiosk_page():
    return render_page("kiosk/kiosk.html", idle_default=IDLE_SECONDS)


@blueprint.get("/query")
def query_page():
    return render_page("kiosk/query.html")


@blueprint.get("/t/<token>")
def phone_page(token):
    """The phone page of a ticket; a token that names no ticket gets the 404 page."""
    try:
        if not TOKEN_SHAPE.match(token):
            raise HallError(404, "bad_token")
        service().tickets.by_token(token)
    except HallError as exc:
        if exc.status != 404:
            raise
        return not_found_page(*UNKNOWN_TICKET)
    return render_page("kiosk/phone.html", token=token)


@blueprint.get("/book")
def book_page():
    return render_page("kiosk/book.html", code="")


@blueprint.get("/b/<code>")
def booking_page(code):
    # the booking behind the code is read by the page from the API (a wrong code says so there)
    return render_page("kiosk/book.html", code=code if code.isdigit() and len(code) <= 16 else "")


@blueprint.get("/kiosk/qr.svg")
def qr_svg():
    import qrcode
    import qrcode.image.svg

    data = request.args.get("data", "")
    if not 0 < len(data) <= QR_MAX:
        raise KioskError(422, "qr_data", limit=QR_MAX)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(data)
    svg = code.make_image().to_string(encoding="unicode")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
