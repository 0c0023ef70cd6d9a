"""The page cache: anonymous visitors get cached pages, never stale ones."""

import datetime
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import path
from django.utils import timezone

from cities.models import City, Policy
from companies.models import Company, Presence
from hubguide import cache as page_cache
from hubguide.bench_urls import BARE_PATH
from hubguide.publishing import Status
from hubguide.redis_cache import RedisCache
from tests.admin import form_data
from tests.factories import make_city, make_company, make_policy, make_presence, make_zone

REDIS_URL = "redis://127.0.0.1:6379/13"
DRAFT_BANNER = "Draft — visitors cannot see this page."


def served(client, url, **kwargs):
    """The response and how the page cache answered it: "hit", "miss" or None."""
    response = client.get(url, **kwargs)
    return response, response.headers.get("X-Cache")


def text(response):
    return response.content.decode()


@pytest.fixture
def site(db):
    city = make_city(name="Hangzhou", slug="hangzhou", summary="Alibaba's home town.")
    zone = make_zone(city=city, name="Binjiang", slug="binjiang")
    company = make_company(name="Alibaba", slug="alibaba")
    make_presence(company=company, city=city, zone=zone, kind=Presence.Kind.HEADQUARTERS)
    policy = make_policy(name="Internet Plus", slug="internet-plus", cities=[city])
    return {"city": city, "zone": zone, "company": company, "policy": policy}


PUBLIC_PAGES = [
    "/",
    "/cities/",
    "/cities/hangzhou/",
    "/zones/binjiang/",
    "/policies/",
    "/policies/internet-plus/",
    "/companies/",
    "/companies/?q=alibaba",
    "/companies/?city=hangzhou&sort=name",
    "/companies/alibaba/",
    "/sitemap.xml",
    "/robots.txt",
]


# Hits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_second_anonymous_request_is_a_hit_without_database_queries(
    client, site, url, django_assert_max_num_queries, django_assert_num_queries
):
    first, state = served(client, url)
    assert (first.status_code, state) == (200, "miss")

    # The first hit of a content version asks once when scheduled items go live.
    with django_assert_max_num_queries(1):
        second, state = served(client, url)
    assert state == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]

    with django_assert_num_queries(0):
        assert served(client, url)[1] == "hit"


def test_head_is_answered_from_the_cached_page(client, site):
    served(client, "/cities/")
    response = client.head("/cities/")
    assert response.status_code == 200
    assert response.headers["X-Cache"] == "hit"


def test_cached_pages_get_the_security_headers_afresh(client, site):
    first, _ = served(client, "/cities/hangzhou/")
    hit, state = served(client, "/cities/hangzhou/")
    assert state == "hit"
    for header in [
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ]:
        assert hit[header] == first[header], header
    assert "Cookie" in hit["Vary"]
    assert hit["Content-Length"] == str(len(hit.content))


def test_each_query_string_is_cached_apart(client, site):
    shenzhen = make_city(name="Shenzhen", slug="shenzhen")
    make_presence(company=make_company(name="Hikvision"), city=shenzhen)
    served(client, "/companies/?city=hangzhou")
    response, state = served(client, "/companies/?city=shenzhen")
    assert state == "miss"
    assert "Hikvision" in text(response)
    response, state = served(client, "/companies/?city=hangzhou")
    assert state == "hit"
    assert "Hikvision" not in text(response)


# Changes appear on the next request --------------------------------------------------------


def test_a_change_saved_through_the_orm_appears_on_the_next_request(client, site):
    city = site["city"]
    served(client, city.get_absolute_url())
    assert served(client, city.get_absolute_url())[1] == "hit"

    city.summary = "Home of e-commerce and of the West Lake."
    city.save()

    response, state = served(client, city.get_absolute_url())
    assert state == "miss"
    assert "Home of e-commerce and of the West Lake." in text(response)


