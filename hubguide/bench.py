"""The benchmark behind ``manage.py bench``: the public pages measured against a bare view.

For each directory size it tops the database up with generated companies, then

* in-process, with Django's test client and debugging off: status, queries per
  request (counted on one request), and the median and 95th percentile of server time
  over several hundred requests after a warm-up, the pages taking turns, each also as a
  multiple of the bare view's, once with the page cache off and once on;
* under gunicorn (2 sync workers, production settings, static files collected), again
  with the page cache off and on: requests per second for the bare view and the pages,
  taking turns (``SERVED_TURNS`` times round), from ``wrk`` when it is installed or a
  small threaded Python load generator otherwise, new connection per request either way
  (sync workers close every connection); then the company page on two servers at once,
  with persistent database connections and without, again taking turns.

"Page cache off" is ``PAGE_CACHE_SECONDS = 0``: every request renders its page in full
and runs all its queries, as a page-cache miss does in production. The configured cache
still holds what it holds for such a request there (the sizes of image renditions).

Before the sizes, ``rebuild_db`` is timed from an empty scratch database in a fresh
process, as an operator runs it on a new machine.
"""

import contextlib
import copy
import http.client
import itertools
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import django
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from cities.models import City
from companies import generator
from companies.models import Company, Sector
from hubguide.bench_urls import BARE_PATH

BENCH_SETTINGS_MODULE = "hubguide.bench_settings"
BENCH_URLCONF = "hubguide.bench_urls"

# (key, label) in the order of the table; the URLs come from ``pick_targets``.
PAGES = [
    ("bare", "bare view"),
    ("home", "home"),
    ("city", "city profile"),
    ("directory", "directory"),
    ("search", "directory, search"),
    ("filters", "directory, filters"),
    ("company", "company page"),
]
SERVED_PAGES = ["bare", "home", "city", "search", "company"]
MIN_TIMED = 5
# In-process, the pages take turns of this many requests each.
TURN = 25
# Under gunicorn, the pages take turns: each this many times round, for a share of the time.
SERVED_TURNS = 3
# Longer than gunicorn's 30 s worker timeout: a request that fails, failed in the server.
REQUEST_TIMEOUT = 35


@dataclass
class Options:
    sizes: list
    requests: int = 300
    warmup: int = 20
    time_cap: float = 60.0
    cache_modes: tuple = ("off", "on")
    seed: int = 2016
    query: str = ""
    gunicorn: bool = True
    gunicorn_requests: int = 2000
    gunicorn_seconds: float = 15.0
    concurrency: int = 4
    load_generator: str = "auto"
    fresh: bool = False
    rebuild_runs: int = 3


@dataclass
class PageResult:
    page: str
    label: str
    path: str
    status: object = None
    error: str = ""
    queries: int | None = None
    requests: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    median_ratio: float | None = None
    p95_ratio: float | None = None


@dataclass
class ServedResult:
    page: str
    label: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    rps: float | None = None
    ratio: float | None = None
    statuses: dict = field(default_factory=dict)
    error: str = ""


class BenchError(Exception):
    pass


# Data ------------------------------------------------------------------------------


def prepare_database(log):
    """Migrate, and load the article's content when the database has no city yet."""
    call_command("migrate", interactive=False, verbosity=0)
    if City.objects.exists():
        return "existing content"
    if "rebuild_db" in get_commands():
        log("No content yet: loading the fixtures with rebuild_db --no-migrate …")
        call_command("rebuild_db", "--no-migrate", verbosity=0)
        return "fixtures (rebuild_db)"
    log("No content and no rebuild_db command: generated cities, zones and sectors only.")
    return "generated only"


def top_up(size, seed, log):
    """Generate companies until the database holds ``size``; return what it took."""
    existing = Company.objects.count()
    missing = size - existing
    if missing < 0:
        log(f"The database already holds {existing:,} companies, more than {size:,} (--fresh?).")
    if missing <= 0:
        return {"companies": existing, "generated": 0, "seconds": 0.0}
    log(f"Generating {missing:,} companies to reach {size:,} …")
    result = generator.generate_companies(
        missing, seed=seed + existing, progress=generator.text_progress(sys.stderr)
    )
    return {
        "companies": Company.objects.count(),
        "generated": result.companies,
        "seconds": round(result.seconds, 2),
        "companies_per_second": round(result.per_second),
    }


