"""The fixtures carry every fact and figure of the seed article to a visitor.

Loading the fixtures is the slow part, so each test loads them once and checks its
cases as subtests.
"""

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from cities.models import City, Figure, Policy, Source, Zone
from companies.models import Company, Presence, Sector
from hubguide.publishing import Status

pytestmark = pytest.mark.usefixtures("article")

SEED = "five-chinese-silicon-valleys"
INTERVIEW = "beijing-news-ren-yuxiang-interview"
ALL_HUBS = {"beijing", "shenzhen", "hangzhou", "chengdu", "xian"}

HUBS = [
    # slug, name, Chinese name, province, standing
    ("beijing", "Beijing", "北京", "Beijing Municipality", City.Standing.FRONTRUNNER),
    ("shenzhen", "Shenzhen", "深圳", "Guangdong", City.Standing.FRONTRUNNER),
    ("hangzhou", "Hangzhou", "杭州", "Zhejiang", City.Standing.FRONTRUNNER),
    ("chengdu", "Chengdu", "成都", "Sichuan", City.Standing.RISING),
    ("xian", "Xi'an", "西安", "Shaanxi", City.Standing.RISING),
]

FIGURES = [
    # slug, city, as displayed, year, kind
    ("beijing-microsoft-lab-investment", "beijing", "US$280 million", 2016, "actual"),
    ("beijing-microsoft-lab-staff", "beijing", "over 5,000", 2016, "actual"),
    ("shenzhen-population-late-1970s", "shenzhen", "under 300,000", 1979, "actual"),
    ("shenzhen-automation-spending-target", "shenzhen", "5 % of GDP", 2020, "target"),
    ("hangzhou-cross-border-pilot-cities", "hangzhou", "10", 2016, "actual"),
    ("chengdu-it-revenue", "chengdu", "480 billion yuan", 2016, "actual"),
    ("chengdu-it-revenue-target", "chengdu", "1 trillion yuan", 2020, "target"),
    ("chengdu-gdp", "chengdu", "over US$160 billion", 2016, "actual"),
    ("chengdu-gdp-growth", "chengdu", "7.7 %", 2016, "actual"),
    ("chengdu-luxury-market-rank", "chengdu", "3rd", 2016, "actual"),
    ("chengdu-share-of-laptop-chips", "chengdu", "about 50 %", 2016, "actual"),
    ("chengdu-share-of-ipads", "chengdu", "about 66.7 %", 2016, "actual"),
    ("chengdu-hi-tech-zone-rank", "chengdu", "4th", 2016, "actual"),
    ("xian-population", "xian", "8.5 million", 2016, "actual"),
    ("xian-national-high-tech-zones", "xian", "114", 2014, "actual"),
]

ZONES = [
    # slug, city, kind, abbreviation, established, national rank
    ("zhongguancun", "beijing", Zone.Kind.SCIENCE_PARK, "ZGC", None, None),
    ("shenzhen-sez", "shenzhen", Zone.Kind.SPECIAL_ECONOMIC_ZONE, "", 1979, None),
    ("chengdu-hi-tech-zone", "chengdu", Zone.Kind.HIGH_TECH_ZONE, "CDHT", 1988, 4),
    ("xian-hi-tech-zone", "xian", Zone.Kind.HIGH_TECH_ZONE, "XHTZ", 1991, None),
    ("yangtze-river-delta", "hangzhou", Zone.Kind.ECONOMIC_REGION, "", None, None),
]

POLICIES = [
    # slug, year launched, cities, zones
    ("made-in-china-2025", 2015, ALL_HUBS, set()),
    ("internet-plus", 2015, set(), set()),
    ("13th-five-year-plan", 2015, {"shenzhen"}, set()),
    ("special-economic-zones", 1979, {"shenzhen"}, {"shenzhen-sez"}),
    ("ten-year-work-visa", None, {"beijing"}, set()),
    ("cross-border-e-commerce-pilot", 2016, {"hangzhou"}, set()),
    ("ip-demonstration-zone", 2014, {"xian"}, {"xian-hi-tech-zone"}),
    ("belt-and-road", 2013, {"chengdu"}, set()),
]

COMPANIES = [
    # slug, Chinese name, kind, founded, headquarters
    ("lenovo", "联想", "chinese", 1984, "Beijing, China"),
    ("baidu", "百度", "chinese", 2000, "Beijing, China"),
    ("stone-group", "四通集团", "chinese", 1984, "Beijing, China"),
    ("jd-com", "京东", "chinese", 1998, "Beijing, China"),
    ("tencent", "腾讯", "chinese", 1998, "Shenzhen, China"),
    ("huawei", "华为", "chinese", 1987, "Shenzhen, China"),
    ("dji", "大疆创新", "chinese", 2006, "Shenzhen, China"),
    ("alibaba", "阿里巴巴集团", "chinese", 1999, "Hangzhou, China"),
    (
        "xian-aircraft-industrial-corporation",
        "西安飞机工业（集团）有限责任公司",
        "state_owned",
        1958,
        "Xi'an, China",
    ),
    ("microsoft", "微软", "multinational", 1975, "Redmond, United States"),
    ("google", "谷歌", "multinational", 1998, "Mountain View, United States"),
    ("intel", "英特尔", "multinational", 1968, "Santa Clara, United States"),
    ("oracle", "甲骨文", "multinational", 1977, "Austin, United States"),
    ("sony", "索尼", "multinational", 1946, "Tokyo, Japan"),
    ("tesla", "特斯拉", "multinational", 2003, "Austin, United States"),
]

