"""The back office's pages (后台审批), the manager's supervision page (督办),
the citizen's case page and the printable receipt (受理回执).

- `/backoffice`: department staff log in and work their cases, soonest
  deadline first; managers see every department's.
- `/supervision`: due and overdue cases per department, alerts, exports, the
  case report.
- `/case/TOKEN`: the case as its citizen sees it (the receipt's QR points
  here; TOKEN is the accepting ticket's token, so the page needs no login).
- `/cases/ID/receipt`: the receipt to print from the clerk's browser.

The pages are shells that read everything through /api/cases…, except the
receipt, which is drawn on the hub so that it prints the same everywhere.
Registered by the hub's app through `blueprint` (module `caller.backoffice`).
"""
from __future__ import annotations

import re

from flask import Blueprint

from hub.rules.errors import HallError
from hub.web.http import actor, service
from hub.web.pages import page_routes, render_page

backoffice_blueprint = Blueprint("backoffice", __name__, template_folder="templates", static_folder="static",
                                 static_url_path="/backoffice/static")
blueprint = backoffice_blueprint  # the attribute the hub's app registers
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


page_routes(backoffice_blueprint, {"/backoffice": "backoffice.html", "/supervision": "backoffice_supervision.html"})


@backoffice_blueprint.get("/case/<token>")
def case_page(token):
    # an unknown token gets the same page; it says so after asking the API
    return render_page("backoffice_case.html", token=token if TOKEN_SHAPE.match(token) else "")


@backoffice_blueprint.get("/cases/<int:case_id>/receipt")
def receipt_page(case_id):
    try:
        slip = service().cases.receipt(case_id, actor())
    except HallError as exc:
        return render_page("backoffice_receipt.html", status=exc.status, slip=None, error=exc.message())
    return render_page("backoffice_receipt.html", slip=slip, qr=qr_svg(slip["case_url"]) if slip["case_url"] else "",
                 error=None)


def qr_svg(data):
    """The receipt's QR code as inline SVG (drawn on the hub: no JavaScript library)."""
    import qrcode
    import qrcode.image.svg

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(data)
    return code.make_image().to_string(encoding="unicode")