def _search_term(company, cities):
    city_names = {name.lower() for name in cities}
    words = [word for word in re.findall(r"\w+", company.name) if word.lower() not in city_names]
    return (words or [company.name])[0]


def pick_targets(query=""):
    """The URL of every page measured. Real content (the fixtures) is preferred to
    generated rows, so that the pages measured stay the same from one size to the next."""
    cities = City.objects.published()
    city = cities.exclude(slug__startswith="gen-").order_by("name").first() or (
        cities.order_by("name").first()
    )
    companies = Company.objects.published().filter(presences__isnull=False).distinct()
    company = (
        companies.exclude(slug__regex=generator.COMPANY_SLUG_REGEX).order_by("name").first()
        or companies.order_by("slug").first()
    )
    if city is None or company is None:
        raise BenchError("No published city or company to measure: generate some first.")
    sector = company.sectors.order_by("slug").first() or Sector.objects.order_by("slug").first()
    query = query or _search_term(company, cities.values_list("name", flat=True))
    filters = {"city": city.slug, **({"sector": sector.slug} if sector else {})}
    return {
        "bare": BARE_PATH,
        "home": "/",
        "city": f"/cities/{city.slug}/",
        "directory": "/companies/",
        "search": f"/companies/?{urlencode({'q': query})}",
        "filters": f"/companies/?{urlencode(filters)}",
        "company": f"/companies/{company.slug}/",
    }


# In-process ------------------------------------------------------------------------


def in_process_settings(cache_mode, static_root):
    """What the in-process measurements run under: debugging off (no query log, no debug
    templates), the bench URLconf, plain static storage (no manifest to collect), and with
    the page cache off, ``PAGE_CACHE_SECONDS = 0``."""
    Path(static_root).mkdir(parents=True, exist_ok=True)
    templates = copy.deepcopy(settings.TEMPLATES)
    for engine in templates:
        engine.setdefault("OPTIONS", {})["debug"] = False
    overrides = {
        "DEBUG": False,
        "TEMPLATES": templates,
        "ROOT_URLCONF": BENCH_URLCONF,
        "STATIC_ROOT": static_root,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }
    if cache_mode == "off":
        overrides["PAGE_CACHE_SECONDS"] = 0
    return override_settings(**overrides)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _get(client, path):
    """Status and a short error for one request; exceptions count as a 500."""
    try:
        response = client.get(path)
    except Exception as error:  # noqa: BLE001 - a broken page is a result, not a crash
        return 500, f"{type(error).__name__}: {error}"[:200]
    return response.status_code, ""


def measure_in_process(targets, options, cache_mode, static_root, log):
    """Every page's status, queries per request, and median and 95th percentile of server
    time, each also as a multiple of the bare view's.

    The pages take turns of ``TURN`` requests, so that a neighbour's load on a shared
    machine falls on all of them alike rather than on whichever page was being measured
    at the time; a turn is long enough that each page is timed much as in a loop of its
    own (one request at a time after the others would pay for their garbage).
    ``options.time_cap`` bounds each page's requests, warm-up included: a page that takes
    seconds per request drops out of the turns after fewer (at least ``MIN_TIMED``).
    """
    with in_process_settings(cache_mode, static_root):
        client = Client(raise_request_exception=True)
        results = [PageResult(page=key, label=label, path=targets[key]) for key, label in PAGES]
        spent = {}
        for result in results:
            log(f"  {result.label} ({result.path}) …")
            started = time.perf_counter()
            result.status, result.error = _get(client, result.path)
            if result.status != 200:
                continue
            for _ in range(options.warmup):
                if time.perf_counter() - started > options.time_cap:
                    break
                client.get(result.path)
            with CaptureQueriesContext(connection) as queries:
                client.get(result.path)
            result.queries = len(queries)
            spent[result.page] = time.perf_counter() - started
        log(f"  {options.requests} requests of each page, {TURN} at a time …")
        paths = {result.page: result.path for result in results if result.page in spent}
        timings = {page: [] for page in paths}
        while spent:
            for page in list(spent):
                for _ in range(TURN):
                    started = time.perf_counter()
                    client.get(paths[page])
                    elapsed = time.perf_counter() - started
                    timings[page].append(elapsed)
                    spent[page] += elapsed
                    timed = len(timings[page])
                    if timed >= options.requests or (
                        spent[page] > options.time_cap and timed >= MIN_TIMED
                    ):
                        del spent[page]
                        break
    for result in results:
        if timings.get(result.page):
            result.requests = len(timings[result.page])
            result.median_ms = statistics.median(timings[result.page]) * 1000
            result.p95_ms = percentile(timings[result.page], 0.95) * 1000
    bare = results[0]
    for result in results:
        if result.median_ms is not None and bare.median_ms:
            result.median_ratio = result.median_ms / bare.median_ms
            result.p95_ratio = result.p95_ms / bare.p95_ms
    return results


