"""The company directory at /companies/: search, filters, order, pages and bad input."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from companies.models import Company, Presence
from hubguide.publishing import Status
from tests.factories import (
    make_city,
    make_companies,
    make_company,
    make_presence,
    make_sector,
    make_zone,
)

DIRECTORY = reverse("companies:directory")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """The directory's own answers, not the page cache's (tests/test_cache.py has those)."""
    settings.PAGE_CACHE_SECONDS = 0


def get(client, query="", **params):
    """The directory for a raw query string and/or keyword parameters."""
    if params:
        return client.get(DIRECTORY + ("?" + query if query else ""), params)
    return client.get(DIRECTORY + ("?" + query if query else ""))


def names(response):
    return [company.name for company in response.context["companies"]]


def html(response):
    return response.content.decode()


def links(response, rel=None, text=None):
    """The query strings of the page's links to the directory, unescaped."""
    found = []
    for attrs, label in re.findall(r"<a ([^>]*)>(.*?)</a>", html(response), flags=re.S):
        href = re.search(r'href="([^"]*)"', attrs)
        if not href:
            continue
        if rel and f'rel="{rel}"' not in attrs:
            continue
        if text and text not in unescape(re.sub(r"<[^>]+>", "", label)):
            continue
        found.append(unescape(href.group(1)))
    return found


@pytest.fixture
def hubs():
    """Two hubs with a zone each, two sectors, and companies spread across them."""
    beijing = make_city(slug="beijing", name="Beijing", name_zh="北京")
    shenzhen = make_city(slug="shenzhen", name="Shenzhen", name_zh="深圳")
    zgc = make_zone(city=beijing, slug="zhongguancun", name="Zhongguancun")
    sez = make_zone(city=shenzhen, slug="shenzhen-sez", name="Shenzhen SEZ")
    drones = make_sector(slug="drones", name="Drones", name_zh="无人机")
    telecoms = make_sector(slug="telecoms", name="Telecoms", name_zh="电信")

    tencent = make_company(
        slug="tencent",
        name="Tencent",
        name_zh="腾讯",
        sectors=[telecoms],
        founded=1998,
        summary="Messaging and games.",
    )
    make_presence(company=tencent, city=shenzhen, zone=sez, kind=Presence.Kind.HEADQUARTERS)
    dji = make_company(slug="dji", name="DJI", name_zh="大疆创新", sectors=[drones], founded=2006)
    make_presence(company=dji, city=shenzhen, kind=Presence.Kind.HEADQUARTERS)
    microsoft = make_company(
        slug="microsoft",
        name="Microsoft",
        name_zh="微软",
        kind=Company.Kind.MULTINATIONAL,
        founded=1975,
        sectors=[telecoms],
    )
    make_presence(company=microsoft, city=beijing, zone=zgc, kind=Presence.Kind.RESEARCH_LAB)
    # An office in Beijing and a factory in Shenzhen: never "a factory in Beijing".
    foxconn = make_company(
        slug="foxconn",
        name="Foxconn",
        name_zh="富士康",
        kind=Company.Kind.MULTINATIONAL,
        founded=1974,
    )
    make_presence(company=foxconn, city=beijing, kind=Presence.Kind.OFFICE)
    make_presence(company=foxconn, city=shenzhen, kind=Presence.Kind.FACTORY)
    make_company(slug="comac", name="COMAC", kind=Company.Kind.STATE_OWNED, founded=None)
    make_company(slug="secret", name="Secret Startup", status=Status.DRAFT, sectors=[drones])
    return {"beijing": beijing, "shenzhen": shenzhen, "drones": drones, "telecoms": telecoms}


# Listing


def test_lists_published_companies_in_name_order(client, hubs):
    response = get(client)
    assert response.status_code == 200
    assert names(response) == ["COMAC", "DJI", "Foxconn", "Microsoft", "Tencent"]


