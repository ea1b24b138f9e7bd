"""Reports: figures of a small day computed by hand, through the real hub
(its clock driven by the test), as JSON, CSV (with BOM) and XLSX; and the
pure functions over hand-written rows."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from hub.service import reports
from hub.hallfile.model import load_hall

HALL = load_hall(None)
PAD = {d.window: d.key for d in HALL.devices if d.kind == "pad"}
NINE = 1795654800.0  # 2026-11-26 09:00 Asia/Shanghai (a Thursday)


def at(hhmm, day_offset=0):
    h, m = (int(x) for x in hhmm.split(":"))
    return NINE + day_offset * 86400 + (h - 9) * 3600 + m * 60


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def small_day(hub):
    """A hand-made day; the figures it must give are in the test below.

    day before: 16:00 A001 issued and cancelled (only in the range report)
    09:00 A001 (m03)  09:02 B001 (m11)  09:05 D001 (m06, professional)  09:06 A002 (m03)
    09:10 w1 calls A001 (waited 10), 09:11 start, 09:16 finish done (service 5), pad rates 2
    09:12 w7 calls D001 (waited 7), start, 09:20 finish done (service 8), not rated
    09:25 w3 calls B001 (waited 23), start, 09:35 finish accepted (service 10), pad rates 5
    09:30 w1 calls A002 (waited 24), 09:31 no-show
    09:40 C001 issued (m25), still waiting at report time
    09:41 A003 issued; 09:42 manager opens tidal w14 for A; 09:45 w14 calls A003 (waited 4),
          start, 09:50 finish incomplete (service 5) -> counts as comprehensive (A is a comprehensive queue)
    """
    hub.set_time(at("16:00", -1))
    old = hub.issue("m03")
    ok(hub.post(f"/api/tickets/{old['id']}/cancel", {"token": old["token"]}))
    hub.set_time(at("09:00"))
    clerk1 = hub.login("clerk1", "1111", "w1")
    clerk2 = hub.login("clerk2", "1111", "w7")
    clerk3 = hub.login("clerk3", "1111", "w3")
    manager = hub.login("manager", "2222")
    hub.issue("m03")
    steps = [
        ("09:02", lambda: hub.issue("m11")),
        ("09:05", lambda: hub.issue("m06")),
        ("09:06", lambda: hub.issue("m03")),
        ("09:10", lambda: ok(hub.post("/api/windows/w1/call-next", token=clerk1))),
        ("09:11", lambda: ok(hub.post("/api/windows/w1/start", token=clerk1))),
        ("09:12", lambda: ok(hub.post("/api/windows/w7/call-next", token=clerk2))),
        ("09:12", lambda: ok(hub.post("/api/windows/w7/start", token=clerk2))),
        ("09:16", lambda: ok(hub.post("/api/windows/w1/finish", token=clerk1))),
        ("09:16", lambda: ok(hub.post("/api/windows/w1/rating", {"score": 2}, token=PAD["w1"]))),
        ("09:20", lambda: ok(hub.post("/api/windows/w7/finish", token=clerk2))),
        ("09:25", lambda: ok(hub.post("/api/windows/w3/call-next", token=clerk3))),
        ("09:25", lambda: ok(hub.post("/api/windows/w3/start", token=clerk3))),
        ("09:30", lambda: ok(hub.post("/api/windows/w1/call-next", token=clerk1))),
        ("09:31", lambda: ok(hub.post("/api/windows/w1/no-show", token=clerk1))),
        ("09:35", lambda: ok(hub.post("/api/windows/w3/finish", {"outcome": "accepted"}, token=clerk3))),
        ("09:35", lambda: ok(hub.post("/api/windows/w3/rating", {"score": 5}, token=PAD["w3"]))),
        ("09:40", lambda: hub.issue("m25")),
        ("09:41", lambda: hub.issue("m03")),
        ("09:42", lambda: ok(hub.post("/api/windows/w14/open", {"queues": ["A"]}, token=manager))),
        ("09:45", lambda: ok(hub.post("/api/windows/w14/call-next", token=manager))),
        ("09:45", lambda: ok(hub.post("/api/windows/w14/start", token=manager))),
        ("09:50", lambda: ok(hub.post("/api/windows/w14/finish",
                                      {"outcome": "incomplete", "reason": "缺少材料: 户口簿"}, token=manager))),
    ]
    called = []
    for hhmm, step in steps:
        hub.set_time(at(hhmm))
        result = step()
        ticket = result.get("ticket") if isinstance(result, dict) else None
        if isinstance(ticket, dict) and ticket["status"] == "called":
            called.append(ticket["number"])
    assert called == ["A001", "D001", "B001", "A002", "A003"]  # the day went as planned
    hub.set_time(at("10:00"))
    return manager


def test_the_daily_report_gives_the_hand_computed_figures(hub, small_day):
    r = ok(hub.get("/api/reports/daily?date=2026-11-26", token=small_day))
    t = r["totals"]
    assert (t["issued"], t["called"], t["served"], t["no_shows"], t["cancelled"]) == (6, 5, 4, 1, 0)
    assert t["avg_wait_min"] == 13.6 and t["max_wait_min"] == 24.0  # (10+7+23+24+4)/5
    assert t["avg_service_min"] == 7.0  # (5+8+10+5)/4
    assert t["ratings"] == {"5": 1, "4": 0, "3": 0, "2": 1, "1": 0, "unrated": 2}
    assert r["served_within_15_min"] == 0.6  # 10, 7, 4 of 5 called
    assert r["one_window_share"] == 0.75  # w1, w3, w14(A) of w1, w3, w7, w14
    assert r["one_window_counts"] == {"comprehensive": 3, "business": 4}
    assert r["one_window_matter_share"] == round(25 / 35, 4)
    assert r["comprehensive_outcomes"] == {"done": 1, "accepted": 1, "incomplete": 1, "rejected": 0}

    queues = {q["queue"]: q for q in r["queues"]}
    assert (queues["A"]["issued"], queues["A"]["served"], queues["A"]["no_shows"]) == (3, 2, 1)
    assert queues["A"]["avg_wait_min"] == round((10 + 24 + 4) / 3, 1) and queues["A"]["max_wait_min"] == 24.0
    assert queues["A"]["served_within_15_min"] == round(2 / 3, 4) and queues["A"]["one_window_share"] == 1.0
    assert queues["D"]["one_window_share"] == 0.0 and queues["D"]["ratings"]["unrated"] == 1
    assert (queues["C"]["issued"], queues["C"]["called"], queues["C"]["served"]) == (1, 0, 0)

    windows = {w["window"]: w for w in r["windows"]}
    assert (windows["w1"]["served"], windows["w1"]["no_shows"], windows["w1"]["ratings"]["2"]) == (1, 1, 1)
    assert windows["w14"]["outcomes"]["incomplete"] == 1 and windows["w3"]["outcomes"]["accepted"] == 1

    clerks = {c["clerk"]: c for c in r["clerks"]}
    assert clerks["clerk1"]["served"] == 1 and clerks["clerk1"]["avg_service_min"] == 5.0
    assert clerks["clerk3"]["ratings"]["5"] == 1 and clerks["manager"]["served"] == 1

    hours = {h["hour"]: h for h in r["hours"]}
    assert hours["09:00"]["issued"] == 6 and hours["09:00"]["served"] == 4
    assert hours["08:00"]["issued"] == 0 and "16:00" in hours  # office hours keep the chart's shape


def test_a_range_report_adds_days_and_the_earlier_days_tickets(hub, small_day):
    r = ok(hub.get("/api/reports/range?from=2026-11-25&to=2026-11-26", token=small_day))
    assert r["totals"]["issued"] == 7 and r["totals"]["cancelled"] == 1
    assert [(d["date"], d["issued"], d["served"]) for d in r["days"]] == [("2026-11-25", 1, 0), ("2026-11-26", 6, 4)]
    assert r["one_window_share"] == 0.75


def test_the_csv_opens_in_excel_with_chinese_and_the_same_figures(hub, small_day):
    response = hub.get("/api/reports/daily?date=2026-11-26&format=csv", token=small_day)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "hallq-report-2026-11-26.csv" in response.headers["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["维度", "编号", "名称", "数值"]  # the header row first, as imports expect
    assert "日报表" not in response.content.decode("utf-8-sig").splitlines()[0]
    assert len({len(row) for row in rows}) == 1  # one table
    figures = {row[2]: row[3] for row in rows if row[0] == "指标"}
    assert figures["15分钟内叫号占比 served_within_15_min"] == "0.6"
    assert figures["一窗受理率 one_window_share (3/4)"] == "0.75"
    header = next(row for row in rows if row and row[0] == "维度")
    table = [dict(zip(header, row)) for row in rows[rows.index(header) + 1:]]
    queue_a = next(row for row in table if row["维度"] == "队列" and row["编号"] == "A")
    assert (queue_a["名称"], queue_a["取号数"], queue_a["过号数"], queue_a["最长等候(分钟)"]) == ("社保医保", "3", "1", "24.0")


def test_the_xlsx_has_a_sheet_per_dimension(hub, small_day):
    response = hub.get("/api/reports/daily?date=2026-11-26&format=xlsx", token=small_day)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概览", "队列", "窗口", "人员", "时段"]
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(min_row=3, values_only=True)}
    assert overview["取号总数"] == 6 and overview["一窗受理率 one_window_share (3/4)"] == 0.75
    assert book["概览"]["B10"].number_format == "0.0%"
    queues = list(book["队列"].iter_rows(values_only=True))
    header = queues[0]
    row_a = dict(zip(header, next(r for r in queues if r[0] == "A")))
    assert (row_a["名称"], row_a["取号数"], row_a["不满意(2分)"], row_a["未评价"]) == ("社保医保", 3, 1, 1)


@pytest.mark.parametrize("query, field", [
    ("/api/reports/daily?date=2026-13-01", "date"), ("/api/reports/daily?date=yesterday", "date"),
    ("/api/reports/daily?format=pdf", "format"), ("/api/reports/range?from=2026-11-26", "to"),
    ("/api/reports/range?from=2026-11-26&to=2026-11-01", "to"), ("/api/reports/range?from=2024-01-01&to=2026-01-01", "to"),
])
def test_bad_report_queries_get_a_clear_chinese_error(hub, query, field):
    manager = hub.login("manager", "2222")
    response = hub.get(query, token=manager)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]


def test_a_day_without_tickets_reports_zeros_and_no_shares(hub):
    r = ok(hub.get("/api/reports/daily", token=hub.login("manager", "2222")))
    assert r["date"] == "2026-11-26" and r["totals"]["issued"] == 0
    assert r["one_window_share"] is None and r["served_within_15_min"] is None


# the pure functions ---------------------------------------------------------------------------
def row(id_, queue, status, issued, called=None, started=None, finished=None, window=None, clerk=None, outcome=None):
    return {"id": id_, "day": "2026-11-26", "queue": queue, "first_queue": queue, "matter": "m01", "status": status,
            "priority": "normal", "first_issued_at": issued, "first_called_at": called, "started_at": started,
            "finished_at": finished, "window": window, "clerk": clerk, "outcome": outcome}


def test_tidal_windows_count_with_the_kind_of_window_that_serves_the_queue():
    kinds = reports.queue_kinds(HALL)
    assert reports.window_class(HALL, "w14", "A", kinds) == "comprehensive"
    assert reports.window_class(HALL, "w15", "E", kinds) == "professional"
    assert reports.window_class(HALL, "w14", "F", kinds) is None
    assert reports.window_class(HALL, "w10", "F", kinds) is None and reports.window_class(HALL, "w8", "D") == "professional"


def test_output_and_consult_windows_count_in_neither_side_of_the_share():
    rows = [row(1, "A", "done", NINE, NINE + 60, NINE + 60, NINE + 300, "w2", "c", "done"),
            row(2, "F", "done", NINE, NINE + 60, NINE + 60, NINE + 120, "w10", "c", "done"),
            row(3, "G", "done", NINE, NINE + 60, NINE + 60, NINE + 120, "w11", "c", "done"),
            row(4, "E", "done", NINE, NINE + 1200, NINE + 1200, NINE + 1500, "w9", "d", "done")]
    r = reports.daily_report(HALL, rows, {1: 4}, "2026-11-26")
    assert r["one_window_counts"] == {"comprehensive": 1, "business": 2} and r["one_window_share"] == 0.5
    assert r["served_within_15_min"] == 0.75 and r["totals"]["ratings"]["unrated"] == 3


def test_a_wait_of_exactly_fifteen_minutes_counts_as_within():
    rows = [row(1, "A", "no_show", NINE, NINE + 900, finished=NINE + 960, window="w1"),
            row(2, "A", "no_show", NINE, NINE + 901, finished=NINE + 960, window="w1")]
    assert reports.daily_report(HALL, rows, {}, "2026-11-26")["served_within_15_min"] == 0.5


def test_a_clerks_own_figures_count_only_their_tickets():
    rows = [row(1, "A", "done", NINE, NINE + 60, NINE + 60, NINE + 360, "w1", "clerk1", "done"),
            row(2, "A", "done", NINE, NINE + 60, NINE + 60, NINE + 960, "w2", "clerk2", "done"),
            row(3, "A", "no_show", NINE, NINE + 400, finished=NINE + 500, window="w1", clerk="clerk1")]
    mine = reports.clerk_today(rows, {1: 5, 2: 1}, "clerk1")
    assert (mine["served"], mine["no_shows"], mine["avg_service_min"], mine["avg_rating"]) == (1, 1, 5.0, 5.0)


def test_one_window_matter_share_is_taken_from_the_catalog():
    assert reports.one_window_matter_share(HALL) == {"one_window": 25, "business": 35, "share": round(25 / 35, 4)}


def test_hallq_report_gives_the_same_figures_from_the_database_alone(hub, small_day, tmp_path):
    import json
    import subprocess
    import sys

    api = ok(hub.get("/api/reports/daily?date=2026-11-26", token=small_day))
    run = subprocess.run([sys.executable, "-m", "hub.cli.main", "report", "--db", str(hub.db), "--date", "2026-11-26"],
                         capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    cli = json.loads(run.stdout)
    for key in ("totals", "queues", "windows", "clerks", "hours", "one_window_share", "comprehensive_outcomes"):
        assert cli[key] == api[key], key
    out = tmp_path / "week.xlsx"
    run = subprocess.run([sys.executable, "-m", "hub.cli.main", "report", "--db", str(hub.db), "--from", "2026-11-20",
                          "--to", "2026-11-26", "--format", "xlsx", "-o", str(out)], capture_output=True, timeout=60)
    assert run.returncode == 0 and openpyxl.load_workbook(out).sheetnames[-1] == "日期"
    run = subprocess.run([sys.executable, "-m", "hub.cli.main", "report", "--db", str(hub.db), "--date", "26/11/2026"],
                         capture_output=True, timeout=60)
    assert run.returncode == 1 and "--date 须为 YYYY-MM-DD" in run.stderr.decode()


def test_a_queue_belongs_to_the_kind_of_window_that_serves_it_first():
    from dataclasses import replace

    # comprehensive windows that also take every other queue at weight 0.1 (前台无差别受理)
    windows = tuple(replace(w, profile={**{q.id: 0.1 for q in HALL.queues}, **w.profile})
                    if w.kind == "comprehensive" else w for w in HALL.windows)
    hall = replace(HALL, windows=windows)
    kinds = reports.queue_kinds(hall)
    assert (kinds["A"], kinds["D"], kinds["F"], kinds["H"]) == ("comprehensive", "professional", "output", "complaint")
    assert reports.window_class(hall, "w14", "E", kinds) == "professional"
    assert reports.window_class(hall, "w14", "G", kinds) is None