def test_a_change_saved_in_the_admin_appears_on_the_next_request(client, admin_client, site):
    city = site["city"]
    for url in ["/", "/cities/", city.get_absolute_url()]:
        served(client, url)
        assert "Alibaba&#x27;s home town." in text(served(client, url)[0])

    change_url = f"/admin/cities/city/{city.pk}/change/"
    data = form_data(admin_client.get(change_url))
    data["summary"] = "Edited in the admin."
    assert admin_client.post(change_url, data).status_code == 302

    for url in ["/", "/cities/", city.get_absolute_url()]:
        response, state = served(client, url)
        assert state == "miss", url
        assert "Edited in the admin." in text(response), url


def test_publishing_a_draft_in_the_admin_shows_it_at_once_on_lists_and_home(
    client, admin_client, site
):
    draft_city = make_city(name="Chengdu", slug="chengdu", status=Status.DRAFT)
    draft_company = make_company(name="Tiny Drones", slug="tiny-drones", status=Status.DRAFT)
    pages = ["/", "/cities/", "/companies/"]
    for url in pages:
        served(client, url)
        response, state = served(client, url)
        assert state == "hit"
        assert "Chengdu" not in text(response) and "Tiny Drones" not in text(response)

    for model, obj in [(City, draft_city), (Company, draft_company)]:
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = admin_client.post(
            changelist, {"action": "publish", "_selected_action": [obj.pk]}
        )
        assert response.status_code == 302

    assert "Chengdu" in text(client.get("/"))
    assert "Chengdu" in text(client.get("/cities/"))
    assert "Tiny Drones" in text(client.get("/companies/"))
    assert client.get("/cities/chengdu/").status_code == 200


def test_unpublishing_hides_it_at_once(client, site):
    company = site["company"]
    served(client, "/companies/")
    served(client, company.get_absolute_url())
    assert "Alibaba" in text(served(client, "/companies/")[0])

    company.status = Status.DRAFT
    company.save(update_fields=["status", "updated_at"])

    assert "Alibaba" not in text(client.get("/companies/"))
    assert client.get(company.get_absolute_url()).status_code == 404


def test_deleting_a_company_removes_it_from_the_directory_at_once(client, site):
    gone = make_company(name="Gone Co", slug="gone-co")
    served(client, "/companies/")
    assert "Gone Co" in text(served(client, "/companies/")[0])

    gone.delete()

    response, state = served(client, "/companies/")
    assert state == "miss"
    assert "Gone Co" not in text(response)
    assert client.get("/companies/gone-co/").status_code == 404


def test_a_many_to_many_change_shows_at_once(client, site):
    shenzhen = make_city(name="Shenzhen", slug="shenzhen")
    policy = site["policy"]
    served(client, policy.get_absolute_url())
    assert "Shenzhen" not in text(served(client, policy.get_absolute_url())[0])

    policy.cities.add(shenzhen)

    assert "Shenzhen" in text(client.get(policy.get_absolute_url()))
    assert "Internet Plus" in text(client.get(shenzhen.get_absolute_url()))


def test_writes_that_send_no_signals_invalidate_too(client, site):
    """bulk_create, QuerySet.update() and raw SQL, as generate_companies and scripts use."""
    served(client, "/companies/")

    bulk = Company(slug="bulk-co", name="Bulk Co", kind="chinese", summary="Made in bulk.")
    bulk.status = Status.PUBLISHED
    Company.objects.bulk_create([bulk])
    assert "Bulk Co" in text(client.get("/companies/"))

    Company.objects.filter(slug="bulk-co").update(name="Renamed In Bulk")
    assert "Renamed In Bulk" in text(client.get("/companies/"))

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Company._meta.db_table} SET name = %s WHERE slug = %s",
            ["Renamed By SQL", "bulk-co"],
        )
    assert "Renamed By SQL" in text(client.get("/companies/"))

    Company.objects.filter(slug="bulk-co")._raw_delete(Company.objects.db)
    assert "Renamed By SQL" not in text(client.get("/companies/"))