def test_drafts_are_never_listed_for_visitors(client, hubs):
    response = get(client, q="Secret")
    assert names(response) == []
    assert "Secret Startup" not in html(response)
    assert "Secret Startup" not in names(get(client, sector="drones"))


def test_staff_see_drafts_marked_as_drafts(client, hubs, django_user_model):
    staff = django_user_model.objects.create_user("editor", is_staff=True)
    client.force_login(staff)
    response = get(client, sector="drones")
    assert names(response) == ["DJI", "Secret Startup"]
    assert "badge--draft" in html(response)


def test_each_result_shows_its_facts_and_hubs(client, hubs):
    page = html(get(client, q="Microsoft"))
    assert 'href="/companies/microsoft/"' in page
    assert '<span class="zh" lang="zh-Hans">微软</span>' in page
    assert "Multinational" in page
    assert "founded 1975" in page
    assert ">Telecoms</a>" in page
    assert '<a href="/cities/beijing/">Beijing</a>' in page


def test_a_result_escapes_what_editors_wrote_and_cuts_a_long_summary(client, hubs):
    make_company(
        slug="angle",
        name="<Angle> & Co",
        name_zh="<角>",
        headquarters='"Quoted" HQ',
        summary="Word " * 60 + "<script>alert(1)</script>",
        sectors=[make_sector(slug="odd", name="R&D <lab>")],
    )
    make_company(slug="brief", name="Brief Co", summary="Short & sweet.")

    page = html(get(client, q="Angle"))
    card = page[page.index('<li class="card company-card">') :]
    card = card[: card.index("</li>")]

    assert "<Angle>" not in card and "<script>" not in card and "<角>" not in card
    assert "&lt;Angle&gt; &amp; Co</a>" in card
    assert '<span class="zh" lang="zh-Hans">&lt;角&gt;</span>' in card
    assert "headquarters: &quot;Quoted&quot; HQ" in card
    assert 'title="Only companies in R&amp;D &lt;lab&gt;">R&amp;D &lt;lab&gt;</a>' in card
    summary = unescape(re.search(r'company-card__summary">([^<]*)<', card)[1])
    assert len(summary) == 220 and summary.endswith("…") and "alert" not in summary
    assert 'company-card__summary">Short &amp; sweet.</p>' in html(get(client, q="Brief"))


def test_a_hub_is_listed_once_per_company_however_many_presences(client, hubs):
    make_presence(
        company=Company.objects.get(slug="foxconn"), city=hubs["beijing"], kind="research_lab"
    )
    response = get(client, q="Foxconn")
    company = response.context["companies"][0]
    assert [city.name for city in company.hubs] == ["Beijing", "Shenzhen"]


def test_a_hub_and_zone_published_for_later_become_choices_when_their_time_comes(
    client, hubs, monkeypatch
):
    """The choices' queries are built once (hubguide.sql.Prepared) with the time as a
    parameter, not the time of the first page that built them."""
    launch = timezone.now() + datetime.timedelta(days=1)
    xian = make_city(slug="xian", name="Xi'an", publish_at=launch)
    make_zone(city=xian, slug="xian-hi-tech", name="Xi'an Hi-Tech Zone", publish_at=launch)
    page = html(get(client))
    assert '<option value="xian">' not in page
    assert '<option value="xian-hi-tech">' not in page
    assert "Choose a hub from the list." in html(get(client, city="xian"))

    monkeypatch.setattr(timezone, "now", lambda: launch + datetime.timedelta(minutes=1))
    page = html(get(client))
    assert '<option value="xian">' in page
    assert '<option value="xian-hi-tech">Xi&#x27;an Hi-Tech Zone (Xi&#x27;an)</option>' in page
    assert "Choose a hub from the list." not in html(get(client, city="xian"))