# Under gunicorn --------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    """DATABASE_URL for a child process: the environment's, or the SQLite file in use."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        raise BenchError("Set DATABASE_URL so that gunicorn uses the benchmark's database.")
    return f"sqlite:///{database['NAME']}"


def production_env(static_root):
    """The environment of a production process: debug off, a throwaway secret, plain HTTP."""
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE=BENCH_SETTINGS_MODULE,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(static_root),
        DATABASE_URL=database_url(),
    )
    return env


def http_get(port, path, timeout=REQUEST_TIMEOUT):
    """One GET on a new connection, closed after the response; return the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_until_healthy(port, process, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with status {process.returncode}.")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if http_get(port, "/healthz", timeout=2) == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s.")


@contextlib.contextmanager
def gunicorn_server(static_root, log_path, workers=2, page_cache=True, env=None):
    """Run gunicorn on a free port of 127.0.0.1 for the ``with`` block; yield the port.
    ``page_cache=False`` turns the page cache off (DJANGO_PAGE_CACHE_SECONDS=0); ``env``
    adds to the production environment."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "hubguide.wsgi:application",
        "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip
    env = {**production_env(static_root), **(env or {})}
    if not page_cache:
        env["DJANGO_PAGE_CACHE_SECONDS"] = "0"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def warm_up_served(port, path, requests=10, seconds=5.0):
    """A few requests first, so each worker has loaded its code and templates."""
    deadline = time.perf_counter() + seconds
    statuses = [http_get(port, path)]
    while len(statuses) < requests and time.perf_counter() < deadline:
        statuses.append(http_get(port, path))
    return statuses


