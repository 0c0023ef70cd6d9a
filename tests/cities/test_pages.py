"""The hub, zone and policy pages: what they show, to whom, and at what cost in queries."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.urls import set_script_prefix
from PIL import Image

from cities.models import Figure, Policy, Zone
from cities.views import PRESENCE_COUNT_LIMIT, PRESENCES_SHOWN_PER_KIND
from companies.models import Presence
from hubguide.markdown import render_markdown
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

HOSTILE_BODY = """## Where it stands

<script>alert(1)</script>
<img src=x onerror=alert(1)>
[a trap](javascript:alert(1))
<iframe src="https://example.com/embed"></iframe>
<p style="position:fixed" onclick="alert(1)">styled</p>

- first point
- second point

| Year | Revenue |
| ---- | ------- |
| 2016 | 480 |

Read [the report](https://example.com/report).
"""


@pytest.fixture
def staff_client(django_user_model):
    """A client of its own, so a test can compare it with the visitor's ``client``."""
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    staff = Client()
    staff.force_login(user)
    return staff


def html_of(response):
    return response.content.decode()


def section(html, heading_id):
    """The HTML from the <h2> with ``heading_id`` up to the next <h2> (or the end)."""
    start = html.index(f'<h2 id="{heading_id}"')
    end = html.find("<h2", start + 1)
    return html[start : end if end != -1 else None]


# City profile ------------------------------------------------------------------------


def test_city_profile_shows_each_figure_with_value_year_kind_note_and_linked_source(client):
    city = make_city(name="Chengdu", name_zh="成都", nickname="panda town")
    source = make_source(title="Chengdu Statistical Bulletin", url="https://example.org/bulletin")
    make_figure(
        city=city,
        source=source,
        slug="chengdu-it-revenue",
        label="IT industry revenue",
        value=Decimal("480000000000"),
        unit=Figure.Unit.CNY,
        year=2016,
        note="Electronic information industry as a whole",
    )
    make_figure(
        city=city,
        source=make_source(title="Municipal plan"),
        slug="chengdu-it-target",
        label="IT industry revenue target",
        value=Decimal("1000000000000"),
        unit=Figure.Unit.CNY,
        kind=Figure.Kind.TARGET,
        year=2020,
    )

    response = client.get(city.get_absolute_url())

    assert response.status_code == 200
    html = html_of(response)
    figures = section(html, "figures-title")
    assert 'id="figure-chengdu-it-revenue"' in figures
    assert "480 billion yuan" in figures
    assert "IT industry revenue" in figures
    assert "2016" in figures
    assert "Electronic information industry as a whole" in figures
    assert '<a href="https://example.org/bulletin"' in figures
    assert "Chengdu Statistical Bulletin" in figures
    target_row = figures[figures.index('id="figure-chengdu-it-target"') :]
    assert "1 trillion yuan" in target_row
    assert "target" in target_row.split("</tr>")[0]
    assert "Municipal plan" in target_row
    assert '<span class="zh" lang="zh-Hans">成都</span>' in html
    assert "panda town" in html


def test_a_citation_links_only_web_addresses_and_escapes_what_editors_wrote(client):
    city = make_city()
    city.sources.add(
        make_source(
            title='<b>Survey</b> & "notes"',
            url="javascript:alert(1)",
            publisher="<i>Bureau</i>",
            published_on=datetime.date(2019, 5, 1),
        ),
        make_source(title="Annual report", url=" https://example.org/report ", publisher=""),
    )

    sources = section(html_of(client.get(city.get_absolute_url())), "sources-title")

    assert (
        '<cite class="source">&lt;b&gt;Survey&lt;/b&gt; &amp; &quot;notes&quot;</cite>, '
        "&lt;i&gt;Bureau&lt;/i&gt; (2019)"
    ) in sources
    assert "javascript:" not in sources
    assert (
        '<cite class="source"><a href="https://example.org/report" '
        'rel="external noopener noreferrer">Annual report</a></cite>'
    ) in sources


def test_city_profile_shows_hero_image_with_size_alt_credit_and_licence(client):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), "red").save(buffer, format="PNG")
    city = make_city(
        hero_alt="The skyline at dusk", hero_credit="Jane Doe", hero_licence="CC BY 4.0"
    )
    city.hero_image.save("skyline.png", ContentFile(buffer.getvalue()))

    html = html_of(client.get(city.get_absolute_url()))

    assert 'width="64" height="40" alt="The skyline at dusk"' in html
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", html, re.S).group(1)
    assert "Jane Doe" in caption
    assert "CC BY 4.0" in caption
    assert '<meta property="og:image" content="http://testserver/media/' in html