def test_a_card_names_a_draft_hub_to_staff_only(client, hubs, django_user_model):
    xian = make_city(slug="xian", name="Xi'an", status=Status.DRAFT)
    make_presence(company=Company.objects.get(slug="foxconn"), city=xian, kind="factory")

    card = get(client, q="Foxconn").context["companies"][0]
    assert [city.name for city in card.hubs] == ["Beijing", "Shenzhen"]
    assert '<a href="/cities/xian/">' not in html(get(client, q="Foxconn"))

    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    card = get(client, q="Foxconn").context["companies"][0]
    assert [city.name for city in card.hubs] == ["Beijing", "Shenzhen", "Xi'an"]
    assert '<option value="xian">' in html(get(client))

    client.logout()  # and a visitor after staff: the form's choices are each viewer's own
    assert '<option value="xian">' not in html(get(client))
    assert [city.name for city in get(client, q="Foxconn").context["companies"][0].hubs] == [
        "Beijing",
        "Shenzhen",
    ]


def test_result_count_is_stated(client, hubs):
    assert "5 companies" in html(get(client))
    assert "1 company matching “Tencent”" in html(get(client, q="Tencent"))


# Each filter alone


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"city": "beijing"}, ["Foxconn", "Microsoft"]),
        ({"city": "shenzhen"}, ["DJI", "Foxconn", "Tencent"]),
        ({"sector": "telecoms"}, ["Microsoft", "Tencent"]),
        ({"zone": "zhongguancun"}, ["Microsoft"]),
        ({"kind": "multinational"}, ["Foxconn", "Microsoft"]),
        ({"kind": "state_owned"}, ["COMAC"]),
        ({"presence": "factory"}, ["Foxconn"]),
        ({"presence": "headquarters"}, ["DJI", "Tencent"]),
        ({"founded_min": "2000"}, ["DJI"]),
        ({"founded_max": "1975"}, ["Foxconn", "Microsoft"]),
        ({"founded_min": "1975", "founded_max": "1998"}, ["Microsoft", "Tencent"]),
    ],
)
def test_each_filter_narrows_the_list(client, hubs, params, expected):
    response = get(client, **params)
    assert names(response) == expected
    assert not response.context["filter"].form.errors


def test_filters_combine(client, hubs):
    assert names(get(client, city="shenzhen", sector="telecoms")) == ["Tencent"]
    assert names(get(client, city="shenzhen", kind="multinational")) == ["Foxconn"]
    assert names(get(client, sector="telecoms", founded_min="1990")) == ["Tencent"]
    assert names(get(client, q="shenzhen", kind="chinese", founded_max="2000")) == ["Tencent"]


def test_hub_and_kind_of_presence_must_describe_the_same_presence(client, hubs):
    """Foxconn has an office in Beijing and a factory in Shenzhen: no factory in Beijing."""
    assert names(get(client, city="beijing", presence="factory")) == []
    assert names(get(client, city="shenzhen", presence="factory")) == ["Foxconn"]
    assert names(get(client, city="beijing", presence="office")) == ["Foxconn"]


def test_zone_and_kind_of_presence_must_describe_the_same_presence(client, hubs):
    assert names(get(client, zone="zhongguancun", presence="research_lab")) == ["Microsoft"]
    assert names(get(client, zone="zhongguancun", presence="headquarters")) == []
    assert names(get(client, zone="shenzhen-sez", city="beijing")) == []


def test_a_draft_hub_is_not_a_filter_choice_for_visitors(client, hubs):
    make_city(slug="xian", name="Xi'an", status=Status.DRAFT)
    response = get(client, city="xian")
    assert "city" in response.context["filter"].form.errors
    assert "Xi&#x27;an" not in html(response)


def test_presences_in_a_draft_hub_do_not_count(client, hubs):
    xian = make_city(slug="xian", name="Xi'an", name_zh="西安", status=Status.DRAFT)
    make_presence(company=Company.objects.get(slug="comac"), city=xian, kind="factory")
    assert names(get(client, presence="factory")) == ["Foxconn"]
    assert names(get(client, q="西安")) == []