def raw_get(port, request, timeout=REQUEST_TIMEOUT):
    """Send a prepared request on a new connection, read to the end (the server closes
    it), return the status. Leaner than http.client, so the load generator leaves more
    of the machine to the server."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        first = sock.recv(65536)
        while sock.recv(65536):
            pass
    if not first.startswith(b"HTTP/"):
        raise http.client.BadStatusLine(first[:50].decode("latin-1"))
    return int(first.split(b" ", 2)[1])


def wait_until_idle(port, workers=2):
    """Let the workers finish what the load left queued, so the next page starts clean."""
    for _ in range(workers * 2):
        with contextlib.suppress(OSError, http.client.HTTPException):
            http_get(port, "/healthz", timeout=REQUEST_TIMEOUT * 2)


def python_load(port, path, total, concurrency, time_cap):
    """``total`` GETs from ``concurrency`` threads, a new connection each, stopping at
    ``time_cap`` seconds; return (completed, seconds, statuses)."""
    tickets = itertools.count()
    statuses = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + time_cap
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")

    def worker():
        while next(tickets) < total and time.perf_counter() < deadline:
            try:
                status = raw_get(port, request)
            except (OSError, ValueError, http.client.HTTPException) as error:
                status = type(error).__name__
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(time_cap + REQUEST_TIMEOUT + 5)
    seconds = time.perf_counter() - started
    return sum(statuses.values()), seconds, dict(statuses)


def wrk_load(port, path, concurrency, seconds):
    """Run wrk for ``seconds``; return (completed, seconds, statuses)."""
    command = [
        "wrk", "--threads", str(min(2, concurrency)), "--connections", str(concurrency),
        "--duration", f"{max(1, round(seconds))}s", "--header", "Connection: close",
        f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    summary = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", output)
    if summary is None:
        raise BenchError(f"Could not read wrk's output:\n{output}")
    completed = int(summary.group(1))
    duration = float(summary.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[summary.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    return completed, duration, {200: completed - errors, "non-2xx/3xx": errors}


def choose_load_generator(preference):
    if preference == "wrk" and not shutil.which("wrk"):
        raise BenchError("--load-generator wrk: wrk is not installed.")
    if preference == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return preference


def collect_static(static_root):
    env = production_env(static_root)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def measure_served(targets, options, static_root, workdir, log, page_cache):
    tool, served = serve_in_turns(
        {"": {}}, SERVED_PAGES, targets, options, static_root, workdir, log, page_cache
    )
    results = served[""]
    return {
        "tool": tool,
        "workers": 2,
        "worker_class": "sync",
        "concurrency": options.concurrency,
        "keep_alive": False,
        "page_cache": page_cache,
        "turns": SERVED_TURNS,
        "pages": [asdict(result) for result in results],
    }, results


def serve_in_turns(servers, pages, targets, options, static_root, workdir, log, page_cache):
    """Start a gunicorn for each of ``servers`` (name → what it adds to the production
    environment), all at once; warm up ``pages`` (keys of ``PAGES``, the bare view first)
    on each and load them all in turns (:func:`load_in_turns`). Return the load generator
    and ``{name: [ServedResult, …]}``, each page's ratio to the bare view on its server."""
    tool = choose_load_generator(options.load_generator)
    log_path = Path(workdir) / "gunicorn.log"
    measured = {}
    with contextlib.ExitStack() as stack:
        served = []
        for name, env in servers.items():
            port = stack.enter_context(
                gunicorn_server(static_root, log_path, page_cache=page_cache, env=env)
            )
            measured[name] = [served_result(key, targets, port) for key in pages]
            served += [(port, result) for result in measured[name]]
        load_in_turns(served, options, tool, log)
    for results in measured.values():
        share_of_bare(results)
    return tool, measured


def served_result(key, targets, port):
    """A :class:`ServedResult` for the page ``key``, warmed up on the server at ``port``:
    with its error already when the page does not answer 200."""
    path = targets[key]
    result = ServedResult(page=key, label=dict(PAGES)[key], path=path)
    try:
        warm = warm_up_served(port, path)
    except (OSError, http.client.HTTPException) as error:
        result.error = f"{type(error).__name__}: {error}"
        return result
    if warm[-1] != 200:
        result.statuses = dict(Counter(warm))
        result.error = f"answers {warm[-1]}"
    return result


