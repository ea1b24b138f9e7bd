"""What flask-openapi3 and spectree add to a request, against plain Flask + pydantic by hand."""
import json, statistics, sys, time
from typing import Literal, Optional
from flask import Flask, jsonify, request
from pydantic import BaseModel, Field

class TicketIn(BaseModel):
    matter: str = Field(max_length=64)
    situation: Optional[str] = Field(None, max_length=64)
    priority: Literal["normal", "green", "help"] = "normal"
    printer: Optional[str] = Field(None, max_length=64)

class TicketOut(BaseModel):
    id: int
    number: str
    matter: str

class QueuesQuery(BaseModel):
    lang: Optional[str] = Field(None, max_length=8)

TICKET = {"id": 1, "number": "A001", "matter": "m03"}
QUEUES = [{"id": "A", "prefix": "A", "name": "综合", "waiting": 3, "eta_minutes": 6}] * 6

def plain_none():
    app = Flask("none")
    @app.post("/api/tickets")
    def t():
        data = json.loads(request.get_data())
        return jsonify(TICKET), 201
    @app.get("/api/queues")
    def q():
        return jsonify(QUEUES)
    return app

def plain_pydantic():
    app = Flask("pyd")
    @app.post("/api/tickets")
    def t():
        data = TicketIn.model_validate_json(request.get_data())
        return jsonify(TICKET), 201
    @app.get("/api/queues")
    def q():
        QueuesQuery.model_validate(request.args.to_dict())
        return jsonify(QUEUES)
    return app

def spectree_app():
    from spectree import SpecTree, Response
    app = Flask("spectree")
    spec = SpecTree("flask", app=app, path="apidoc")
    @app.post("/api/tickets")
    @spec.validate(json=TicketIn, resp=Response(HTTP_201=TicketOut))
    def t():
        return jsonify(TICKET), 201
    @app.get("/api/queues")
    @spec.validate(query=QueuesQuery)
    def q():
        return jsonify(QUEUES)
    return app

def openapi3_app():
    from flask_openapi3 import OpenAPI
    app = OpenAPI("oa3")
    @app.post("/api/tickets", responses={201: TicketOut})
    def t(body: TicketIn):
        return jsonify(TICKET), 201
    @app.get("/api/queues")
    def q(query: QueuesQuery):
        return jsonify(QUEUES)
    return app

def timeit(client, method, path, n, **kw):
    for _ in range(200):
        r = client.open(path, method=method, **kw)
    assert r.status_code < 300, (r.status_code, r.data[:300])
    batches = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(n):
            client.open(path, method=method, **kw)
        batches.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(batches)

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 15
body = json.dumps({"matter": "m03", "situation": "s1"}).encode()
apps = [("flask only", plain_none), ("pydantic by hand", plain_pydantic),
        ("spectree 3.0.0", spectree_app), ("flask-openapi3 4.3.2", openapi3_app)]
clients = {name: make().test_client() for name, make in apps}
cases = {"POST /api/tickets": ("POST", "/api/tickets", dict(data=body, content_type="application/json")),
         "GET /api/queues": ("GET", "/api/queues?lang=zh", {})}
samples = {(a, c): [] for a in clients for c in cases}
for c in clients.values():
    for method, path, kw in cases.values():
        for _ in range(300):
            r = c.open(path, method=method, **kw)
        assert r.status_code < 300, r.data[:200]
for _ in range(ROUNDS):
    for a, c in clients.items():
        for cname, (method, path, kw) in cases.items():
            t0 = time.perf_counter()
            for _ in range(N):
                c.open(path, method=method, **kw)
            samples[(a, cname)].append((time.perf_counter() - t0) / N * 1e6)
for cname in cases:
    base = statistics.median(samples[("flask only", cname)])
    for a in clients:
        m = statistics.median(samples[(a, cname)]); lo = min(samples[(a, cname)])
        print(f"{cname:18s} {a:22s} median {m:6.1f} us  min {lo:6.1f}  adds {m-base:+6.1f} us")