PRESENCES = [
    # slug, company, city, kind, zone
    ("lenovo-beijing-headquarters", "lenovo", "beijing", "headquarters", "zhongguancun"),
    ("baidu-beijing-headquarters", "baidu", "beijing", "headquarters", "zhongguancun"),
    ("stone-group-beijing-headquarters", "stone-group", "beijing", "headquarters", "zhongguancun"),
    ("jd-com-beijing-headquarters", "jd-com", "beijing", "headquarters", None),
    ("microsoft-beijing-research-lab", "microsoft", "beijing", "research_lab", None),
    ("google-beijing-research-lab", "google", "beijing", "research_lab", None),
    ("tesla-beijing-innovation-centre", "tesla", "beijing", "innovation_centre", None),
    ("intel-zhongguancun-office", "intel", "beijing", "office", "zhongguancun"),
    ("oracle-zhongguancun-office", "oracle", "beijing", "office", "zhongguancun"),
    ("sony-zhongguancun-office", "sony", "beijing", "office", "zhongguancun"),
    ("tencent-shenzhen-headquarters", "tencent", "shenzhen", "headquarters", "shenzhen-sez"),
    ("huawei-shenzhen-headquarters", "huawei", "shenzhen", "headquarters", "shenzhen-sez"),
    ("dji-shenzhen-headquarters", "dji", "shenzhen", "headquarters", "shenzhen-sez"),
    ("alibaba-hangzhou-headquarters", "alibaba", "hangzhou", "headquarters", None),
    ("xac-xian-headquarters", "xian-aircraft-industrial-corporation", "xian", "headquarters", None),
]

# Facts of the article that have no field of their own: they must be in the prose.
FACTS_IN_PROSE = [
    "mobile era",
    "Guangzhou, Shanghai and Tianjin",
    "Great Leap",
    "trade war",
    "value chain",
    "unicorns",
    "JD.com and Lenovo",
    "brain drain",
    "Hong Kong",
    "fishing village",
    "robotics",
    "southern Guangdong",
    "Jack Ma",
    "West Lake",
    "poets and painters",
    "Louis Vuitton",
    "Cartier",
    "land of abundance",
    "new Silk Road",
    "terracotta warriors",
    "carbon-fibre",
    "5G",
    "fourth pole",
    "some way to go",
    "higher education, defence",
]


def visible_text():
    """Everything a visitor can read about the published content, as one string."""
    parts = []
    for model in (City, Zone, Policy, Company):
        for obj in model.objects.published():
            parts += [obj.name, obj.name_zh, obj.summary, obj.body, getattr(obj, "nickname", "")]
    for figure in Figure.objects.all():
        parts += [figure.label, figure.note]
    parts += [presence.summary for presence in Presence.objects.all()]
    return "\n".join(parts)


def test_the_guide_covers_exactly_the_five_hubs_of_the_article(subtests):
    assert set(City.objects.values_list("slug", flat=True)) == ALL_HUBS
    for slug, name, name_zh, province, standing in HUBS:
        with subtests.test(slug):
            city = City.objects.published().get(slug=slug)
            assert (city.name, city.name_zh, city.province, city.standing) == (
                name,
                name_zh,
                province,
                standing,
            )
            assert city.latitude is not None and city.longitude is not None


def test_every_city_zone_policy_company_and_sector_has_a_chinese_name():
    for model in (City, Zone, Policy, Company, Sector):
        assert not model.objects.filter(name_zh="").exists(), model