def load_in_turns(served, options, tool, log):
    """Load each ``(port, result)`` of ``served`` in turn, ``SERVED_TURNS`` times round,
    each turn a share of ``options.gunicorn_seconds`` (and of the Python load
    generator's requests); add up each page's requests, seconds and statuses.

    Taking turns, as the in-process pages do, spreads a shared machine's changing load
    over the bare view and the pages alike. Measured one after the other, the bare view
    once served 1,932 req/s on one server and about 1,090 on the next, minutes later,
    which made persistent connections look worth × 0.97 where the raw rates said × 1.76.
    """
    seconds = options.gunicorn_seconds / SERVED_TURNS
    requests = max(1, options.gunicorn_requests // SERVED_TURNS)
    for result in (result for _, result in served if not result.error):
        log(f"  {result.label} ({result.path}) with {tool}, {SERVED_TURNS} turns …")
    for _turn in range(SERVED_TURNS):
        for port, result in served:
            if result.error:
                continue
            if tool == "wrk":
                load = wrk_load(port, result.path, options.concurrency, seconds)
            else:
                load = python_load(port, result.path, requests, options.concurrency, seconds)
            completed, took, statuses = load
            result.requests += completed
            result.seconds += took
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count
            wait_until_idle(port)
    for _, result in served:
        if result.error:
            continue
        ok = result.statuses.get(200, 0)
        result.rps = ok / result.seconds if result.seconds else None
        if ok != result.requests:
            failed = ", ".join(f"{k}: {n}" for k, n in result.statuses.items() if k != 200)
            result.error = f"{result.requests - ok} of {result.requests} requests failed ({failed})"


def share_of_bare(results):
    """Set each result's ``ratio``: its requests per second over the first's (the bare
    view measured on the same server, in the same turns)."""
    bare = results[0].rps
    for result in results:
        if result.rps and bare:
            result.ratio = result.rps / bare


def measure_connections(targets, options, static_root, workdir, log):
    """The company page, page cache off, with persistent database connections (the
    default) and with a new connection per request (CONN_MAX_AGE=0): two servers at
    once, the bare view and the page on each taking turns, each page as a share of the
    bare view on its own server."""
    log("Under gunicorn, page cache off, CONN_MAX_AGE=60 and 0 side by side …")
    servers = {"persistent": {}, "per_request": {"DJANGO_CONN_MAX_AGE": "0"}}
    _, measured = serve_in_turns(
        servers, ["bare", "company"], targets, options, static_root, workdir, log, False
    )
    with_them, without = measured["persistent"][1], measured["per_request"][1]
    gain = None
    if with_them.ratio and without.ratio:
        gain = with_them.ratio / without.ratio
    return {
        "page": with_them.path,
        "persistent": {"rps": with_them.rps, "ratio": with_them.ratio},
        "per_request": {"rps": without.rps, "ratio": without.ratio},
        "gain": gain,
    }


def format_connections(result):
    persistent, per_request = result["persistent"], result["per_request"]
    return (
        f"Persistent database connections, company page, page cache off: "
        f"{_number(persistent['rps'], 0)} req/s ({_number(persistent['ratio'], 2)} × bare) "
        f"with CONN_MAX_AGE=60, {_number(per_request['rps'], 0)} req/s "
        f"({_number(per_request['ratio'], 2)} × bare) with a new connection per request: "
        f"× {_number(result['gain'], 2)}\n"
    )


# The whole run ---------------------------------------------------------------------


def describe_database():
    return {"vendor": connection.vendor, "name": str(settings.DATABASES["default"]["NAME"])}


def run(options, log, report):
    """Run every size; ``log`` gets progress lines, ``report`` each finished table.
    Return the results as a dict for JSON."""
    results = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "database": describe_database(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_average(),
            "platform": platform.platform(),
        },
        "python": platform.python_version(),
        "django": django.get_version(),
        "options": asdict(options),
        "runs": [],
    }
    with override_settings(DEBUG=False):
        results["content"] = prepare_database(log)
        if options.fresh:
            removed = generator.clear_generated()
            log(f"--fresh: removed {removed['companies']:,} generated companies.")
    workdir = tempfile.mkdtemp(prefix="hubguide-bench-")
    static_root = Path(workdir) / "static"
    targets = None
    try:
        if options.rebuild_runs:
            results["rebuild_db"] = measure_rebuild(options.rebuild_runs, workdir, log)
            report(format_rebuild(results["rebuild_db"]))
        if options.gunicorn:
            log("Collecting static files for gunicorn …")
            collect_static(static_root)
        for size in options.sizes:
            with override_settings(DEBUG=False):
                data = top_up(size, options.seed, log)
            targets = targets or pick_targets(options.query)
            run_result = {"size": size, **data, "targets": targets, "in_process": {}}
            for mode in options.cache_modes:
                log(f"In-process, {data['companies']:,} companies, cache {mode}:")
                pages = measure_in_process(targets, options, mode, static_root, log)
                run_result["in_process"][f"cache_{mode}"] = [asdict(page) for page in pages]
                run_result["in_process"][f"cache_{mode}_load_average"] = load_average()
                report(format_in_process(data["companies"], mode, pages, options))
            if options.gunicorn:
                run_result["gunicorn"] = {}
                by_mode = {}
                for mode in options.cache_modes:
                    log(f"Under gunicorn, {data['companies']:,} companies, page cache {mode}:")
                    served, by_mode[mode] = measure_served(
                        targets, options, static_root, workdir, log, page_cache=mode == "on"
                    )
                    served["load_average"] = load_average()
                    run_result["gunicorn"][f"cache_{mode}"] = served
                report(format_served(data["companies"], served, by_mode))
                if "off" in by_mode:
                    connections = measure_connections(targets, options, static_root, workdir, log)
                    run_result["gunicorn"]["persistent_connections"] = connections
                    report(format_connections(connections))
            results["runs"].append(run_result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    verdicts, scale = judge(results)
    results["targets"] = {
        "reference_bare_ms": REFERENCE_BARE_MS,
        "scale": scale,
        "verdicts": [asdict(verdict) for verdict in verdicts],
    }
    report(format_targets(verdicts, scale))
    return results


# The targets ---------------------------------------------------------------

# Issue 5 set its targets on a machine whose bare view costs about 0.9 ms in-process.
# Its milliseconds are read here as that many bare views: a target of 50 ms is 55.6
# bare views, wherever the benchmark runs.
REFERENCE_BARE_MS = 0.9
# The size at which each database's search target is set.
SEARCH_TARGET_SIZE = {"postgresql": 500_000, "sqlite": 100_000}


@dataclass
class Verdict:
    key: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run


def judge(results):
    """Issue 5's targets, each with what this run measured and whether it is met.

    Times in milliseconds or seconds are judged as the reference machine would see them:
    scaled by its bare view's cost over this run's (see ``REFERENCE_BARE_MS``). A page's
    time is scaled by the bare view measured beside it, at the same size: a shared
    machine's speed drifts over a run (0.50 to 0.77 ms for the same bare view in one run
    here). ``rebuild_db``, measured before any size, by the median over the sizes."""
    runs = results.get("runs", [])
    pages = {
        (run["companies"], page["page"]): page
        for run in runs
        for page in run["in_process"].get("cache_off", [])
    }
    bare = [page["median_ms"] for (_, key), page in pages.items() if key == "bare"]
    scale = REFERENCE_BARE_MS / statistics.median(bare) if bare and all(bare) else None
    verdicts = [_queries_verdict(pages)]
    for key, label in (("city", "city profile"), ("company", "company page")):
        ratios = [page["median_ratio"] for (_, k), page in pages.items() if k == key]
        verdicts.append(
            _at_most(key, f"{label}, uncached, in-process (median)", ratios, 5, " × bare")
        )
    served = [run["gunicorn"] for run in runs if "gunicorn" in run]
    for key, label in (("city", "city profile"), ("company", "company page")):
        ratios = [
            page["ratio"]
            for run in served
            for page in run.get("cache_off", {}).get("pages", [])
            if page["page"] == key
        ]
        verdicts.append(
            _at_least(
                f"{key}_served", f"{label}, uncached, req/s under gunicorn", ratios, 0.25, " × bare"
            )
        )
    cached = [
        page["ratio"]
        for run in served
        for page in run.get("cache_on", {}).get("pages", [])
        if page["page"] != "bare"
    ]
    verdicts.append(
        _at_least("cached", "cached pages, req/s under gunicorn", cached, 0.8, " × bare")
    )
    verdicts += _search_verdicts(results, pages, scale)
    verdicts.append(_rebuild_verdict(results.get("rebuild_db"), scale))
    gains = [
        run["persistent_connections"]["gain"]
        for run in served
        if run.get("persistent_connections", {}).get("gain")
    ]
    verdicts.append(
        _at_least(
            "connections", "persistent connections: req/s with them over without", gains, 1, " ×"
        )
    )
    return verdicts, scale


def _span(values, digits, unit):
    low, high = min(values), max(values)
    if round(low, digits) == round(high, digits):
        return f"{low:.{digits}f}{unit}"
    return f"{low:.{digits}f}–{high:.{digits}f}{unit}"


def _at_most(key, target, values, limit, unit):
    values = [value for value in values if value is not None]
    target = f"{target} ≤ {limit}{unit}"
    if not values:
        return Verdict(key, target, "not measured", None)
    return Verdict(key, target, _span(values, 1, unit), max(values) <= limit)


def _at_least(key, target, values, limit, unit):
    values = [value for value in values if value is not None]
    target = f"{target} ≥ {limit}{unit}"
    if not values:
        return Verdict(key, target, "not measured", None)
    return Verdict(key, target, _span(values, 2, unit), min(values) >= limit)


def _queries_verdict(pages):
    target = "queries per request ≤ 8 on every page, the same at every size"
    counts = {}
    for (_, key), page in pages.items():
        if key != "bare" and page["queries"] is not None:
            counts.setdefault(key, set()).add(page["queries"])
    if not counts:
        return Verdict("queries", target, "not measured", None)
    every = set().union(*counts.values())
    constant = all(len(numbers) == 1 for numbers in counts.values())
    measured = f"{min(every)}–{max(every)}" + ("" if constant else ", varying with the size")
    return Verdict("queries", target, measured, constant and max(every) <= 8)


def _search_verdicts(results, pages, scale):
    vendor = results.get("database", {}).get("vendor")
    size = SEARCH_TARGET_SIZE.get(vendor)
    verdicts = []
    for key, label in (("search", "directory search"), ("filters", "directory filters")):
        target = f"{label} p95 < 50 ms at {size or 0:,} companies ({vendor})"
        # The run closest to the target size, if it reached at least that size.
        sizes = sorted(companies for companies, k in pages if k == key and companies >= (size or 0))
        page = pages.get((sizes[0], key)) if size and sizes else None
        # At that size's own speed: a shared machine's speed drifts between sizes.
        bare = pages.get((sizes[0], "bare"), {}).get("median_ms") if page else None
        here = REFERENCE_BARE_MS / bare if bare else scale
        if page is None or page["p95_ms"] is None or here is None:
            verdicts.append(Verdict(key, target, "not measured", None))
            continue
        at_reference = page["p95_ms"] * here
        measured = f"{page['p95_ms']:.1f} ms here, ≈ {at_reference:.0f} ms at the reference"
        verdicts.append(Verdict(key, target, measured, at_reference < 50))
    return verdicts


def _rebuild_verdict(rebuild, scale):
    target = "rebuild_db from an empty database < 3 s"
    if not rebuild or scale is None:
        return Verdict("rebuild", target, "not measured", None)
    at_reference = rebuild["median_seconds"] * scale
    measured = f"{rebuild['median_seconds']:.2f} s here, ≈ {at_reference:.1f} s at the reference"
    return Verdict("rebuild", target, measured, at_reference < 3)


def format_targets(verdicts, scale):
    if scale is None:
        return "Issue 5's targets: no bare view measured in this run, nothing to judge.\n"
    lines = [
        f"Issue 5's targets, judged on this run (the reference machine's bare view costs "
        f"{REFERENCE_BARE_MS} ms, this one's {REFERENCE_BARE_MS / scale:.2f} ms in the "
        f"median: its times are these × {scale:.2f}, a page's by the bare view at its size)"
    ]
    width = max(len(verdict.target) for verdict in verdicts)
    for verdict in verdicts:
        state = {True: "met", False: "NOT MET", None: "—"}[verdict.met]
        lines.append(f"  {verdict.target:<{width}}  {verdict.measured:<40} {state}")
    return "\n".join(lines) + "\n"


# rebuild_db ------------------------------------------------------------------------


def scratch_database_url(name):
    """DATABASE_URL of an empty scratch database beside the benchmark's: a file in
    ``name``'s directory on SQLite, a database made (or emptied) here on PostgreSQL."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}.sqlite3"
    if connection.vendor != "postgresql":
        raise BenchError(
            f"rebuild_db is measured on SQLite and PostgreSQL, not {connection.vendor}."
        )
    database = drop_scratch_database()
    with connection.cursor() as cursor:  # autocommit: CREATE DATABASE needs it
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(database)}")
    return urlunsplit(urlsplit(database_url())._replace(path=f"/{database}"))


def drop_scratch_database():
    """Drop PostgreSQL's scratch database if it is there; return its name."""
    database = f"{settings.DATABASES['default']['NAME']}_rebuild"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(database)}")
    return database


