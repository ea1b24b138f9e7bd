"""Rendering hallq's pages: every page extends hub/templates/base.html (the
chrome: language, viewport, icon, the shared stylesheets and scripts, the
connection banner), directly or through its family's layout
(kiosk/layout.html, caller/layout.html), and gets from here the hall's
names and time zone, and `css`/`js` to link its own static files with the
version (which busts the browser's cache of them)."""
from __future__ import annotations

from flask import render_template, url_for
from markupsafe import Markup, escape

from hub import __version__
from hub.web.http import service


def _asset(endpoint, names, tag):
    return Markup("\n".join(tag.format(escape(url_for(endpoint, filename=name) + "?v=" + __version__))
                            for name in names))


def css(endpoint, *names):
    """<link> tags for stylesheets of a blueprint's static folder ("static" for hub/static)."""
    return _asset(endpoint, names, '<link rel="stylesheet" href="{}">')


def js(endpoint, *names):
    """<script> tags, in order."""
    return _asset(endpoint, names, '<script src="{}"></script>')


def render_page(template, status=200, **extra):
    """A page of the hall: `template` extends base.html."""
    hall = service().hall
    html = render_template(template, hall_name=hall.name, hall_name_en=hall.name_en or hall.name,
                           timezone=hall.timezone, version=__version__, css=css, js=js, **extra)
    return html, status


def page_routes(blueprint, pages):
    """Routes for pages that are their template alone: {path: template}."""
    for path, template in pages.items():
        endpoint = template.rsplit("/", 1)[-1].removesuffix(".html") + "_page"
        blueprint.add_url_rule(path, endpoint, lambda template=template: render_page(template))


def not_found_page(title, title_en, text, text_en):
    """The 404 page, in Chinese with English beneath (a citizen's link that leads nowhere)."""
    return render_page("not_found.html", status=404, title=title, title_en=title_en, text=text,
                       text_en=text_en)
