"""manage.py bench: a smoke run at a tiny size, and the bare view kept off the public site.

Timings are never asserted: they depend on the machine.
"""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection

from hubguide.bench import SERVED_TURNS, Options, ServedResult, judge, load_in_turns
from hubguide.bench_urls import BARE_PATH

pytestmark = pytest.mark.django_db


def test_the_bare_view_is_not_on_the_public_site(client):
    assert client.get(BARE_PATH).status_code == 404


def test_a_tiny_in_process_run_reports_every_page_as_a_table_and_json(tmp_path, capsys):
    results_path = tmp_path / "bench.json"

    call_command(
        "bench",
        "--sizes", "40", "--requests", "3", "--warmup", "1", "--cache", "both",
        "--no-gunicorn", "--rebuild-runs", "0", "--json", str(results_path),
    )  # fmt: skip

    results = json.loads(results_path.read_text())
    (run,) = results["runs"]
    assert run["companies"] >= 40
    for mode in ("cache_off", "cache_on"):
        pages = {page["page"]: page for page in run["in_process"][mode]}
        assert list(pages) == ["bare", "home", "city", "directory", "search", "filters", "company"]
        bare = pages["bare"]
        assert (bare["status"], bare["queries"], bare["requests"]) == (200, 0, 3)
        for page in pages.values():
            # A page that is missing or broken is reported, not fatal.
            assert page["status"] == 200 or page["median_ms"] is None
    assert "gunicorn" not in run
    assert "rebuild_db" not in results
    out = capsys.readouterr().out
    assert "bare view" in out and "company page" in out
    assert str(results_path) in out
    # The issue's targets, judged on what this run measured: 40 companies reach none of
    # the search targets' sizes, and --no-gunicorn measures no requests per second.
    verdicts = {verdict["key"]: verdict for verdict in results["targets"]["verdicts"]}
    assert verdicts["queries"]["met"] is not None
    assert verdicts["search"]["met"] is verdicts["cached"]["met"] is None
    assert "Issue 5's targets, judged on this run" in out


@pytest.mark.django_db(transaction=True)  # PostgreSQL makes its scratch database outside any
def test_rebuild_db_is_timed_from_an_empty_database_in_a_fresh_process(tmp_path, capsys):
    results_path = tmp_path / "bench.json"

    call_command(
        "bench",
        "--sizes", "20", "--requests", "1", "--warmup", "0", "--cache", "off",
        "--no-gunicorn", "--rebuild-runs", "1", "--json", str(results_path),
    )  # fmt: skip

    rebuild = json.loads(results_path.read_text())["rebuild_db"]
    assert len(rebuild["runs"]) == 1
    assert rebuild["median_seconds"] > rebuild["check_median_seconds"] > 0
    out = capsys.readouterr().out
    assert "rebuild_db from an empty" in out and "migrations and media included" in out
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # This run's scratch database is gone (another run's, e.g. an interrupted
            # bench on the same server, is not this test's business).
            scratch = f"{connection.settings_dict['NAME']}_rebuild"
            cursor.execute("SELECT datname FROM pg_database WHERE datname = %s", [scratch])
            assert cursor.fetchall() == []


def bench_results(*, vendor="postgresql", bare_ms=0.45, rebuild_seconds=1.2, search_p95=30.0):
    """What ``hubguide.bench.run`` returns, cut down to what the targets read."""

    def page(key, median_ms, queries, p95_ms=None):
        return {
            "page": key,
            "queries": queries,
            "median_ms": median_ms,
            "p95_ms": p95_ms or median_ms * 1.2,
            "median_ratio": median_ms / bare_ms,
        }

    def served(key, ratio):
        return {"page": key, "ratio": ratio}

    runs = [
        {
            "companies": companies,
            "in_process": {
                "cache_off": [
                    page("bare", bare_ms, 0),
                    page("city", bare_ms * 4, 7),
                    page("search", 10, 7, p95_ms=search_p95),
                    page("filters", 12, 7, p95_ms=search_p95 / 2),
                    page("company", bare_ms * 6, 4),
                ]
            },
            "gunicorn": {
                "cache_off": {
                    "pages": [served("bare", 1), served("city", 0.3), served("company", 0.2)]
                },
                "cache_on": {"pages": [served("bare", 1), served("city", 1.1)]},
                "persistent_connections": {"gain": 1.4},
            },
        }
        for companies in (10_000, 100_000, 500_000)
    ]
    return {
        "database": {"vendor": vendor},
        "runs": runs,
        "rebuild_db": {"median_seconds": rebuild_seconds},
    }


