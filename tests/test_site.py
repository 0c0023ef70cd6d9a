"""The site as a whole: home page, sitemap, robots.txt, health check, errors, headers."""

import datetime
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from hubguide.publishing import Status
from tests.factories import (
    make_city,
    make_company,
    make_figure,
    make_policy,
    make_presence,
    make_source,
    make_zone,
)

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def staff_client(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    staff = Client()
    staff.force_login(user)
    return staff


@pytest.fixture
def content():
    """One published row of every kind, each with a draft beside it."""
    city = make_city(name="Shenzhen", standing="frontrunner")
    draft_city = make_city(name="Draft City", status=Status.DRAFT)
    zone = make_zone(city=city, name="Shenzhen SEZ")
    company = make_company(name="Tencent")
    make_presence(company=company, city=city, zone=zone, kind="headquarters")
    return {
        "city": city,
        "zone": zone,
        "policy": make_policy(cities=[city], zones=[zone]),
        "company": company,
        "drafts": [
            draft_city,
            make_zone(city=city, status=Status.DRAFT),
            make_zone(city=draft_city),  # published, but in a draft city
            make_policy(status=Status.DRAFT),
            make_company(status=Status.DRAFT),
        ],
    }


def html_of(response):
    return response.content.decode()


# Home ---------------------------------------------------------------------------------


def test_home_lists_published_hubs_with_their_key_figure_and_hides_drafts(client):
    city = make_city(name="Chengdu", name_zh="成都", nickname="panda town", province="Sichuan")
    make_figure(
        city=city,
        label="GDP growth",
        value=Decimal("7.7"),
        unit="percent",
        year=2016,
        is_key=True,
        source=make_source(title="Chengdu bulletin"),
    )
    make_city(name="Draft City", status=Status.DRAFT)

    response = client.get("/")

    assert response.status_code == 200
    html = html_of(response)
    assert f'href="{city.get_absolute_url()}"' in html
    assert '<span class="zh" lang="zh-Hans">成都</span>' in html
    assert "panda town" in html and "Sichuan" in html and "Rising" in html
    assert "7.7 %" in html and "GDP growth" in html and "2016" in html
    assert "Chengdu bulletin" in html
    assert "Draft City" not in html
    assert "Frontrunners and rising hubs" in html
    assert 'href="/companies/"' in html and 'href="/policies/"' in html


def test_home_shows_staff_draft_hubs_marked_as_drafts(staff_client):
    make_city(name="Draft City", status=Status.DRAFT)

    html = html_of(staff_client.get("/"))

    assert "Draft City" in html and "badge--draft" in html


def test_home_lists_the_six_latest_published_updates_newest_first(client, content):
    oldest = make_company(name="Oldest Co")
    type(oldest).objects.filter(pk=oldest.pk).update(
        updated_at=datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    )
    newer = [make_policy(), make_company(), make_zone(city=content["city"])]

    html = html_of(client.get("/"))

    updates = html[html.index('id="updates-title"') :]
    items = re.findall(r'<li class="updates__item">.*?</li>', updates, re.S)
    assert len(items) == 6
    dates = re.findall(r'datetime="([^"]+)"', "".join(items))
    assert dates == sorted(dates, reverse=True)
    for draft in content["drafts"]:
        assert draft.get_absolute_url() not in updates
    for item in newer:
        assert item.get_absolute_url() in updates
    assert "Oldest Co" not in updates  # seven published rows; the oldest falls off


def test_dates_on_the_pages_are_chinas(client):
    """A hub saved at 20:00 UTC on 1 March was saved on 2 March in China: the date the
    home page gives (hubguide.locale activates the site's zone for each request)."""
    hub = make_city(name="Hefei")
    type(hub).objects.filter(pk=hub.pk).update(
        updated_at=datetime.datetime(2026, 3, 1, 20, 0, tzinfo=datetime.UTC)
    )

    html = html_of(client.get("/"))

    assert '<time class="meta" datetime="2026-03-02">2 Mar 2026</time>' in html


def test_a_hub_and_a_company_published_for_later_reach_the_home_page_when_their_time_comes(
    client, settings, monkeypatch
):
    """The home page's queries are built once (hubguide.sql.Prepared) with the time as a
    parameter, not the time of the first page that built them."""
    settings.PAGE_CACHE_SECONDS = 0
    launch = timezone.now() + datetime.timedelta(days=1)
    xian = make_city(name="Xi'an", publish_at=launch)
    make_figure(city=xian, label="Hi-tech output", is_key=True)
    make_company(name="Earlier Co")
    later = make_company(name="Later Co", publish_at=launch)
    html = html_of(client.get("/"))
    assert xian.get_absolute_url() not in html
    assert "Hi-tech output" not in html and "Later Co" not in html

    monkeypatch.setattr(timezone, "now", lambda: launch + datetime.timedelta(minutes=1))
    html = html_of(client.get("/"))
    assert f'<a href="{xian.get_absolute_url()}">Xi&#x27;an</a>' in html
    assert "Hi-tech output" in html
    updates = html[html.index('id="updates-title"') :]
    assert f'<a href="{later.get_absolute_url()}">Later Co</a>' in updates


def test_home_runs_a_fixed_number_of_queries(client, django_assert_num_queries, content):
    for _ in range(20):
        make_figure(city=make_city(), is_key=True)

    # cities, key figures, then the latest of cities, zones, policies and companies
    with django_assert_num_queries(3):
        client.get("/")


# Sitemap and robots -------------------------------------------------------------------


def sitemap_locations(client):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    sections = [
        loc.text for loc in ElementTree.fromstring(index.content).iterfind(".//sm:loc", SITEMAP_NS)
    ]
    locations = set()
    for section in sections:
        response = client.get(section.removeprefix("http://testserver"))
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        locations |= {loc.text for loc in root.iterfind(".//sm:loc", SITEMAP_NS)}
    return locations


def test_sitemap_lists_every_published_page_and_no_draft(client, content):
    locations = sitemap_locations(client)

    expected = {"/", "/cities/", "/policies/", "/companies/"} | {
        content[kind].get_absolute_url() for kind in ("city", "zone", "policy", "company")
    }
    assert {f"http://testserver{path}" for path in expected} <= locations
    for draft in content["drafts"]:
        assert f"http://testserver{draft.get_absolute_url()}" not in locations
    assert len(locations) == len(expected)


def test_robots_txt_allows_all_but_the_admin_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


# Operations ---------------------------------------------------------------------------


def test_healthz_answers_200_with_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_address_gets_the_friendly_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = html_of(response)
    assert "We could not find that page" in html
    assert '<a class="skip-link" href="#main">' in html
    assert 'href="/"' in html


def test_500_page_renders_without_request_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    assert "Something went wrong" in html
    assert 'href="/"' in html
    assert "/static/css/site.css" in html


def test_pages_carry_a_content_security_policy(client, content):
    for url in ("/", "/cities/", content["city"].get_absolute_url(), "/policies/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy


# HTML the pages share -----------------------------------------------------------------


def public_urls(content):
    return [
        "/",
        "/cities/",
        "/policies/",
        content["city"].get_absolute_url(),
        content["zone"].get_absolute_url(),
        content["policy"].get_absolute_url(),
        "/no/such/page/",
    ]


def test_no_page_loads_anything_from_another_host(client, content):
    content["city"].body = "See [the report](https://example.com/report)."
    content["city"].save()

    for url in public_urls(content):
        html = html_of(client.get(url))
        for attribute in re.findall(r'\ssrc="([^"]*)"', html):
            assert not re.match(r"(https?:)?//", attribute), (url, attribute)
        for tag in re.findall(r"<link\b[^>]*>", html):
            if 'rel="canonical"' in tag:
                continue  # names this page; loads nothing
            href = re.search(r'href="([^"]*)"', tag).group(1)
            assert not re.match(r"(https?:)?//", href), (url, tag)
        assert "<style" not in html and ' style="' not in html, url
        assert "<script" not in html, url


def test_every_page_has_its_own_title_and_description(client, content):
    seen = set()
    for url in public_urls(content)[:-1]:
        html = html_of(client.get(url))
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
        assert title not in seen, url
        assert description.strip(), url
        seen.add(title)
    city_html = html_of(client.get(content["city"].get_absolute_url()))
    assert f'content="{content["city"].summary}"' in city_html


def test_a_long_summary_is_cut_to_200_characters_in_the_description(client, content):
    company = content["company"]
    company.summary = "word " * 60 + "& the end"
    company.save()

    html = html_of(client.get(company.get_absolute_url()))

    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    preview = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert description == preview == ("word " * 40).rstrip()[:199] + "…"
    assert len(description) == 200


def test_canonical_and_og_url_leave_out_the_query_string(client, content):
    html = html_of(client.get(content["city"].get_absolute_url() + "?utm_source=x"))

    canonical = f"http://testserver{content['city'].get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:type" content="article">' in html


def test_main_nav_marks_the_current_section(client, content):
    assert 'href="/cities/" aria-current="page">Hubs' in html_of(client.get("/cities/"))
    zone_html = html_of(client.get(content["zone"].get_absolute_url()))
    assert 'href="/cities/" aria-current="true">Hubs' in zone_html
    policies_html = html_of(client.get("/policies/"))
    assert 'href="/policies/" aria-current="page">Policies' in policies_html
    assert "aria-current" not in html_of(client.get("/")).split("</nav>")[0]


def test_pages_have_landmarks_a_skip_link_and_one_h1(client, content):
    for url in public_urls(content):
        html = html_of(client.get(url))
        assert '<html lang="en">' in html
        assert '<a class="skip-link" href="#main">' in html and 'id="main"' in html
        for landmark in ("<header", "<nav", "<main", "<footer"):
            assert landmark in html, (url, landmark)
        assert html.count("<h1") == 1, url


def test_figure_tables_scroll_in_a_focusable_labelled_wrapper(client):
    city = make_city()
    make_figure(city=city)

    html = html_of(client.get(city.get_absolute_url()))

    assert re.search(
        r'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="figures-caption">',
        html,
    )
    assert '<caption id="figures-caption">' in html
