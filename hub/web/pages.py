"""Rendering hallq's pages: every page extends hub/templates/base.html (the
chrome: language, viewport, icon, the shared stylesheet and scripts, the
connection banner) and gets the hall's names, time zone and the version
(which busts the browser's cache of the static files) from here."""
from __future__ import annotations

from flask import render_template

from hub import __version__
from hub.web.http import service


def render_page(template, status=200, **extra):
    """A page of the hall: `template` extends base.html."""
    hall = service().hall
    html = render_template(template, hall_name=hall.name, hall_name_en=hall.name_en or hall.name,
                           timezone=hall.timezone, version=__version__, **extra)
    return html, status


def not_found_page(title, title_en, text, text_en):
    """The 404 page, in Chinese with English beneath (a citizen's link that leads nowhere)."""
    return render_page("not_found.html", status=404, title=title, title_en=title_en, text=text,
                       text_en=text_en)
