"""A whole-page cache for visitors that is never stale for longer than a save takes.

Anonymous GET and HEAD requests (no session cookie, so no database query to find out)
are answered from the configured cache: local memory on one box, Redis shared by every
app server. Three things keep the pages correct:

* **The content version.** One counter in the cache is stored with every page, and a
  page is served only while it is current; one round trip to the cache reads the page,
  the counter and the schedule below together. A hook
  on every database connection sees each SQL statement that writes a content table (the
  ``cities`` and ``companies`` apps and their link tables, not their history) and bumps
  the counter: saves, deletes and m2m changes, and also ``bulk_create``, ``update()``
  and raw SQL, which send no signals. In a transaction the bump comes after the commit,
  when other servers can see the change; and at once too when this thread has used the
  cache since its last bump, so that a request later in the same transaction (a test)
  sees its own change.
* **Scheduled publishing.** A cached page is served only if no published item's
  ``publish_at`` has arrived since the page began rendering. The moments are one
  query per content version, made on its first cache hit and kept beside it; an
  uncached page costs no more queries than its view makes.
* **The release.** Keys include a fingerprint of the project's templates, Python code
  and static manifest, so a deploy never serves pages rendered by the code before it.

Only pages that answer 200 without setting a cookie, without ``Cache-Control:
private/no-store/no-cache``, without a CSP nonce and without streaming are stored. The
admin, ``/healthz`` and the benchmark's bare view are never looked up. Responses say
``X-Cache: hit`` or ``miss`` when the cache was consulted.
"""

import datetime
import hashlib
import logging
import math
import re
import threading
import time
from functools import cache as memoize
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_max_age, patch_vary_headers
from django.utils.http import split_directive_names
from simple_history.models import HistoricalChanges

from hubguide.publishing import Publishable, Status

logger = logging.getLogger(__name__)

CONTENT_APPS = ("cities", "companies")
VERSION_KEY = "page:version"
SCHEDULE_KEY = "page:schedule"
SCHEDULE_TIMEOUT = 24 * 60 * 60
SCHEDULE_LIMIT = 100
UNCACHED_NAMESPACES = {"admin"}
# The benchmark's bare view is the uncached baseline every page is measured against.
UNCACHED_URL_NAMES = {"healthz", "bench_bare"}
# A query string longer than this is answered uncached, so that junk cannot flood the cache.
MAX_QUERY_STRING = 2000
MAX_PAGE_BYTES = 2 * 1024 * 1024
CACHEABLE_VARY = {"cookie", "accept-language"}
UNCACHEABLE_CACHE_CONTROL = {"private", "no-store", "no-cache"}
# Per-request attributes of a response that the CSP middleware reads on the way out.
RESPONSE_ATTRIBUTES = ("_csp_config", "_csp_ro_config")

_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?"
    r"|DELETE\s+FROM)\s+[`\"]?(\w+)",
    re.IGNORECASE,
)
_WRITE_INITIALS = "IUDRTiudrt"
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.IGNORECASE)
_IDENTIFIER = re.compile(r"\w+")

_thread = threading.local()


# The content version ----------------------------------------------------------------