def test_writes_to_other_tables_leave_cached_pages_alone(client, site):
    served(client, "/cities/")
    get_user_model().objects.create_user("someone")
    site["city"].history.update(history_change_reason="Only the history changes")
    assert served(client, "/cities/")[1] == "hit"


@pytest.mark.django_db(transaction=True)
def test_a_write_in_a_transaction_bumps_the_version_after_the_commit(client):
    """As when another server saves: its change is visible only once committed."""
    city = make_city(name="Xi'an", slug="xian", summary="Before.")
    served(client, city.get_absolute_url())
    page_cache._thread.used_cache = False  # this thread stands for another server
    before = page_cache.current_version()

    with transaction.atomic():
        City.objects.filter(pk=city.pk).update(summary="After.")
        assert page_cache.current_version() == before
    assert page_cache.current_version() != before
    assert "After." in text(client.get(city.get_absolute_url()))

    page_cache._thread.used_cache = False
    bumped = page_cache.current_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        City.objects.filter(pk=city.pk).update(summary="Rolled back.")
        raise RuntimeError
    assert page_cache.current_version() == bumped


def test_the_version_survives_an_emptied_cache_without_repeating_itself(db):
    first = page_cache.current_version()
    cache.clear()
    assert page_cache.current_version() > first
    page_cache.bump_content_version()
    cache.delete(page_cache.VERSION_KEY)
    page_cache.bump_content_version()
    assert page_cache.current_version() > first


# Scheduled publishing --------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now()`` moved forward by ``clock.advance(seconds)``."""
    real_now = timezone.now

    class Clock:
        offset = datetime.timedelta()

        def advance(self, seconds):
            self.offset += datetime.timedelta(seconds=seconds)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + clock.offset)
    return clock


def test_a_scheduled_item_appears_once_its_time_has_passed(client, site, clock):
    make_company(name="Scheduled Co", slug="scheduled-co",
                 publish_at=timezone.now() + datetime.timedelta(seconds=60))  # fmt: skip
    for url in ["/", "/companies/", "/companies/scheduled-co/"]:
        served(client, url)
    assert served(client, "/companies/")[1] == "hit"
    assert "Scheduled Co" not in text(client.get("/companies/"))

    clock.advance(59)
    response, state = served(client, "/companies/")
    assert state == "hit"
    assert "Scheduled Co" not in text(response)

    clock.advance(2)
    response, state = served(client, "/companies/")
    assert state == "miss"
    assert "Scheduled Co" in text(response)
    assert "Scheduled Co" in text(client.get("/"))
    assert client.get("/companies/scheduled-co/").status_code == 200
    assert served(client, "/companies/")[1] == "hit"


def test_a_draft_with_a_publish_time_does_not_expire_pages(client, site, clock):
    make_company(name="Draft Co", status=Status.DRAFT,
                 publish_at=timezone.now() + datetime.timedelta(seconds=60))  # fmt: skip
    served(client, "/companies/")
    clock.advance(61)
    assert served(client, "/companies/")[1] == "hit"


# What is never cached ----------------------------------------------------------------------


def test_staff_see_uncached_draft_previews_with_the_banner(client, site):
    draft = make_company(name="Secret Co", slug="secret-co", status=Status.DRAFT)
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("editor", is_staff=True))

    for _ in range(2):
        response, state = served(staff, draft.get_absolute_url())
        assert response.status_code == 200
        assert state is None
        assert DRAFT_BANNER in text(response)
        assert "Secret Co" in text(staff.get("/companies/"))

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Secret Co" not in text(client.get("/companies/"))


def test_a_visitor_with_a_session_or_messages_cookie_is_answered_uncached(client, site):
    served(client, "/cities/")
    for name in ["sessionid", "messages"]:
        visitor = Client()
        visitor.cookies[name] = "something"
        response, state = served(visitor, "/cities/")
        assert response.status_code == 200
        assert state is None, name


