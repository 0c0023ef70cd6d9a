"""Two gunicorn instances sharing one PostgreSQL database and one Redis cache.

The deployment the README describes for more than one box: an edit made through one
server is visible through the other on the next request, and a rebuild run while both
serve leaves neither answering with an error. Everything runs in subprocesses with
production settings; this test never touches the test database.
"""

import contextlib
import http.client
import itertools
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest
import redis

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.multiserver,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith("postgres") and REDIS_URL),
        reason="needs DATABASE_URL=postgres://… and REDIS_URL",
    ),
]

BASE_DIR = Path(__file__).resolve().parents[2]
DATABASE_NAME = "hubguide_two_servers"
USERNAME, PASSWORD = "two-servers-editor", secrets.token_urlsafe(16)
COMMAND_TIMEOUT = 300


def url_with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    """Run ``manage.py`` with the deployment's environment; fail with its output."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert completed.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
    )
    return completed


def recreate_database():
    admin_url = url_with_database(DATABASE_URL, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def drop_database():
    with psycopg.connect(url_with_database(DATABASE_URL, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def query_one(sql, params=()):
    with psycopg.connect(url_with_database(DATABASE_URL, DATABASE_NAME)) as conn:
        return conn.execute(sql, params).fetchone()


def forget_cached_pages():
    """Drop the site's keys (and only those) from the shared Redis database, so that
    nothing cached by an earlier run, against an earlier database, is served."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match="hubguide:*", count=1000):
            client.delete(key)
    finally:
        client.close()