def timed_command(args, env):
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{completed.stderr[-2000:]}")
    return seconds


def measure_rebuild(runs, workdir, log):
    """``rebuild_db`` as an operator runs it on a new machine: a fresh process, an empty
    database, migrations, the fixtures, their media copied and their renditions made.
    Beside it, ``manage.py check``: the cost of a Django process that starts and stops."""
    log(f"rebuild_db from an empty {connection.vendor} database, {runs} runs …")
    rebuild, check = [], []
    try:
        for run_number in range(runs):
            scratch = Path(workdir) / f"rebuild-{run_number}"
            env = production_env(Path(workdir) / "static")
            env.update(
                DATABASE_URL=scratch_database_url(scratch),
                MEDIA_ROOT=str(scratch / "media"),
                DJANGO_SETTINGS_MODULE="hubguide.settings",
            )
            rebuild.append(timed_command(["rebuild_db", "--verbosity", "0"], env))
            check.append(timed_command(["check"], env))
    finally:
        drop_scratch_database()
    median, check_median = statistics.median(rebuild), statistics.median(check)
    return {
        "runs": [round(seconds, 3) for seconds in rebuild],
        "median_seconds": round(median, 3),
        "check_median_seconds": round(check_median, 3),
        "ratio": round(median / check_median, 2),
    }