def test_city_profile_survives_a_hero_image_missing_from_storage(client):
    city = make_city(
        hero_alt="Gone", hero_image="cities/missing.png", hero_width=1600, hero_height=900
    )

    response = client.get(city.get_absolute_url())

    assert response.status_code == 200
    assert "<figure" not in html_of(response)


def test_city_profile_lists_zones_with_kind_year_and_national_rank(client):
    city = make_city()
    zone = make_zone(
        city=city,
        name="Chengdu Hi-tech Industrial Development Zone",
        short_name="CDHT",
        kind=Zone.Kind.HIGH_TECH_ZONE,
        established=1988,
        national_rank=4,
    )

    zones = section(html_of(client.get(city.get_absolute_url())), "zones-title")

    assert f'href="{zone.get_absolute_url()}"' in zones
    assert "National high-tech industrial development zone" in zones
    assert "established 1988" in zones
    assert "ranked 4th nationally" in zones


def test_city_profile_groups_companies_by_kind_of_presence_with_their_details(client):
    city = make_city(name="Beijing")
    zone = make_zone(city=city, name="Zhongguancun", short_name="ZGC")
    microsoft = make_company(name="Microsoft")
    tesla = make_company(name="Tesla")
    baidu = make_company(name="Baidu")
    make_presence(
        company=microsoft,
        city=city,
        zone=zone,
        kind=Presence.Kind.RESEARCH_LAB,
        investment=Decimal("280000000"),
        investment_currency=Presence.Currency.USD,
        headcount=5000,
        headcount_is_minimum=True,
    )
    make_presence(
        company=tesla,
        city=city,
        kind=Presence.Kind.INNOVATION_CENTRE,
        state=Presence.State.PLANNED,
    )
    make_presence(company=baidu, city=city, kind=Presence.Kind.HEADQUARTERS)

    companies = section(html_of(client.get(city.get_absolute_url())), "companies-title")

    headings = re.findall(r'<h3 id="presence-kind-[a-z_]+">([^<]+)', companies)
    assert [h.strip() for h in headings] == ["Headquarters", "Research lab", "Innovation centre"]
    hq, lab, centre = re.split(r'<h3 id="presence-kind-[a-z_]+">', companies)[1:]
    assert "Baidu" in hq and "Microsoft" not in hq
    assert "presence__details" not in hq  # nothing to say: no empty line of details
    assert f'href="{microsoft.get_absolute_url()}"' in lab
    assert "US$280 million invested" in lab
    assert "over 5,000 staff" in lab
    assert f'href="{zone.get_absolute_url()}">ZGC</a>' in lab
    assert "Tesla" in centre and "announced" in centre
    assert f'href="/companies/?city={city.slug}"' in companies
    assert "All companies in Beijing in the directory" in companies