# Search


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tencent", ["Tencent"]),
        ("TENCENT", ["Tencent"]),
        ("腾讯", ["Tencent"]),
        ("大疆", ["DJI"]),
        ("games", ["Tencent"]),
        ("drones", ["DJI"]),
        ("无人机", ["DJI"]),
        ("telecom", ["Microsoft", "Tencent"]),
        ("电信", ["Microsoft", "Tencent"]),
        ("Beijing", ["Foxconn", "Microsoft"]),
        ("北京", ["Foxconn", "Microsoft"]),
        ("shenzhen drones", ["DJI"]),
        ("  tencent  ", ["Tencent"]),
    ],
)
def test_search_finds_names_summaries_sectors_and_hubs_in_english_and_chinese(
    client, hubs, q, expected
):
    assert names(get(client, q=q)) == expected


def test_search_finds_a_chinese_substring_of_the_chinese_name(client, hubs):
    make_company(slug="tencent-tech", name="Tencent Technology", name_zh="腾讯科技")
    assert sorted(names(get(client, q="腾讯"))) == ["Tencent", "Tencent Technology"]


def test_search_lists_each_company_once(client, hubs):
    """A company matching through two presences and two sectors appears once."""
    foxconn = Company.objects.get(slug="foxconn")
    foxconn.sectors.set([hubs["drones"], hubs["telecoms"]])
    make_presence(company=foxconn, city=hubs["shenzhen"], kind="research_lab")
    response = get(client, q="e")  # in names, sectors and hubs alike
    assert len(names(response)) == len(set(names(response)))
    assert names(response).count("Foxconn") == 1


def test_search_ranks_exact_name_then_prefix_then_contains_then_elsewhere(client, hubs):
    make_company(slug="a-ping", name="A Ping Networks")
    make_company(slug="ping", name="Ping")
    make_company(slug="pingan", name="Ping An")
    make_company(slug="other", name="Other", summary="Mentions ping in passing.")
    assert names(get(client, q="ping")) == ["Ping", "Ping An", "A Ping Networks", "Other"]


# Order


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["COMAC", "DJI", "Foxconn", "Microsoft", "Tencent"]),
        ("-name", ["Tencent", "Microsoft", "Foxconn", "DJI", "COMAC"]),
        # Unknown years go last either way.
        ("founded", ["Foxconn", "Microsoft", "Tencent", "DJI", "COMAC"]),
        ("-founded", ["DJI", "Tencent", "Microsoft", "Foxconn", "COMAC"]),
        ("relevance", ["COMAC", "DJI", "Foxconn", "Microsoft", "Tencent"]),
    ],
)
def test_sort_orders(client, hubs, sort, expected):
    assert names(get(client, sort=sort)) == expected


def test_best_match_is_the_default_order_of_a_search(client, hubs):
    make_company(slug="zte", name="ZTE", summary="Telecoms.")
    make_company(slug="atelecom", name="A-Telecom")
    response = get(client, q="zte")
    assert response.context["filter"].sort_order == "relevance"
    # A name first; then ZTE, whose own summary says "Telecoms", before the two
    # companies found only through their sector.
    assert names(get(client, q="telecom")) == ["A-Telecom", "ZTE", "Microsoft", "Tencent"]
    assert names(get(client, q="telecom", sort="-name")) == [
        "ZTE",
        "Tencent",
        "Microsoft",
        "A-Telecom",
    ]


def test_sort_links_keep_the_filters(client, hubs):
    response = get(client, city="shenzhen", q="e")
    for href in links(response, text="Name, Z to A"):
        params = parse_qs(urlsplit(href).query)
        assert params["city"] == ["shenzhen"]
        assert params["q"] == ["e"]
        assert params["sort"] == ["-name"]