def get(port, path, timeout=30):
    """GET on a new connection; return (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines=40):
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start_server(name, env, workdir):
    port = free_port()
    log_path = workdir / f"gunicorn-{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hubguide.wsgi:application",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(name, port, process, log_path)


def wait_until_healthy(server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn {server.name} exited:\n{server.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get(server.port, "/healthz", timeout=5)[0] == 200:
                return
        time.sleep(0.25)
    pytest.fail(f"gunicorn {server.name} did not answer /healthz in {timeout} s:\n"
                f"{server.log_tail()}")  # fmt: skip


@dataclass
class Deployment:
    env: dict
    a: Server
    b: Server


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Two servers, A and B, on one freshly built database and one Redis cache."""
    workdir = tmp_path_factory.mktemp("two-servers")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hubguide.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=url_with_database(DATABASE_URL, DATABASE_NAME),
        REDIS_URL=REDIS_URL,
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SUPERUSER_USERNAME=USERNAME,
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        DJANGO_SUPERUSER_EMAIL="editor@example.com",
    )
    recreate_database()
    forget_cached_pages()
    servers = []
    try:
        manage(env, "rebuild_db", "--verbosity", "0")
        manage(env, "createsuperuser", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        servers = [start_server("A", env, workdir), start_server("B", env, workdir)]
        for server in servers:
            wait_until_healthy(server)
        yield Deployment(env, *servers)
    finally:
        for server in servers:
            server.stop()
        forget_cached_pages()
        drop_database()


# A browser's worth of HTTP: cookies and forms ----------------------------------------


class Session:
    """Keeps the cookies a server sets (Secure ones too: this is plain HTTP on 127.0.0.1)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, fields=None):
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            pairs = fields.items() if isinstance(fields, dict) else fields
            body = urlencode([(name, value) for name, value in pairs])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.headers, content


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with id ``form_id``: inputs (checked
    boxes only, no buttons or files), textareas, and the selected options of selects."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields = []
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append(
                [
                    attrs["name"],
                    attrs.get("value") or ("on" if kind in {"checkbox", "radio"} else ""),
                ]
            )
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
            self.fields.append(self.textarea)
        elif tag == "select":
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline right after <textarea>.
            self.textarea[1] = self.textarea[1].removeprefix("\n")
            self.textarea = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]
            self.fields.extend([self.select["name"], value] for value in chosen)
            self.select = None

    @classmethod
    def of(cls, html, form_id):
        parser = cls(form_id)
        parser.feed(html)
        return parser.fields


def csrf_token(html):
    for name, value in FormFields.of(html, "login-form"):
        if name == "csrfmiddlewaretoken":
            return value
    raise AssertionError("no CSRF token in the login form")


def log_in(session):
    status, _, page = session.request("GET", "/admin/login/?next=/admin/")
    assert status == 200, status
    status, headers, page = session.request(
        "POST",
        "/admin/login/?next=/admin/",
        {
            "csrfmiddlewaretoken": csrf_token(page),
            "username": USERNAME,
            "password": PASSWORD,
            "next": "/admin/",
        },
    )
    assert status == 302, f"login answered {status}:\n{page[:2000]}"


def published_city():
    return query_one(
        "SELECT id, slug FROM cities_city WHERE status = 'published' "
        "AND (publish_at IS NULL OR publish_at <= now()) ORDER BY name LIMIT 1"
    )


# The tests ------------------------------------------------------------------------


def test_an_edit_through_server_a_is_visible_through_server_b(deployment):
    city_id, slug = published_city()
    city_path = f"/cities/{slug}/"
    new_summary = f"Edited through server A for the two-server test {secrets.token_hex(4)}."
    for _ in range(2):  # the second request would come from B's cache, if it caches
        status, page = get(deployment.b.port, city_path)
        assert status == 200
        assert new_summary not in page

    editor = Session(deployment.a.port)
    log_in(editor)
    change_path = f"/admin/cities/city/{city_id}/change/"
    status, _, form_page = editor.request("GET", change_path)
    assert status == 200, status
    fields = FormFields.of(form_page, "city_form")
    assert any(name == "summary" for name, _ in fields), "no summary field in the change form"
    fields = [[name, new_summary if name == "summary" else value] for name, value in fields]
    fields.append(["_save", "Save"])  # the button an editor clicks, which a browser sends
    status, headers, page = editor.request("POST", change_path, fields)
    assert status == 302, f"the change form answered {status}:\n{page[:3000]}"

    status, page = get(deployment.b.port, city_path)
    assert status == 200
    assert new_summary in page
    assert query_one("SELECT summary FROM cities_city WHERE id = %s", (city_id,))[0] == new_summary


def test_a_rebuild_while_both_servers_serve_causes_no_server_error(deployment):
    _, slug = published_city()
    paths = ["/", "/cities/", f"/cities/{slug}/", "/companies/", "/companies/?q=tech",
             "/policies/", "/healthz"]  # fmt: skip
    targets = itertools.cycle(
        [(server, path) for path in paths for server in (deployment.a, deployment.b)]
    )
    seen, failures = [], []
    stop = threading.Event()
    hard_stop = time.monotonic() + COMMAND_TIMEOUT + 60

    def visitor():
        while not stop.is_set() and time.monotonic() < hard_stop:
            server, path = next(targets)
            try:
                status, _ = get(server.port, path)
            except (OSError, http.client.HTTPException) as error:
                failures.append((server.name, path, type(error).__name__))
                continue
            seen.append((server.name, path, status))
            if status >= 500:
                failures.append((server.name, path, status))

    visitors = [threading.Thread(target=visitor, daemon=True) for _ in range(2)]
    for thread in visitors:
        thread.start()
    try:
        time.sleep(0.5)
        before = len(seen)
        manage(deployment.env, "rebuild_db", "--verbosity", "0")
        during = len(seen) - before
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in visitors:
            thread.join(timeout=60)

    assert not failures, (
        f"{len(failures)} failed requests, e.g. {failures[:10]}\n"
        f"A:\n{deployment.a.log_tail()}\nB:\n{deployment.b.log_tail()}"
    )
    assert during > 0, "no request was served while the rebuild ran"
    assert {name for name, _, _ in seen} == {"A", "B"}
    # After the rebuild both serve the fixtures' content, not a cached page from before.
    for server in (deployment.a, deployment.b):
        status, page = get(server.port, f"/cities/{slug}/")
        assert status == 200
        assert "Edited through server A" not in page