def served(path, script_name=""):
    """The page at ``path`` as Django's WSGI handler serves it, the site mounted at
    ``script_name`` (the test client does not set a request's script prefix). As in the
    test client, a request does not close the database connection, which holds the
    test's transaction."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, SCRIPT_NAME=script_name)
    request_started.disconnect(close_old_connections)
    try:
        return b"".join(WSGIHandler()(environ, lambda status, headers: None)).decode()
    finally:
        request_started.connect(close_old_connections)
        set_script_prefix("/")


def test_a_site_mounted_under_a_path_links_to_companies_and_zones_under_it():
    city = make_city()
    zone = make_zone(city=city)
    company = make_company()
    make_presence(company=company, city=city, zone=zone)

    companies = section(served(city.get_absolute_url(), "/guide"), "companies-title")
    at_the_root = section(served(city.get_absolute_url()), "companies-title")

    assert f'href="/guide/companies/{company.slug}/"' in companies
    assert f'href="/guide/zones/{zone.slug}/"' in companies
    assert f'href="/guide/companies/?city={city.slug}"' in companies
    assert f'href="/companies/{company.slug}/"' in at_the_root
    assert f'href="/zones/{zone.slug}/"' in at_the_root


def test_city_profile_escapes_what_editors_wrote_about_a_presence(client):
    city = make_city()
    zone = make_zone(city=city, name="<Zone & Park>")
    make_presence(
        company=make_company(name="<b>Bold</b> & Co", name_zh="<i>粗</i>"),
        city=city,
        zone=zone,
        summary='A "lab" <script>alert(1)</script>',
    )

    companies = section(html_of(client.get(city.get_absolute_url())), "companies-title")

    assert "<b>" not in companies and "<i>" not in companies and "<script>" not in companies
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>" in companies
    assert '<span class="zh" lang="zh-Hans">&lt;i&gt;粗&lt;/i&gt;</span>' in companies
    assert "A &quot;lab&quot; &lt;script&gt;alert(1)&lt;/script&gt;" in companies
    assert "&lt;Zone &amp; Park&gt;</a>" in companies


def test_city_profile_gives_the_year_a_presence_opened_or_is_due(client):
    city = make_city()
    make_presence(company=make_company(name="Old Co"), city=city, opened=1999)
    make_presence(
        company=make_company(name="New Co"),
        city=city,
        opened=2028,
        state=Presence.State.PLANNED,
        kind=Presence.Kind.FACTORY,
    )

    companies = section(html_of(client.get(city.get_absolute_url())), "companies-title")
    new, old = companies.split('<li class="presence"')[1:]  # factories come before offices

    assert "Old Co" in old and "<span>since 1999</span>" in old and "announced" not in old
    assert "New Co" in new and "<span>due 2028</span>" in new and "announced" in new


def test_city_profile_lists_policies_touching_the_city_with_their_year(client):
    city = make_city()
    policy = make_policy(cities=[city], name="Made in China 2025", launched=2015)
    make_policy(name="Elsewhere only", cities=[make_city()])

    policies = section(html_of(client.get(city.get_absolute_url())), "policies-title")

    assert f'href="{policy.get_absolute_url()}"' in policies
    assert "Made in China 2025" in policies
    assert "launched 2015" in policies
    assert "Elsewhere only" not in policies


def test_city_profile_hides_draft_zones_companies_and_policies_from_visitors(client):
    city = make_city()
    make_zone(city=city, name="Draft Zone", status=Status.DRAFT)
    make_presence(company=make_company(name="Draft Co", status=Status.DRAFT), city=city)
    make_policy(cities=[city], name="Draft Policy", status=Status.DRAFT)
    make_zone(city=city, name="Public Zone")

    html = html_of(client.get(city.get_absolute_url()))

    assert "Public Zone" in html
    for hidden in ("Draft Zone", "Draft Co", "Draft Policy"):
        assert hidden not in html


def test_city_profile_shows_staff_the_drafts_marked_as_drafts(staff_client):
    city = make_city()
    make_zone(city=city, name="Draft Zone", status=Status.DRAFT)
    make_presence(company=make_company(name="Draft Co", status=Status.DRAFT), city=city)
    make_policy(cities=[city], name="Draft Policy", status=Status.DRAFT)

    html = html_of(staff_client.get(city.get_absolute_url()))

    for shown in ("Draft Zone", "Draft Co", "Draft Policy"):
        assert shown in html
    assert html.count("badge--draft") == 3
    assert "visitors cannot see this page" not in html


def test_presence_in_a_draft_zone_shows_the_company_but_not_the_zone_to_visitors(client):
    city = make_city()
    zone = make_zone(city=city, name="Secret Park", status=Status.DRAFT)
    make_presence(company=make_company(name="Open Co"), city=city, zone=zone)

    html = html_of(client.get(city.get_absolute_url()))

    assert "Open Co" in html
    assert "Secret Park" not in html


def test_draft_city_answers_404_to_visitors(client):
    city = make_city(status=Status.DRAFT)

    assert client.get(city.get_absolute_url()).status_code == 404


def test_draft_city_is_previewed_by_staff_with_a_draft_banner(staff_client):
    city = make_city(name="Hidden Hub", status=Status.DRAFT)

    response = staff_client.get(city.get_absolute_url())

    assert response.status_code == 200
    assert "Hidden Hub" in html_of(response)
    assert "Draft — visitors cannot see this page" in html_of(response)


def test_published_city_has_no_draft_banner_for_staff(staff_client):
    city = make_city()

    assert "visitors cannot see" not in html_of(staff_client.get(city.get_absolute_url()))


@pytest.mark.parametrize(
    "url", ["/cities/nowhere/", "/zones/nowhere/", "/policies/nowhere/", "/cities/%3Cscript%3E/"]
)
def test_unknown_slug_answers_404_with_the_friendly_page(client, url):
    response = client.get(url)

    assert response.status_code == 404
    html = html_of(response)
    assert "We could not find that page" in html
    assert 'href="/cities/"' in html
    assert "<script>" not in html


def test_city_body_renders_markdown_without_anything_dangerous(client):
    city = make_city(body=HOSTILE_BODY)

    html = html_of(client.get(city.get_absolute_url()))
    body = html[html.index('<div class="prose">') :]
    body = body[: body.index("</div>")]

    assert "<h2>Where it stands</h2>" in body
    assert "<li>first point</li>" in body
    assert "<table>" in body and "<td>480</td>" in body
    assert '<a href="https://example.com/report" rel="noopener noreferrer">' in body
    for danger in ("<script", "alert(1)", "onerror", "<img", "javascript:", "<iframe", "style="):
        assert danger not in body, danger


# Markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        '<iframe src="https://example.com"></iframe>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<svg onload="alert(1)"></svg>',
        "<style>body{display:none}</style>",
        '<p style="color:red">x</p>',
    ],
)
def test_render_markdown_strips_scripts_handlers_styles_and_frames(text):
    html = render_markdown(text).lower()

    for danger in ("<script", "onerror", "onload", "javascript:", "<iframe", "<style", "style="):
        assert danger not in html


def test_render_markdown_keeps_headings_lists_tables_links_and_emphasis():
    html = render_markdown(
        "### Sub\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "*em* **strong** `code` [mail](mailto:x@example.com)\n\n> quoted"
    )

    for kept in ("<h3>Sub</h3>", "<ol>", "<th>a</th>", "<em>em</em>", "<strong>strong</strong>"):
        assert kept in html
    assert '<a href="mailto:x@example.com" rel="noopener noreferrer">' in html
    assert "<blockquote>" in html and "<code>code</code>" in html


def test_render_markdown_of_empty_text_is_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


# City list ----------------------------------------------------------------------------


def test_city_list_groups_published_hubs_by_standing_with_their_key_figure(client):
    front = make_city(name="Shenzhen", standing="frontrunner")
    rising = make_city(name="Xi'an", standing="rising")
    make_city(name="Draft City", status=Status.DRAFT)
    make_figure(
        city=rising,
        label="Population",
        value=Decimal("8500000"),
        is_key=True,
        year=2016,
        source=make_source(title="Shaanxi Yearbook"),
    )
    make_figure(city=rising, label="Not key", is_key=False)

    html = html_of(client.get("/cities/"))

    assert html.index("Frontrunners") < html.index("Shenzhen") < html.index("Rising hubs")
    assert html.index("Rising hubs") < html.index("Xi&#x27;an")
    assert f'href="{front.get_absolute_url()}"' in html
    assert "8.5 million" in html and "Population" in html and "Shaanxi Yearbook" in html
    assert "Not key" not in html
    assert "Draft City" not in html


# Zone page ----------------------------------------------------------------------------


def test_zone_page_shows_its_facts_policies_and_companies(client):
    city = make_city(name="Xi'an")
    zone = make_zone(
        city=city,
        name="Xi'an Hi-tech Industries Development Zone",
        name_zh="西安高新区",
        short_name="XHTZ",
        established=1991,
        national_rank=3,
        body="## History\n\nOne of the *earliest* national science parks.",
    )
    policy = make_policy(zones=[zone], name="IP demonstration zone", launched=2014)
    make_presence(company=make_company(name="Xi'an Aircraft"), zone=zone, kind="factory")
    make_presence(company=make_company(name="Hidden Co", status=Status.DRAFT), zone=zone)

    response = client.get(zone.get_absolute_url())

    assert response.status_code == 200
    html = html_of(response)
    assert '<span class="zh" lang="zh-Hans">西安高新区</span>' in html
    assert "XHTZ" in html
    assert "National high-tech industrial development zone" in html
    assert f'href="{city.get_absolute_url()}"' in html
    assert "1991" in html and "3rd among" in html
    assert "<h2>History</h2>" in html and "<em>earliest</em>" in html
    assert f'href="{policy.get_absolute_url()}"' in html
    assert "Xi&#x27;an Aircraft" in html and "Factory" in html
    assert "Hidden Co" not in html


def test_draft_zone_answers_404_to_visitors_and_is_previewed_by_staff(client, staff_client):
    zone = make_zone(status=Status.DRAFT)

    assert client.get(zone.get_absolute_url()).status_code == 404
    preview = staff_client.get(zone.get_absolute_url())
    assert preview.status_code == 200
    assert "Draft — visitors cannot see this page" in html_of(preview)


def test_zone_in_a_draft_city_answers_404_to_visitors(client):
    zone = make_zone(city=make_city(status=Status.DRAFT))

    assert client.get(zone.get_absolute_url()).status_code == 404


# Policies -----------------------------------------------------------------------------


def test_policy_timeline_runs_by_year_with_undated_policies_last(client):
    make_policy(name="Internet Plus", launched=2015)
    make_policy(name="Undated Scheme", launched=None)
    make_policy(name="Working visa", launched=2017)
    make_policy(name="Special Economic Zone", launched=1980)
    make_policy(name="Made in China 2025", launched=2015)
    make_policy(name="Draft Plan", launched=2016, status=Status.DRAFT)

    html = html_of(client.get("/policies/"))

    years = re.findall(r'<h2 class="timeline__label"[^>]*>([^<]+)</h2>', html)
    assert years == ["1980", "2015", "2017", "Year not given"]
    order = [
        "Special Economic Zone",
        "Internet Plus",
        "Made in China 2025",
        "Working visa",
        "Undated Scheme",
    ]
    positions = [html.index(name) for name in order]
    assert positions == sorted(positions)
    assert "Draft Plan" not in html


def test_policy_timeline_shows_level_summary_and_cities(client):
    city = make_city(name="Hangzhou")
    make_policy(
        name="Cross-border e-commerce pilot",
        level=Policy.Level.NATIONAL,
        summary="Ten pilot cities for cross-border trade.",
        cities=[city, make_city(name="Hidden", status=Status.DRAFT)],
    )

    html = html_of(client.get("/policies/"))

    assert "National" in html
    assert "Ten pilot cities for cross-border trade." in html
    assert f'<a href="{city.get_absolute_url()}">Hangzhou</a>' in html
    assert "Hidden" not in html


def test_policy_page_shows_level_year_body_and_the_cities_and_zones_it_touches(client):
    city = make_city(name="Xi'an")
    zone = make_zone(city=city, name="XHTZ Zone")
    draft_zone = make_zone(city=city, name="Draft Zone", status=Status.DRAFT)
    policy = make_policy(
        name="Ten-year working visa",
        level=Policy.Level.MUNICIPAL,
        launched=2017,
        body="Skilled foreigners may **stay longer**.",
        cities=[city],
        zones=[zone, draft_zone],
    )

    response = client.get(policy.get_absolute_url())

    assert response.status_code == 200
    html = html_of(response)
    assert "Municipal" in html and "Launched in 2017" in html
    assert "<strong>stay longer</strong>" in html
    assert f'href="{city.get_absolute_url()}"' in html
    assert f'href="{zone.get_absolute_url()}"' in html
    assert "Draft Zone" not in html


def test_draft_policy_answers_404_to_visitors_and_is_previewed_by_staff(client, staff_client):
    policy = make_policy(status=Status.DRAFT)

    assert client.get(policy.get_absolute_url()).status_code == 404
    preview = staff_client.get(policy.get_absolute_url())
    assert "Draft — visitors cannot see this page" in html_of(preview)


# Queries ------------------------------------------------------------------------------


def city_with_related(n):
    """A city with n figures, zones, policies and companies present, half in a zone."""
    city = make_city()
    source = make_source()
    zones = [make_zone(city=city) for _ in range(n)]
    for i in range(n):
        make_figure(city=city, source=make_source() if i % 2 else source, is_key=i == 0)
        make_policy(cities=[city], zones=[zones[i]])
        make_presence(
            company=make_company(),
            city=city,
            zone=zones[i] if i % 2 else None,
            kind=Presence.Kind.values[i % len(Presence.Kind.values)],
        )
    city.sources.set([source])
    return city


@pytest.mark.parametrize("n", [3, 30])
def test_city_profile_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    city = city_with_related(n)

    # city, figures+sources, zones, presences+companies+zones, policies, city sources
    with django_assert_num_queries(7):
        assert client.get(city.get_absolute_url()).status_code == 200


def test_city_profile_with_200_companies_present_runs_the_same_queries_and_stays_short(
    client, django_assert_num_queries
):
    """Past PRESENCE_COUNT_LIMIT the page says "more than": counting stops there."""
    city = make_city()
    for _ in range(PRESENCE_COUNT_LIMIT + 10):
        make_presence(company=make_company(), city=city, kind=Presence.Kind.OFFICE)

    with django_assert_num_queries(7):
        response = client.get(city.get_absolute_url())
    html = html_of(response)
    assert html.count('class="presence"') == PRESENCES_SHOWN_PER_KIND
    assert f"More than {PRESENCE_COUNT_LIMIT} companies in the guide have a presence" in html
    assert f'<span class="count">{PRESENCE_COUNT_LIMIT}+</span>' in html
    assert f"All the office presences in {city.name}" in html
    assert f"?city={city.slug}&amp;presence=office" in html


def test_city_profile_counts_exactly_below_the_limit(client):
    city = make_city()
    for _ in range(PRESENCES_SHOWN_PER_KIND + 3):
        make_presence(company=make_company(), city=city, kind=Presence.Kind.FACTORY)
    make_presence(company=make_company(), city=city, kind=Presence.Kind.OFFICE)
    draft = make_company(status=Status.DRAFT)
    make_presence(company=draft, city=city, kind=Presence.Kind.FACTORY)

    html = html_of(client.get(city.get_absolute_url()))
    total = PRESENCES_SHOWN_PER_KIND + 4
    assert f"{total} companies in the guide have a presence in {city.name}" in html
    assert f"All {PRESENCES_SHOWN_PER_KIND + 3} factory presences in {city.name}" in html
    assert draft.name not in html


def test_city_profile_lists_presences_by_source_then_size(client):
    city = make_city()
    make_presence(company=make_company(name="Small Co"), city=city, headcount=10)
    make_presence(company=make_company(name="Unknown Size Co"), city=city)
    make_presence(company=make_company(name="Big Co"), city=city, headcount=5000)
    make_presence(company=make_company(name="Cited Co"), city=city, source=make_source())

    html = html_of(client.get(city.get_absolute_url()))
    positions = [html.index(name) for name in ["Cited Co", "Big Co", "Small Co", "Unknown Size Co"]]
    assert positions == sorted(positions)


@pytest.mark.parametrize("n", [3, 30])
def test_city_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    for _ in range(n):
        make_figure(city=make_city(), is_key=True)

    # cities, key figures+sources
    with django_assert_num_queries(2):
        assert client.get("/cities/").status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_zone_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    zone = make_zone()
    for _ in range(n):
        make_policy(zones=[zone])
        make_presence(company=make_company(), zone=zone)

    # zone+city, policies, presences+companies+zones, sources
    with django_assert_num_queries(5):
        assert client.get(zone.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_policy_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    cities = [make_city() for _ in range(3)]
    for i in range(n):
        make_policy(cities=cities, launched=2000 + i % 5)

    # policies, their cities
    with django_assert_num_queries(2):
        assert client.get("/policies/").status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_policy_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    cities = [make_city() for _ in range(n)]
    zones = [make_zone(city=city) for city in cities]
    policy = make_policy(cities=cities, zones=zones)

    # policy, cities, zones+cities, sources
    with django_assert_num_queries(4):
        assert client.get(policy.get_absolute_url()).status_code == 200


def test_city_profile_shows_cited_presences_first_when_there_are_many(client):
    city = make_city()
    for _ in range(PRESENCES_SHOWN_PER_KIND + 5):
        make_presence(company=make_company(name="Aardvark Widgets"), city=city)
    make_presence(company=make_company(name="Zeta Labs"), city=city, source=make_source())

    html = html_of(client.get(city.get_absolute_url()))

    assert "Zeta Labs" in html
    assert html.count('class="presence"') == PRESENCES_SHOWN_PER_KIND
