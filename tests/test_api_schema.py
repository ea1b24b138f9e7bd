"""The machine-readable contract: /api/openapi.json covers every /api route of
the Flask URL map, and a real hub keeps to it under schemathesis — generated
valid and invalid requests to every route, as anonymous, a clerk and a
manager: never a 5xx, every answer (errors included) matching its schema."""
from __future__ import annotations

import re
import time

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# examples per operation, role and mode: about 600 requests in all. Valid requests use real ids in
# their paths (so they reach existing tickets and windows); invalid ones anything at all.
EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 1}
# a staff run must not end its own session; these are fuzzed anonymously only
ENDS_SESSIONS = re.compile(r"^POST /api/(logout|users/\{name\}/(pin|disable))$")
RULE_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def test_every_api_route_of_the_url_map_is_in_openapi_json(tmp_path):
    from hub.hallfile.model import load_hall
    from hub.rules.clock import FixedClock
    from hub.store.database import Store
    from hub.web.app import create_app

    app, _ = create_app(load_hall(None), Store(tmp_path / "hallq.db"), FixedClock(1795654800.0),
                        async_mode="threading")
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes, missing = 0, []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = RULE_PART.sub(r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes += 1
            operation = document["paths"].get(path, {}).get(method.lower())
            if operation is None:
                missing.append(f"{method} {path}")
                continue
            answers = operation["responses"]
            assert any(code.startswith("2") for code in answers), (method, path)
            error = answers["422"]["content"]["application/json"]["schema"]["$ref"]
            assert error.endswith("/ErrorBody"), (method, path)
    assert routes > 60 and missing == [], missing


def known_values(hub):
    """Real ids for path values, so generated requests also reach existing things."""
    clerk = hub.login("clerk1", "1111", "w1")
    ticket = hub.issue("m03")
    hub.post("/api/windows/w1/call-next", token=clerk)
    return {"window_id": "w1", "matter_id": "m03", "ticket_id": ticket["id"], "event_id": 1, "followup_id": 1,
            "case_id": 1, "device_id": "board-1", "name": "clerk6", "token": ticket["token"]}


def test_the_hub_keeps_to_its_openapi_document_under_generated_requests(module_hub):
    hub = module_hub
    known = known_values(hub)
    tokens = {"anonymous": None, "clerk": hub.login("clerk2", "1111", "w2"), "manager": hub.login("manager", "2222")}
    schema = schemathesis.openapi.from_url(hub.url + "/api/openapi.json")
    session = requests.Session()
    failures, sent = [], [0]
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        fixed = {name: value for name, value in known.items() if f"{{{name}}}" in operation.path}
        for role, token in tokens.items():
            if token and ENDS_SESSIONS.match(label):
                continue
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            for mode, examples in EXAMPLES.items():
                real = fixed if mode is GenerationMode.POSITIVE and fixed else None
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=real)
                failure = run(strategy, examples, session, headers, hub.url, sent)
                if failure:
                    failures.append(f"{label} as {role} ({mode.value}): {failure}")
    print(f"schemathesis: {sent[0]} requests in {time.monotonic() - started:.1f} s")
    assert failures == [], "\n".join(failures[:20])
    assert sent[0] >= 300  # every route was reached, several times


def run(strategy, examples, session, headers, base_url, sent):
    """The first failure among `examples` generated cases, or None."""
    found = []

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def one(case):
        if found:
            return
        sent[0] += 1
        try:
            case.call_and_validate(base_url=base_url, session=session, headers=dict(headers), checks=CHECKS,
                                   timeout=10)
        except Exception as exc:  # a failed check: keep the first, with its request
            found.append(f"{type(exc).__name__}: {str(exc)[:600]}")

    try:
        one()
    except Unsatisfiable:  # nothing to make invalid (a route without inputs)
        pass
    return found[0] if found else None
