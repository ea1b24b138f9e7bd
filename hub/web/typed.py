"""Typed routes: one pydantic model per input validates the request, documents
the route in /api/openapi.json and is what the schema fuzzer generates from.

A route declares its inputs by the annotations of its view's parameters and
its answers with `@typed(...)` (see docs/api.md, "How a route is declared"):

    @api.post("/tickets/<ticket_id>/cancel")
    @typed(answers={200: Ticket})
    def cancel_ticket(path: TicketPath, json: CancelBody): ...

- `path`: the URL's values (a `PathModel`; a wrong one is a 404 with the
  model's own not-found error),
- `query`: the query string (a `Query`; a wrong one is a 400),
- `json`: the JSON body (a `Body`; not JSON or not an object is a 400, a
  wrong field a 422).

Validation is spectree's (3.0.0, chosen by measurement: docs/performance.md)
with this module's plugin: the body is read strictly (never silently taken
as {}), errors are the hall's `{"error": {"code", "message"}}` in the
request's language, and answers are not re-validated on every request — the
schema tests check them against the document instead.
"""
from __future__ import annotations

import functools
import inspect
import json as jsonlib
import weakref

from flask import current_app, request
from pydantic import ValidationError
from spectree import Response, SpecTree
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_multidict_items

from hub import __version__
from hub.rules.errors import HallError
from hub.web.field_errors import RequestError, FieldError
from hub.web.models.common import ErrorBody, PathModel

PATH_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # view -> its PathModel
FILES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # view -> {status: [media types]}


def json_object():
    """The request's JSON object; an empty body is {}. Too deep, not JSON or not an object: 400."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        data = jsonlib.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise HallError(400, "bad_json") from None
    except RecursionError:
        raise RequestError(400, "json_too_deep") from None
    if not isinstance(data, dict):
        raise HallError(400, "bad_json")
    return data


def parse(model, data, status, prefix=""):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldError(status, exc.errors(include_url=False)[0], prefix) from None
    except RecursionError:  # a value nested deeper than any field allows
        raise RequestError(400, "json_too_deep") from None


class HallPlugin(FlaskPlugin):
    """spectree's Flask plugin, reading and refusing the hall's way."""

    def request_validation(self, request, query, json, form, headers, cookies):
        request.context = Context(
            parse(query, get_multidict_items(request.args, query), 400, "") if query else None,
            parse(json, json_object(), 422) if json else None,
            None, None, None)

    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):
        return current_app.make_response(resp), None


class DeferredSchemas(SpecTree):
    """spectree (pinned, 3.0.0) writing the models' JSON schemas when the OpenAPI document is
    first asked for, not as each route is declared: the same document, without the ~0.12 s of
    CPU (some 220 models) that every hub start, a restart after a crash included, spent on it
    before it could answer."""

    def __init__(self, *args, **kwargs):
        self._deferred = []  # (model, mode) in declaration order: the document's, as spectree writes it
        super().__init__(*args, **kwargs)

    def _add_model(self, model, mode="validation"):
        self._deferred.append((model, mode))
        return self.naming_strategy(model)

    def _generate_spec(self):
        deferred, self._deferred = self._deferred, []
        for model, mode in deferred:
            super()._add_model(model, mode)
        return super()._generate_spec()


SPEC = DeferredSchemas("flask", backend=HallPlugin, mode="strict", title="hallq API", version=__version__,
                validation_error_status=422, validation_error_model=ErrorBody, page_templates={},
                openapi_version="3.1.0", naming_strategy=lambda model: model.__name__,
                nested_naming_strategy=lambda _parent, child: child)


def typed(answers, files=None, tags=()):
    """Declare a view's answers ({status: model, or None for no JSON}); its inputs come
    from its annotations. `files` names other media types a status may answer with
    ({200: ["text/csv"]})."""
    def decorate(view):
        response = Response(**{f"HTTP_{status}": model for status, model in answers.items()})
        validated = SPEC.validate(resp=response, tags=tags)(view)
        path_model = view.__annotations__.get("path")
        if path_model is None:
            outer = validated
        else:
            path_model = _resolve(view, path_model)
            if not issubclass(path_model, PathModel):
                raise TypeError(f"{view.__name__}: path must be a PathModel")

            @functools.wraps(validated)
            def outer(**values):
                return validated(path=path_of(path_model, values))
            PATH_MODELS[outer] = path_model
        if files:
            FILES[outer] = files
        return outer
    return decorate


def _resolve(view, annotation):
    if isinstance(annotation, str):
        return inspect.unwrap(view).__globals__[annotation]
    return annotation


def path_of(model, values):
    """The URL's values as `model`: a wrong one is that model's 404."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        key = model.NOT_FOUND.get(name, "not_found")
        shown = str(values.get(name, ""))[:40] + ("…" if len(str(values.get(name, ""))) > 40 else "")
        raise model.ERROR(404, key, id=shown, path=request.path[:80]) from None


def declared(view, registry):
    """What `registry` holds for a view or any function it wraps."""
    current = view
    while current is not None:
        try:
            if current in registry:
                return registry[current]
        except TypeError:
            return None
        current = getattr(current, "__wrapped__", None)
    return None