def test_the_issues_targets_are_judged_at_the_reference_machines_speed():
    """A run on a machine twice as fast as the reference (bare view 0.45 ms, not 0.9):
    its milliseconds and seconds count double; ratios count as they are."""
    verdicts, scale = judge(bench_results())
    by_key = {verdict.key: verdict for verdict in verdicts}

    assert scale == pytest.approx(2.0)
    assert by_key["queries"].met is True
    assert by_key["city"].met is True  # 4 × bare
    assert by_key["company"].met is False  # 6 × bare
    assert by_key["company_served"].met is False  # 0.2 × bare
    assert by_key["cached"].met is True
    search = by_key["search"]
    assert search.met is False  # 30 ms here is 60 ms at the reference
    assert "500,000" in search.target and "≈ 60 ms at the reference" in search.measured
    assert by_key["filters"].met is True  # 15 ms → 30 ms
    rebuild = by_key["rebuild"]
    assert (rebuild.met, rebuild.measured) == (True, "1.20 s here, ≈ 2.4 s at the reference")
    assert by_key["connections"].met is True


def test_a_sizes_search_times_are_judged_at_that_sizes_own_speed():
    """The machine slowed down while 500,000 companies were measured: the bare view took
    0.9 ms there, as at the reference, so a 30 ms p95 there is 30 ms at the reference,
    though the run's median bare view (0.45 ms) would make it 60."""
    results = bench_results()
    slow = results["runs"][2]["in_process"]["cache_off"]
    slow[0]["median_ms"] = 0.9

    verdicts, scale = judge(results)
    search = {verdict.key: verdict for verdict in verdicts}["search"]

    assert scale == pytest.approx(2.0)
    assert search.met is True and "≈ 30 ms at the reference" in search.measured


def test_a_target_the_run_did_not_reach_is_not_judged():
    results = bench_results(vendor="sqlite")
    results["runs"] = results["runs"][:1]  # 10,000 companies only; the target is at 100,000
    del results["rebuild_db"]

    verdicts, _ = judge(results)
    by_key = {verdict.key: verdict for verdict in verdicts}

    assert by_key["search"].met is None and "at 100,000 companies" in by_key["search"].target
    assert by_key["rebuild"].met is None
    assert by_key["city"].met is True


def test_under_a_server_the_pages_take_turns_and_each_adds_up_its_turns():
    """The requests-per-second part loads the bare view and the pages in turns, so that
    a busy spell on a shared machine falls on all of them; a page's failures are its
    own. A plain HTTP server stands in for gunicorn."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/healthz":
                seen.append(self.path)
            self.send_response(500 if self.path == "/broken" else 200)
            self.send_header("Content-Length", "2")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    bare = ServedResult(page="bare", label="bare view", path="/bare")
    broken = ServedResult(page="company", label="company page", path="/broken")
    n = 5 * SERVED_TURNS
    options = Options(sizes=[], gunicorn_requests=n, concurrency=1)
    try:
        load_in_turns([(port, bare), (port, broken)], options, "python", log=lambda line: None)
    finally:
        server.shutdown()

    assert [path for path, _ in itertools.groupby(seen)] == ["/bare", "/broken"] * SERVED_TURNS
    assert (bare.requests, bare.statuses, bare.error) == (n, {200: n}, "")
    assert bare.rps > 0
    assert broken.statuses == {500: n}
    assert broken.error == f"{n} of {n} requests failed (500: {n})"