def test_all_content_is_published_and_cites_the_article():
    for model in (City, Zone, Policy, Company):
        assert set(model.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
        assert not model.objects.exclude(sources__slug=SEED).exists(), model


def test_every_hero_image_is_in_storage_with_alt_text_credit_and_licence():
    for city in City.objects.all():
        assert city.hero_image.name == f"cities/{city.slug}.jpg"
        assert default_storage.exists(city.hero_image.name)
        assert city.hero_alt.startswith("Illustration: ")
        assert (city.hero_credit, city.hero_licence) == ("hubguide illustration", "CC0")


def test_each_figure_of_the_article_is_shown_with_its_year(subtests):
    assert Figure.objects.count() == len(FIGURES)
    for slug, city, shown, year, kind in FIGURES:
        with subtests.test(slug):
            figure = Figure.objects.get(slug=slug)
            assert figure.city.slug == city
            assert figure.display_value() == shown
            assert (figure.year, figure.kind) == (year, kind)


def test_every_figure_has_a_source_and_the_undated_ones_say_so():
    assert set(Figure.objects.values_list("source__slug", flat=True)) == {SEED}
    for slug in (
        "chengdu-luxury-market-rank",
        "chengdu-share-of-laptop-chips",
        "chengdu-share-of-ipads",
        "chengdu-hi-tech-zone-rank",
        "xian-population",
        "xian-national-high-tech-zones",
    ):
        assert "gives no year" in Figure.objects.get(slug=slug).note, slug
    assert "last year" in Figure.objects.get(slug="chengdu-it-revenue").note


def test_every_hub_has_exactly_one_key_figure():
    """Beijing's is the investment in Microsoft's lab, the article's one number for it."""
    keys = dict(Figure.objects.filter(is_key=True).values_list("city__slug", "slug"))
    assert Figure.objects.filter(is_key=True).count() == len(keys)
    assert keys == {
        "beijing": "beijing-microsoft-lab-investment",
        "shenzhen": "shenzhen-automation-spending-target",
        "hangzhou": "hangzhou-cross-border-pilot-cities",
        "chengdu": "chengdu-it-revenue",
        "xian": "xian-population",
    }


def test_each_zone_of_the_article_is_in_its_city(subtests):
    assert Zone.objects.count() == len(ZONES)
    for slug, city, kind, short_name, established, rank in ZONES:
        with subtests.test(slug):
            zone = Zone.objects.published().get(slug=slug)
            assert (zone.city.slug, zone.kind, zone.short_name) == (city, kind, short_name)
            assert (zone.established, zone.national_rank) == (established, rank)


def test_zone_bodies_carry_what_the_article_says_of_them():
    assert "Haidian" in Zone.objects.get(slug="zhongguancun").body
    assert "CHIDZ" in Zone.objects.get(slug="chengdu-hi-tech-zone").body
    xian = Zone.objects.get(slug="xian-hi-tech-zone").body
    assert "114" in xian and "2014" in xian and "State Intellectual Property Office" in xian
    assert "Shanghai" in Zone.objects.get(slug="yangtze-river-delta").body


def test_each_policy_has_its_year_and_the_hubs_it_touches(subtests):
    assert Policy.objects.count() == len(POLICIES)
    for slug, launched, cities, zones in POLICIES:
        with subtests.test(slug):
            policy = Policy.objects.published().get(slug=slug)
            assert (policy.level, policy.launched) == (Policy.Level.NATIONAL, launched)
            assert {city.slug for city in policy.cities.all()} == cities
            assert {zone.slug for zone in policy.zones.all()} == zones
    assert "gives no year" in Policy.objects.get(slug="ten-year-work-visa").body


def test_each_company_of_the_article_is_in_the_directory(subtests):
    assert Company.objects.count() == len(COMPANIES)
    for slug, name_zh, kind, founded, headquarters in COMPANIES:
        with subtests.test(slug):
            company = Company.objects.published().get(slug=slug)
            assert (company.name_zh, company.kind, company.founded, company.headquarters) == (
                name_zh,
                kind,
                founded,
                headquarters,
            )
            assert company.sectors.exists()


def test_each_presence_of_the_article_is_in_its_hub(subtests):
    assert Presence.objects.count() == len(PRESENCES)
    for slug, company, city, kind, zone in PRESENCES:
        with subtests.test(slug):
            presence = Presence.objects.get(slug=slug)
            assert (presence.company.slug, presence.city.slug) == (company, city)
            assert presence.kind == kind
            assert (presence.zone.slug if presence.zone else None) == zone
            assert presence.source is not None


def test_microsofts_beijing_lab_cost_us_280_million_and_employs_over_5000():
    lab = Presence.objects.get(slug="microsoft-beijing-research-lab")
    assert (lab.investment, lab.investment_currency) == (Decimal(280_000_000), "usd")
    assert lab.display_investment() == "US$280 million"
    assert lab.display_headcount() == "over 5,000"
    assert lab.source.slug == SEED


def test_teslas_innovation_centre_is_announced_on_the_word_of_the_beijing_news():
    centre = Presence.objects.get(slug="tesla-beijing-innovation-centre")
    assert centre.state == Presence.State.PLANNED
    assert centre.source.slug == INTERVIEW
    assert "Ren Yuxiang" in centre.summary


def test_the_sources_say_where_the_article_and_the_interview_come_from():
    seed = Source.objects.get(slug=SEED)
    assert seed.title == "5 Things you Have to Know about 5 Chinese “Silicon Valleys”"
    assert seed.published_on is None
    assert "2016" in seed.note and "2018" in seed.note
    interview = Source.objects.get(slug=INTERVIEW)
    assert "新京报" in interview.publisher and "Ren Yuxiang" in interview.title


def test_the_articles_other_facts_are_in_the_prose(subtests):
    text = visible_text()
    for fact in FACTS_IN_PROSE:
        with subtests.test(fact):
            assert fact in text
