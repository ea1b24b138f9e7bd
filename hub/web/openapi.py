"""/api/openapi.json from the typed routes, and /api/docs, which shows it.

spectree writes the document from the routes' models (hub/web/typed.py);
this module adds what spectree does not know: path values from the
routes' PathModels, the error answers every route may give (all of them
`{"error": {"code", "message"}}`), other media types a route answers with
(CSV, XLSX, ESC/POS, SVG, HTML), optional bodies, and the ways to log in.
The page uses the swagger-ui files vendored in hub/static/vendor (no CDN)."""
from __future__ import annotations

import copy
import re

from flask import current_app

from hub.web.models.common import ErrorBody
from hub.web.typed import FILES, PATH_MODELS, SPEC, declared

ERRORS = {  # status: when
    400: "malformed request: not JSON, not an object, nested too deep, or a wrong query value",
    401: "login (or device key) needed",
    403: "not allowed for this login",
    404: "unknown id or address",
    409: "the hall's state does not allow it now",
    413: "body over the hall's rules.max_body_bytes",
    414: "request line over 8 KiB",
    422: "a field is wrong: the message names it",
    429: "too many tries: wait Retry-After seconds",
    503: "the hub cannot take this now (e.g. the disk is full)",
}
DOCUMENT_KEY = "hallq.openapi"
RULE_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

DOCS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hallq API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><main id="api-docs"></main>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#api-docs", deepLinking: true});</script>
</body></html>"""


def document():
    """The OpenAPI 3.1 document of this app (built once: routes do not change while it runs)."""
    built = current_app.extensions.get(DOCUMENT_KEY)
    if built is None:
        built = current_app.extensions[DOCUMENT_KEY] = build(current_app)
    return built


def build(app):
    spec = copy.deepcopy(SPEC.spec)
    schemas = spec["components"]["schemas"]
    error_ref = {"$ref": f"#/components/schemas/{SPEC.naming_strategy(ErrorBody)}"}
    for rule in app.url_map.iter_rules():
        path = RULE_PART.sub(r"{\1}", rule.rule)
        operations = spec["paths"].get(path, {})
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = operations.get(method.lower())
            if op is None:
                continue
            _path_values(op, declared(view, PATH_MODELS))
            _media_types(op, declared(view, FILES) or {})
            _errors(op, error_ref)
            _optional_body(op, schemas)
    spec["info"]["description"] = ("The hub's HTTP API. Every refusal is `{\"error\": {\"code\", \"message\"}}`, "
                                   "the message in the request's language (zh-CN, or English with "
                                   "`Accept-Language: en`). Full reference: docs/api.md.")
    spec["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a staff token from POST /api/login, "
                   "or a device key from the hall file"},
        "session": {"type": "apiKey", "in": "cookie", "name": "hallq_session"},
    }
    spec.pop("security", None)
    return spec


def _path_values(op, model):
    if model is None:
        return
    properties = model.model_json_schema()["properties"]
    for parameter in op.get("parameters", []):
        if parameter["in"] == "path" and parameter["name"] in properties:
            parameter["schema"] = properties[parameter["name"]]


def _media_types(op, files):
    for status, media_types in files.items():
        answer = op["responses"].setdefault(str(status), {"description": "OK"})
        content = answer.setdefault("content", {})
        for media_type in media_types:
            content[media_type] = {"schema": {"type": "string"}}


def _errors(op, error_ref):
    for status, when in ERRORS.items():
        op["responses"].setdefault(str(status), {"description": when})
        op["responses"][str(status)]["content"] = {"application/json": {"schema": error_ref}}


def _optional_body(op, schemas):
    body = op.get("requestBody")
    if not body:
        return
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    body["required"] = bool(schemas.get(ref, {}).get("required"))