def test_a_sector_badge_narrows_the_result_to_that_sector_from_its_first_page(client, many):
    response = get(client, city="shenzhen", q="drone", sort="-name", page="2")
    badges = links(response, text="Drones")
    assert badges
    for href in badges:
        assert parse_qs(urlsplit(href).query) == {
            "city": ["shenzhen"],
            "q": ["drone"],
            "sort": ["-name"],
            "sector": ["drones"],
        }


# Pages


@pytest.fixture
def many(hubs):
    """45 more Shenzhen drone makers: three pages of them."""
    companies = make_companies(45, "Drone Maker", summary="Makes drones.")
    hubs["drones"].companies.add(*companies)
    Presence.objects.bulk_create(
        Presence(slug=f"{company.slug}-sz", company=company, city=hubs["shenzhen"], kind="office")
        for company in companies
    )
    return hubs


def test_pages_of_twenty(client, many):
    first = get(client, city="shenzhen", sector="drones")
    assert len(names(first)) == 20
    assert "46 companies" in html(first)
    third = get(client, city="shenzhen", sector="drones", page="3")
    # DJI comes first, so the third page holds the last six drone makers.
    assert names(third) == [f"Drone Maker {n:02}" for n in range(39, 45)]


def test_page_links_keep_every_filter_and_the_order(client, many):
    response = get(client, city="shenzhen", sector="drones", q="drone", sort="-name")
    (next_link,) = links(response, rel="next")
    params = parse_qs(urlsplit(next_link).query)
    assert params == {
        "city": ["shenzhen"],
        "sector": ["drones"],
        "q": ["drone"],
        "sort": ["-name"],
        "page": ["2"],
    }
    second = client.get(DIRECTORY + "?" + urlsplit(next_link).query)
    assert names(second)[0] == "Drone Maker 24"
    (previous_link,) = links(second, rel="prev")
    assert "page=" not in previous_link
    assert "city=shenzhen" in previous_link and "sort=-name" in previous_link


def test_a_page_that_is_not_a_number_shows_the_first_page(client, many):
    response = get(client, city="shenzhen", page="abc")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert "not a number; here is the first page" in html(response)
    assert '<meta name="robots" content="noindex">' in html(response)


def test_a_page_beyond_the_last_shows_the_last_page(client, many):
    response = get(client, city="shenzhen", page="9999")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 3
    assert "There is no page 9999 of these results; here is page 3, the last." in html(response)


@pytest.mark.parametrize("number", ["0", "-1", "1.5", "9" * 5000, "", "%00"])
def test_odd_page_numbers_never_fail(client, many, number):
    response = get(client, f"city=shenzhen&page={number}")
    assert response.status_code == 200
    assert names(response)


# Active filters and the empty state


def test_active_filters_are_shown_as_chips_that_remove_themselves(client, hubs):
    response = get(client, city="shenzhen", sector="telecoms", page="1")
    chips = response.context["active_filters"]
    assert [(chip["name"], str(chip["value"])) for chip in chips] == [
        ("city", "Shenzhen"),
        ("sector", "Telecoms"),
    ]
    (remove_city,) = links(response, text="Hub: Shenzhen")
    assert parse_qs(urlsplit(remove_city).query) == {"sector": ["telecoms"]}


def test_a_chip_names_the_choice_without_the_count_beside_it_in_the_form(client, hubs):
    response = get(client, city="shenzhen", kind="chinese")
    chips = response.context["active_filters"]
    assert [(chip["name"], str(chip["value"])) for chip in chips] == [
        ("city", "Shenzhen"),
        ("kind", "Chinese company"),
    ]
    assert links(response, text="Kind of company: Chinese company")


def test_the_empty_state_names_the_filters_and_offers_to_remove_each(client, hubs):
    response = get(client, city="beijing", presence="factory", founded_min="1970")
    page = html(response)
    assert names(response) == []
    assert "0 companies" in page
    assert "No company matches all of these filters together" in page
    suggestions = {
        label: parse_qs(urlsplit(links(response, text=f"Remove {label}")[0]).query)
        for label in ("hub: Beijing", "presence: Factory", "founded from: 1970")
    }
    assert suggestions["hub: Beijing"] == {"presence": ["factory"], "founded_min": ["1970"]}
    assert suggestions["presence: Factory"] == {"city": ["beijing"], "founded_min": ["1970"]}
    assert suggestions["founded from: 1970"] == {"city": ["beijing"], "presence": ["factory"]}
    assert links(response, text="Start again with every company") == [DIRECTORY]