def current_version():
    """The content version, created if the cache has lost it; None if the cache keeps
    nothing (``DummyCache``)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh value in nanoseconds never repeats one an evicted counter had reached.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_content_version():
    """Make every cached page stale, on every server sharing the cache.

    Called by the write hook; call it yourself after changing content behind Django's
    back (a ``psql`` session, another program).
    """
    _thread.used_cache = False
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no counter: a new one is a new version
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        logger.exception("Could not bump the page cache's content version.")


@memoize
def content_tables():
    tables = set()
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if not issubclass(model, HistoricalChanges):
                tables.add(model._meta.db_table.lower())
    return frozenset(tables)


@memoize
def publishable_models():
    return [
        model
        for label in CONTENT_APPS
        for model in apps.get_app_config(label).get_models()
        if issubclass(model, Publishable)
    ]


def writes_content(sql):
    """Whether the SQL statement writes one of the content tables."""
    if sql.lstrip()[:1] not in _WRITE_INITIALS:  # most statements: SELECT, SAVEPOINT
        return False
    tables = content_tables()
    match = _WRITE.match(sql)
    if match:
        return match[1].lower() in tables
    if _TRUNCATE.match(sql):
        return any(name.lower() in tables for name in _IDENTIFIER.findall(sql))
    return False


def content_written(connection):
    """What follows a statement that wrote content on ``connection``."""
    if connection.in_atomic_block:
        pending = any(func is bump_content_version for _, func, _ in connection.run_on_commit)
        if not pending:
            transaction.on_commit(bump_content_version, using=connection.alias)
        if not getattr(_thread, "used_cache", False):
            return
    bump_content_version()


def watch_content_writes(execute, sql, params, many, context):
    """A database execute wrapper: bump the content version after a write to content."""
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and writes_content(sql):
        content_written(context["connection"])
    return result


def install_write_hook(sender=None, connection=None, **kwargs):
    """``connection_created`` receiver: put the write hook on the new connection."""
    if watch_content_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_content_writes)


# Scheduled publishing ------------------------------------------------------------------


def scheduled_moments(after, limit=SCHEDULE_LIMIT):
    """Timestamps, in order, of the ``publish_at`` later than ``after`` of published items."""
    querysets = [
        model._default_manager.filter(status=Status.PUBLISHED, publish_at__gt=after)
        .order_by()
        .values_list("publish_at", flat=True)
        for model in publishable_models()
    ]
    combined = querysets[0].union(*querysets[1:]).order_by("publish_at")[:limit]
    return [moment.timestamp() for moment in combined]


def went_live_between(started, now, version, entry):
    """Whether a scheduled item went live after ``started`` and by ``now``: then a page
    that began rendering at ``started`` may lack it.

    The moments are one query per content version, kept in the cache (``entry``, read
    with the page) with the version they were read at and the window they cover: from
    ``after`` (before any page still cached began rendering) to ``horizon``.
    """
    if entry is None or entry[0] != version or entry[1] > started or entry[3] < now:
        after = min(started, now - settings.PAGE_CACHE_SECONDS - 60)
        moments = scheduled_moments(datetime.datetime.fromtimestamp(after, tz=datetime.UTC))
        horizon = moments[-1] if len(moments) == SCHEDULE_LIMIT else math.inf
        entry = (version, after, moments, horizon)
        cache.set(SCHEDULE_KEY, entry, SCHEDULE_TIMEOUT)
    _, after, moments, horizon = entry
    return horizon < now or any(started < moment <= now for moment in moments)


# Keys -----------------------------------------------------------------------------------


@memoize
def release_fingerprint():
    """A hash of what renders the pages: Django's version, the project's own apps (code
    and templates), the project's template directories and the static files manifest."""
    base = Path(settings.BASE_DIR).resolve()
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", ())]
    roots += [
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == base
    ]
    files = {
        path
        for root in roots
        if root.is_dir()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        files.add(manifest)
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    for path in sorted(files):
        digest.update(str(path).encode("utf-8", "surrogatepass"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def page_key(request):
    url = request.build_absolute_uri().encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(url, digest_size=16).hexdigest()
    return f"page:{release_fingerprint()}:{translation.get_language()}:{digest}"


# The middleware ---------------------------------------------------------------------------


class PageCacheMiddleware:
    """Serve anonymous visitors whole pages from the cache; place it after
    ``AuthenticationMiddleware`` and the CSP middleware, so that the headers those and
    every other middleware add are made afresh for each response, cached or not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.may_use_cache(request):
            return self.get_response(request)
        request._page_cache = None
        response = self.get_response(request)
        state = request._page_cache
        if state is not None:  # looked up and missed
            response.headers["X-Cache"] = "miss"
            if request.method == "GET" and self.may_store(request, response):
                self.store(state, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not hasattr(request, "_page_cache"):
            return None
        match = request.resolver_match
        if match.url_name in UNCACHED_URL_NAMES or UNCACHED_NAMESPACES & set(match.namespaces):
            return None
        started = timezone.now().timestamp()
        try:
            key = page_key(request)
            found = cache.get_many([key, VERSION_KEY, SCHEDULE_KEY])
            version = found.get(VERSION_KEY)
            if version is None:
                version = current_version()
                if version is None:  # a cache that keeps nothing
                    return None
            _thread.used_cache = True
            cached = found.get(key)
            if cached is not None and (
                cached[-1] != version
                or went_live_between(cached[-2], started, version, found.get(SCHEDULE_KEY))
            ):
                cached = None
        except Exception:
            logger.exception("The page cache could not be read; answering uncached.")
            return None
        if cached is None:
            request._page_cache = (key, version, started)
            return None
        return self.restore(cached)

    @staticmethod
    def may_use_cache(request):
        return (
            request.method in ("GET", "HEAD")
            and settings.PAGE_CACHE_SECONDS > 0
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_STRING
        )

    @staticmethod
    def may_store(request, response):
        if (
            response.status_code != 200
            or response.streaming
            or response.cookies
            or response.has_header("Content-Encoding")
            # The page would carry a nonce that the next response's header does not.
            or getattr(request, "_csp_nonce", None)
            or len(response.content) > MAX_PAGE_BYTES
        ):
            return False
        cache_control = set(split_directive_names(response.get("Cache-Control", "")))
        vary = set(split_directive_names(response.get("Vary", "")))
        return not (cache_control & UNCACHEABLE_CACHE_CONTROL) and vary <= CACHEABLE_VARY

    @staticmethod
    def store(state, response):
        key, version, started = state
        # Visitors with a session cookie get other pages: say so to caches downstream too.
        patch_vary_headers(response, ("Cookie",))
        timeout = settings.PAGE_CACHE_SECONDS
        max_age = get_max_age(response)
        if max_age is not None:
            timeout = min(timeout, max_age)
        if timeout < 1:
            return
        attributes = {
            name: getattr(response, name) for name in RESPONSE_ATTRIBUTES if hasattr(response, name)
        }
        headers = [(name, value) for name, value in response.items() if name != "X-Cache"]
        page = (response.status_code, headers, response.content, attributes, started, version)
        try:
            cache.set(key, page, timeout)
        except Exception:
            logger.exception("The page cache could not store a page.")

    @staticmethod
    def restore(cached):
        status, headers, content, attributes, _started, _version = cached
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response.headers[name] = value
        for name, value in attributes.items():
            setattr(response, name, value)
        response.headers["X-Cache"] = "hit"
        return response
