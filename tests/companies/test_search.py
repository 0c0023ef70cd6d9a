"""Company search (companies/search.py): relevance, typos, Chinese, query syntax and
hostile input, the same on SQLite (FTS5) and PostgreSQL (full text and pg_trgm)."""

import pytest
from django.db import connection
from django.urls import reverse

from companies.models import Company, Presence
from companies.search import parse_query, search_companies
from hubguide.publishing import Status
from tests.factories import make_city, make_company, make_presence, make_sector

DIRECTORY = reverse("companies:directory")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """The directory's own answers, not the page cache's (tests/test_cache.py has those)."""
    settings.PAGE_CACHE_SECONDS = 0


def search(q, queryset=None):
    """Names of the companies matching ``q``, best first."""
    queryset = Company.objects.published() if queryset is None else queryset
    ranked = search_companies(queryset, q).order_by("-rank", "name")
    return [company.name for company in ranked]


def directory(client, q, **params):
    response = client.get(DIRECTORY, {"q": q, **params})
    assert response.status_code == 200
    return [company.name for company in response.context["companies"]]


@pytest.fixture
def companies():
    shenzhen = make_city(slug="shenzhen", name="Shenzhen", name_zh="深圳")
    hangzhou = make_city(slug="hangzhou", name="Hangzhou", name_zh="杭州")
    drones = make_sector(slug="drones", name="Drones", name_zh="无人机")
    tencent = make_company(
        slug="tencent", name="Tencent", name_zh="腾讯", summary="Messaging and games."
    )
    make_presence(company=tencent, city=shenzhen, kind=Presence.Kind.HEADQUARTERS)
    alibaba = make_company(
        slug="alibaba", name="Alibaba Group", name_zh="阿里巴巴集团", summary="E-commerce."
    )
    make_presence(company=alibaba, city=hangzhou, kind=Presence.Kind.HEADQUARTERS)
    make_company(
        slug="sea",
        name="Sea Limited",
        name_zh="冬海集团",
        summary="A games publisher in which Tencent holds a large stake.",
    )
    dji = make_company(
        slug="dji",
        name="DJI",
        name_zh="大疆创新",
        summary="Builds flight controllers and cameras.",
        sectors=[drones],
    )
    make_presence(company=dji, city=shenzhen, kind=Presence.Kind.HEADQUARTERS)
    make_company(
        slug="ehang",
        name="EHang",
        name_zh="亿航",
        summary="Passenger drones; controllers for flight built in house.",
    )
    make_company(slug="draft", name="Tencent Secret Lab", status=Status.DRAFT)
    return {"shenzhen": shenzhen, "drones": drones}


# Relevance


def test_an_exact_name_beats_a_mention_in_a_summary(companies):
    assert search("Tencent") == ["Tencent", "Sea Limited"]
    assert search("tencent")[0] == "Tencent"


def test_exact_name_then_prefix_then_contains_then_typo_then_elsewhere(companies):
    make_company(slug="ping", name="Ping")
    make_company(slug="pingan", name="Ping An Insurance")
    make_company(slug="a-ping", name="A Ping Networks")
    make_company(slug="other", name="Other", summary="Mentions ping in passing.")
    assert search("ping") == ["Ping", "Ping An Insurance", "A Ping Networks", "Other"]


def test_a_name_match_ranks_above_a_hub_match(companies):
    make_company(slug="shenzhen-works", name="Shenzhen Works")
    assert search("Shenzhen") == ["Shenzhen Works", "DJI", "Tencent"]


def test_the_company_s_own_text_ranks_above_a_sector_match(companies):
    assert search("drones") == ["EHang", "DJI"]


def test_rank_is_annotated_higher_is_better(companies):
    ranked = list(search_companies(Company.objects.published(), "Tencent").order_by("-rank"))
    assert [company.name for company in ranked] == ["Tencent", "Sea Limited"]
    assert ranked[0].rank > ranked[1].rank > 0


def test_an_empty_query_keeps_everything_with_rank_zero(companies):
    ranked = search_companies(Company.objects.published(), "  ")
    assert ranked.count() == Company.objects.published().count()
    assert {company.rank for company in ranked} == {0}


# Typos and partial names


@pytest.mark.parametrize("q", ["Tencnet", "Tencen", "Tencet", "tencnet", "Tencant", "Tenccent"])
def test_a_one_letter_typo_still_finds_tencent(companies, q):
    assert search(q)[0] == "Tencent"


@pytest.mark.parametrize("q", ["Tencnet", "Tencen"])
def test_the_directory_forgives_the_typo_too(client, companies, q):
    assert directory(client, q)[0] == "Tencent"


def test_typos_add_nothing_beside_real_matches(companies):
    make_company(slug="tencant", name="Tencant Robotics")
    # "Tencent" is found as written: the name one letter away is not dragged in.
    assert "Tencant Robotics" not in search("Tencent")
    assert set(search("Tencnet")) == {"Tencant Robotics", "Tencent"}


def test_a_typo_is_not_forgiven_in_an_unrelated_name(companies):
    make_company(slug="tengxin", name="Tengxin Internet Technology")
    assert search("Tencnet") == ["Tencent"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Ali", "Alibaba Group"),
        ("aliba", "Alibaba Group"),
        ("ibab", "Alibaba Group"),
        ("阿里", "Alibaba Group"),
        ("阿里巴巴", "Alibaba Group"),
        ("巴巴集", "Alibaba Group"),
        ("腾讯", "Tencent"),
        ("大疆", "DJI"),
        ("疆", "DJI"),
    ],
)
def test_a_partial_name_finds_the_company(companies, q, expected):
    assert search(q)[0] == expected