@pytest.mark.parametrize("url", ["/admin/", "/admin/login/", "/healthz"])
def test_the_admin_and_healthz_are_never_cached(client, db, url):
    for _ in range(2):
        assert served(client, url)[1] is None


def test_errors_and_streamed_exports_are_never_cached(client, site):
    for url in ["/companies/no-such-company/", "/nowhere/", "/companies/export.csv"]:
        served(client, url)
        assert served(client, url)[1] != "hit", url


@pytest.mark.urls("hubguide.bench_urls")
def test_the_benchmarks_bare_view_stays_uncached(client, db):
    """It is the uncached baseline the benchmark measures every page against."""
    for _ in range(2):
        response, state = served(client, BARE_PATH)
        assert (response.status_code, state) == (200, None)


def test_a_cache_that_keeps_nothing_turns_the_page_cache_off(client, site, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for _ in range(2):
        response, state = served(client, "/cities/")
        assert (response.status_code, state) == (200, None)


def test_a_page_cache_of_zero_seconds_turns_it_off(client, site, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for _ in range(2):
        assert served(client, "/cities/")[1] is None


def set_cookie(request):
    response = HttpResponse("A cookie for you.")
    response.set_cookie("flavour", "oat")
    return response


def private(request):
    response = HttpResponse("Only for you.")
    response["Cache-Control"] = "private"
    return response


def nonce(request):
    page = engines["django"].from_string('<script nonce="{{ csp_nonce }}"></script>')
    return HttpResponse(page.render(request=request))


def plain(request):
    return HttpResponse("The same for everyone.")


urlpatterns = [
    path("cookie/", set_cookie),
    path("private/", private),
    path("nonce/", nonce),
    path("plain/", plain),
]


@pytest.mark.urls("tests.test_cache")
@pytest.mark.parametrize("url", ["/cookie/", "/private/", "/nonce/"])
def test_responses_that_set_a_cookie_are_private_or_use_the_csp_nonce_are_never_cached(
    client, db, url
):
    assert served(client, "/plain/")[1] == "miss"
    assert served(client, "/plain/")[1] == "hit"
    for _ in range(2):
        response, state = served(client, url)
        assert (response.status_code, state) == (200, "miss")


@pytest.mark.urls("tests.test_cache")
def test_a_nonce_in_the_page_matches_the_policy_header(client, db):
    response = client.get("/nonce/")
    nonce_value = text(response).split('nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce_value}'" in response["Content-Security-Policy"]


# Redis ---------------------------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    """The site's cache switched to Redis, under a prefix of its own, removed afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"hubguide-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "hubguide.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_the_redis_backend_keeps_one_client_that_threads_share(redis_cache):
    """hubguide.redis_cache: one redis-py client per connection pool, not one per call,
    and threads (gunicorn's threaded workers, the image pool) reading and writing at once
    each get what they wrote."""
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    assert backend._cache.get_client() is backend._cache.get_client(write=True)

    def write_and_read(n):
        backend.set(f"thread-{n}", n)
        return backend.get_many([f"thread-{n}"])

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(write_and_read, range(32))) == [{f"thread-{n}": n} for n in range(32)]
    assert backend.get("thread-31") == 31


def test_the_same_invalidation_works_with_redis(client, site, redis_cache):
    city = site["city"]
    served(client, city.get_absolute_url())
    assert served(client, city.get_absolute_url())[1] == "hit"
    redis_client, prefix = redis_cache
    assert any(b":page:" in key for key in redis_client.scan_iter(match=f"{prefix}:*"))

    City.objects.filter(pk=city.pk).update(summary="Changed while Redis held the page.")
    response, state = served(client, city.get_absolute_url())
    assert state == "miss"
    assert "Changed while Redis held the page." in text(response)

    Policy.objects.get(slug="internet-plus").cities.remove(city)
    assert "Internet Plus" not in text(client.get(city.get_absolute_url()))