def format_rebuild(result):
    runs = ", ".join(f"{seconds:.2f}" for seconds in result["runs"])
    return (
        (
            f"rebuild_db from an empty {connection.vendor} database, migrations and media "
            f"included, a fresh process each run\n"
            f"  median {result['median_seconds']:.2f} s (runs: {runs} s) · manage.py check "
            f"{result['check_median_seconds']:.2f} s · ratio {result['ratio']:.1f}\n"
        )
        + "\n".join(busy_note())
        + ("\n" if busy_note() else "")
    )


# Tables ----------------------------------------------------------------------------


def _number(value, digits=1, suffix=""):
    return "—" if value is None else f"{value:,.{digits}f}{suffix}"


def load_average():
    return round(os.getloadavg()[0], 2)


def busy_note():
    """A warning when other work competes for the CPUs: times are then inflated."""
    load, cpus = load_average(), os.cpu_count() or 1
    if load <= cpus * 0.75:
        return []
    return [f"  note: the machine is busy (load {load} on {cpus} CPUs); times are inflated."]


def format_in_process(companies, mode, pages, options):
    cache = "page cache off" if mode == "off" else "page cache on"
    title = (
        f"{companies:,} companies · {connection.vendor} · in-process test client, DEBUG off, "
        f"{cache} · {options.requests} requests per page after {options.warmup} warm-up"
    )
    header = (
        f"{'page':<20} {'status':>6} {'queries':>7} {'median ms':>10} {'p95 ms':>8} "
        f"{'× bare':>7} {'p95 × bare':>10}  path"
    )
    lines = [title, header, "-" * len(header)]
    notes = []
    for page in pages:
        lines.append(
            f"{page.label:<20} {page.status!s:>6} {_number(page.queries, 0):>7} "
            f"{_number(page.median_ms, 2):>10} {_number(page.p95_ms, 2):>8} "
            f"{_number(page.median_ratio):>7} {_number(page.p95_ratio):>10}  {page.path}"
        )
        if page.error:
            notes.append(f"  {page.label}: {page.error}")
        elif page.requests and page.requests < options.requests:
            notes.append(f"  {page.label}: stopped after {page.requests} requests (time cap)")
    return "\n".join(lines + notes + busy_note()) + "\n"


def format_served(companies, served, by_mode):
    """One table: each page's requests per second with the page cache off and on, each
    beside its ratio to the bare view (never cached) served in the same run."""
    title = (
        f"{companies:,} companies · {connection.vendor} · gunicorn, 2 sync workers, "
        f"production settings · {served['tool']}, {served['concurrency']} concurrent, "
        f"new connection per request"
    )
    modes = list(by_mode)
    header = (
        f"{'page':<20}"
        + "".join(f" {'req/s ' + mode:>12} {'× bare':>7}" for mode in modes)
        + "  path"
    )
    lines = [title, f"{'':<20}" + "".join(f" {'page cache ' + m:>20}" for m in modes), header]
    lines.append("-" * len(header))
    notes = []
    for rows in zip(*by_mode.values(), strict=True):
        first = rows[0]
        line = f"{first.label:<20}"
        for mode, page in zip(modes, rows, strict=True):
            line += f" {_number(page.rps, 0):>12} {_number(page.ratio, 2):>7}"
            if page.error:
                notes.append(f"  {page.label}, page cache {mode}: {page.error}")
        lines.append(f"{line}  {first.path}")
    return "\n".join(lines + notes + busy_note()) + "\n"