def test_a_two_character_chinese_name_finds_every_company_holding_it(companies):
    make_company(slug="tencent-tech", name="Tencent Technology", name_zh="深圳市腾讯计算机系统")
    assert search("腾讯") == ["Tencent", "Tencent Technology"]


def test_chinese_searches_find_hubs_and_sectors(companies):
    assert search("深圳") == ["DJI", "Tencent"]
    assert search("无人机") == ["DJI"]


# Query syntax


def test_a_quoted_phrase_must_occur_as_written(companies):
    assert search('"flight controllers"') == ["DJI"]
    assert sorted(search("flight controllers")) == ["DJI", "EHang"]


def test_a_minus_excludes_a_word(companies):
    assert search("tencent -games") == []
    assert search("games -tencent") == []
    assert search("games -messaging") == ["Sea Limited"]
    assert search('drones -"passenger drones"') == ["DJI"]


def test_or_gives_alternatives(companies):
    assert sorted(search("alibaba OR dji")) == ["Alibaba Group", "DJI"]
    assert sorted(search("alibaba or 大疆")) == ["Alibaba Group", "DJI"]


def test_every_word_must_match_somewhere(companies):
    assert search("shenzhen drones") == ["DJI"]
    assert search("tencent shenzhen") == ["Tencent"]
    assert search("alibaba shenzhen") == []


def test_the_query_is_parsed_like_a_web_search():
    groups = parse_query('  "exact  phrase" -skip Ali,  OR  NEAR( * 腾讯 ')
    assert [[(t.text, t.negated, t.phrase) for t in group] for group in groups] == [
        [("exact phrase", False, True), ("skip", True, False), ("Ali", False, False)],
        [("NEAR", False, False), ("腾讯", False, False)],
    ]
    assert parse_query("") == parse_query("OR") == parse_query('"" * -') == []


# Who may be found


def test_drafts_are_not_found_for_visitors(client, companies):
    assert "Tencent Secret Lab" not in directory(client, "Tencent")
    assert "Tencent Secret Lab" not in directory(client, "Secret")


def test_a_draft_hub_does_not_find_its_companies(client, companies):
    xian = make_city(slug="xian", name="Xi'an", name_zh="西安", status=Status.DRAFT)
    make_presence(company=Company.objects.get(slug="dji"), city=xian)
    assert directory(client, "西安") == []
    assert directory(client, "Xi'an") == []


# The index follows every change (triggers on SQLite, a generated column on PostgreSQL)


def test_the_search_follows_saves_bulk_creates_updates_and_deletes(companies):
    tencent = Company.objects.get(slug="tencent")
    tencent.name = "Tencent Holdings"
    tencent.summary = "Owns WeChat."
    tencent.save()
    assert search("WeChat") == ["Tencent Holdings"]
    assert search("games") == ["Sea Limited"]

    Company.objects.bulk_create(
        [Company(slug="baidu", name="Baidu", name_zh="百度", kind="chinese", summary="Search.")]
        + [
            Company(slug=f"bulk-{n}", name=f"Bulkco {n}", kind="chinese", summary="Bulk.")
            for n in range(3)
        ]
    )
    Company.objects.filter(slug__startswith="bulk-").update(status=Status.PUBLISHED)
    Company.objects.filter(slug="baidu").update(status=Status.PUBLISHED, summary="Maps.")
    assert search("百度") == ["Baidu"]
    assert search("maps") == ["Baidu"]
    assert len(search("bulkco")) == 3

    Company.objects.filter(slug="sea").delete()
    assert search("games") == []


def test_the_search_index_is_in_place_after_every_migration():
    """SQLite rebuilds a table to alter it, and its triggers go with the old table;
    on PostgreSQL the generated column and its indexes stay."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') "
                "AND tbl_name = 'companies_company'"
            )
            expected = {
                "companies_company_fts_insert",
                "companies_company_fts_update",
                "companies_company_fts_delete",
                "company_name_zh_idx",
            }
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'companies_company' "
                "UNION ALL SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'companies_company' AND is_generated = 'ALWAYS'"
            )
            expected = {
                "search_vector",
                "company_search_vector_idx",
                "company_name_trgm_idx",
                "company_name_zh_trgm_idx",
            }
        found = {row[0] for row in cursor.fetchall()}
    assert expected <= found


# Hostile input


HOSTILE = [
    '"',
    '""',
    '"unterminated phrase',
    'a"b"c',
    "*",
    "tencent*",
    "NEAR(",
    "NEAR(tencent games)",
    "OR",
    "tencent OR",
    "OR OR OR",
    "AND NOT",
    "(",
    ")",
    "(tencent",
    "-",
    "--",
    '-"',
    "^tencent",
    "name:tencent",
    "name : tencent",
    "{name summary}:games",
    "tencent + games",
    "ten\x00cent",
    "\x00",
    "%",
    "_",
    "\\",
    "100%",
    "'; DROP TABLE companies_company; --",
    "<->",
    "!games & | :*",
    "\u202etneicnet",
    "🐉 腾讯",
    "x" * 5000,
    "Tencent " * 700,
    " ".join(["tencent"] * 50),
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_fail(client, companies, q):
    search(q)
    response = client.get(DIRECTORY, {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("q", ["tencent*", "(tencent", "^tencent", "tencent:", '"tencent', "-"])
def test_search_syntax_of_the_engines_is_plain_text(companies, q):
    assert search(q + " tencent" if q == "-" else q)[0] == "Tencent"