def test_the_empty_state_of_a_search_suggests_other_words(client, hubs):
    page = html(get(client, q="no such company"))
    assert "Remove search: no such company" in page
    assert "try the company's Chinese name" in page


# The form


def test_the_form_is_a_get_form_with_a_label_for_every_control(client, hubs):
    page = html(get(client))
    assert re.search(r'<form class="filters" method="get" action="/companies/"', page)
    assert '<button class="button" type="submit">Apply filters</button>' in page
    controls = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    assert set(controls) == {
        f"id_{name}"
        for name in (
            "q",
            "city",
            "sector",
            "zone",
            "kind",
            "presence",
            "founded_min",
            "founded_max",
            "sort",
        )
    }
    for control in controls:
        assert f'<label for="{control}">' in page


def test_the_form_shows_what_was_asked_for(client, hubs):
    page = html(get(client, q="drones", city="shenzhen", founded_min="2000"))
    assert 'name="q" value="drones"' in page
    assert '<option value="shenzhen" selected>' in page
    assert 'name="founded_min" value="2000"' in page


def test_the_canonical_address_keeps_valid_filters_and_drops_defaults_and_junk(client, many):
    response = get(client, "sector=drones&city=shenzhen&founded_min=x&sort=name&page=2&utm=1")
    assert '<link rel="canonical" href="http://testserver/companies/?city=shenzhen' in html(
        response
    )
    assert parse_qs(urlsplit(response.context["canonical_url"]).query) == {
        "city": ["shenzhen"],
        "sector": ["drones"],
        "page": ["2"],
    }


def test_the_same_address_gives_the_same_result(client, many):
    query = "city=shenzhen&sector=drones&sort=-name&page=2"
    assert names(get(client, query)) == names(get(client, query))


def test_export_links_carry_the_current_query_without_the_page(client, many):
    response = get(client, city="shenzhen", q="drone", sort="-name", page="2")
    for name in ("export_csv", "export_json"):
        (href,) = [
            link for link in links(response) if link.startswith(reverse(f"companies:{name}"))
        ]
        assert parse_qs(urlsplit(href).query) == {
            "city": ["shenzhen"],
            "q": ["drone"],
            "sort": ["-name"],
        }


# Bad input: reported where it belongs, never a server error


def test_a_malformed_year_is_reported_and_the_other_filters_still_apply(client, hubs):
    response = get(client, city="shenzhen", founded_min="x")
    assert response.status_code == 200
    assert names(response) == ["DJI", "Foxconn", "Tencent"]
    page = html(response)
    assert '<ul class="errorlist" id="id_founded_min_error">' in page
    assert "Enter a year as four digits" in page
    assert 'aria-describedby="id_founded_min_error"' in page
    assert "Some of the filters could not be applied" in page
    (ignore,) = links(response, text="Ignore it")
    assert parse_qs(urlsplit(ignore).query) == {"city": ["shenzhen"]}


def test_an_unknown_hub_is_reported_and_the_other_filters_still_apply(client, hubs):
    response = get(client, city="atlantis", sector="telecoms")
    assert names(response) == ["Microsoft", "Tencent"]
    assert "Choose a hub from the list." in html(response)


def test_an_unknown_order_is_reported_and_the_default_order_applies(client, hubs):
    response = get(client, sort="evil", kind="multinational")
    assert names(response) == ["Foxconn", "Microsoft"]
    assert "Choose an order from the list." in html(response)
    # The form shows the order that applies, not the first of the list.
    assert '<option value="name" selected>Name, A to Z</option>' in html(response)
    assert '<option value="relevance" selected>' not in html(response)
    searched = get(client, sort="evil", q="telecom")
    assert '<option value="relevance" selected>Best match</option>' in html(searched)


def test_founded_until_before_founded_from_is_reported(client, hubs):
    response = get(client, founded_min="2000", founded_max="1990")
    assert "must not be earlier than" in html(response)
    assert names(response) == ["DJI"]


def test_a_very_long_search_is_cut_short_not_refused(client, hubs):
    response = get(client, q="tencent" + "x" * 5000)
    assert response.status_code == 200
    assert len(response.context["query"]) == 200


def test_a_long_search_for_a_real_name_still_finds_it(client, hubs):
    response = get(client, q="Tencent " + " " * 4990)
    assert names(response) == ["Tencent"]


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=ten%00cent",
        "q=%01%02%1b%7f",
        "city=%00",
        "city=bei%00jing",
        "sector=%00&zone=%00&kind=%00&presence=%00&sort=%00",
        "founded_min=%00&founded_max=1e400",
        "founded_min=99999999999999999999999",
        "city=" + "a" * 5000,
        "zone=../../etc/passwd",
        "q=%ED%A0%80",
        "q=%FF%FE",
        "city=beijing&city=nowhere",
        "unknown=1&page=2&page=3",
    ],
)
def test_hostile_query_strings_never_cause_a_server_error(client, hubs, query):
    response = get(client, query)
    assert response.status_code == 200


def test_control_characters_in_a_search_are_ignored(client, hubs):
    assert names(get(client, "q=%00tencent%07")) == ["Tencent"]
    # A control character separates words, it does not glue them: "ten" and "cent".
    assert names(get(client, "q=ten%00cent")) == ["Tencent"]
    assert get(client, "q=ten%00cent").context["query"] == "ten cent"


def test_a_nul_byte_in_a_hub_is_reported_and_the_rest_applies(client, hubs):
    response = get(client, "city=%00&kind=multinational")
    assert "Choose a hub from the list." in html(response)
    assert names(response) == ["Foxconn", "Microsoft"]


def test_markup_in_the_search_is_never_echoed_unescaped(client, hubs):
    payload = "<script>alert(1)</script>"
    response = get(client, q=payload, city='"><img src=x onerror=alert(1)>')
    page = html(response)
    assert response.status_code == 200
    assert payload not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Queries


def count_queries(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = get(client, query)
    assert response.status_code == 200
    return len(queries)


def populate(first, last, hubs):
    """Companies ``first`` to ``last``, each with two sectors and presences in two hubs."""
    companies = Company.objects.bulk_create(
        Company(
            slug=f"bulk-{i:03}",
            name=f"Bulk {i:03}",
            kind=Company.Kind.CHINESE,
            founded=1980 + i % 40,
            summary="Made in bulk.",
            status=Status.PUBLISHED,
        )
        for i in range(first, last)
    )
    Sector = Company.sectors.through
    Sector.objects.bulk_create(
        Sector(company=company, sector=sector)
        for company in companies
        for sector in (hubs["drones"], hubs["telecoms"])
    )
    Presence.objects.bulk_create(
        Presence(slug=f"{company.slug}-{city.slug}", company=company, city=city, kind="office")
        for company in companies
        for city in (hubs["beijing"], hubs["shenzhen"])
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The hub, sector and zone choices (read once, also to validate), the count
        # with the facet counts, the page, its sectors and its hubs.
        ("", 7),
        ("city=beijing&sector=drones&q=bulk&sort=-founded&page=2", 7),
    ],
)
def test_the_directory_runs_the_same_queries_for_20_or_220_companies(client, hubs, query, expected):
    populate(0, 20, hubs)
    small = count_queries(client, query)
    populate(20, 220, hubs)
    assert Company.objects.published().count() > 220
    large = count_queries(client, query)
    assert small == large == expected
