"""Synthetic companies in bulk, for the benchmark and for trying the site at scale.

Every row made here has a slug starting with ``gen-`` (companies ``gen-0000001-…``,
their presences ``gen-0000001-…-p1``, and the few sectors, cities and zones made when
the database has none), so :func:`clear_generated` removes exactly what was generated.

Rows are written with ``bulk_create``, which sends no signals: django-simple-history
keeps no history of generated rows, and nothing else reacts to them.
"""

import random
import re
import sys
import time
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify

from cities.models import City, Zone
from companies.models import Company, Presence, Sector
from companies.search_schema import merge_pending_lists
from hubguide.publishing import Status

PREFIX = "gen-"
COMPANY_SLUG_REGEX = r"^gen-[0-9]{7}-"
FOUNDED_RANGE = (1980, 2025)
DEFAULT_BATCH_SIZE = 5000

# (pinyin, characters): two of them make a brand such as Zhiyuan 智远 or Lanxin 蓝芯.
BRAND_SYLLABLES = [
    ("Zhi", "智"), ("Yuan", "远"), ("Lan", "蓝"), ("Xin", "芯"), ("Hua", "华"),
    ("Tian", "天"), ("Hai", "海"), ("Xing", "星"), ("Chuang", "创"), ("Teng", "腾"),
    ("Rui", "睿"), ("Jing", "晶"), ("Feng", "峰"), ("Guang", "光"), ("Da", "达"),
    ("Heng", "恒"), ("Kang", "康"), ("Ming", "明"), ("Yun", "云"), ("Tong", "通"),
    ("Sheng", "盛"), ("Bo", "博"), ("An", "安"), ("Cheng", "诚"), ("Ding", "鼎"),
    ("Fei", "飞"), ("Hong", "鸿"), ("Jia", "佳"), ("Kai", "凯"), ("Long", "龙"),
    ("Mei", "美"), ("Neng", "能"), ("Qi", "启"), ("Shu", "数"), ("Wei", "微"),
    ("Xun", "迅"), ("Yi", "易"), ("Zhong", "中"), ("Chen", "辰"), ("Ze", "泽"),
]  # fmt: skip

# Foreign brands such as Lumora 鲁莫拉 or Vextek 维泰克: a head and a tail, each with
# the characters a Chinese subsidiary would transliterate it with.
FOREIGN_HEADS = [
    ("Nor", "诺"), ("Al", "艾"), ("Vex", "维"), ("Cor", "科"), ("Lum", "鲁"),
    ("Sol", "索"), ("Tri", "特"), ("Quan", "宽"), ("Zen", "森"), ("Ard", "阿"),
    ("Kel", "凯"), ("Mer", "梅"), ("Ori", "奥"), ("Syn", "辛"), ("Vel", "韦"),
]  # fmt: skip
FOREIGN_TAILS = [
    ("tek", "泰克"), ("ion", "昂"), ("ava", "阿瓦"), ("ex", "克斯"), ("ora", "莫拉"),
    ("is", "斯"), ("yx", "易克斯"), ("ant", "安特"), ("eon", "恩"), ("ity", "蒂"),
]  # fmt: skip
FOREIGN_HEADQUARTERS = [
    "San Jose, United States", "Seattle, United States", "Austin, United States",
    "Munich, Germany", "Stuttgart, Germany", "Eindhoven, Netherlands",
    "Tokyo, Japan", "Osaka, Japan", "Seoul, South Korea", "Singapore",
    "Cambridge, United Kingdom", "Paris, France", "Zurich, Switzerland",
    "Stockholm, Sweden", "Helsinki, Finland", "Tel Aviv, Israel",
]  # fmt: skip

# A sector's words in a company name, found by a keyword in the sector's slug or name.
INDUSTRY_WORDS = [
    ("robot", "Robotics", "机器人"),
    ("drone", "Drones", "无人机"),
    ("uav", "Drones", "无人机"),
    ("semiconductor", "Semiconductor", "半导体"),
    ("chip", "Microelectronics", "微电子"),
    ("commerce", "E-commerce", "电子商务"),
    ("aerospace", "Aerospace", "航空航天"),
    ("aviation", "Aviation", "航空"),
    ("telecom", "Communications", "通信"),
    ("communication", "Communications", "通信"),
    ("software", "Software", "软件"),
    ("artificial", "Intelligence", "智能"),
    ("ai", "Intelligence", "智能"),
    ("bio", "Biotech", "生物"),
    ("pharma", "Pharmaceutical", "医药"),
    ("medical", "Medical", "医疗"),
    ("health", "Health", "健康"),
    ("energy", "New Energy", "新能源"),
    ("battery", "Battery", "电池"),
    ("solar", "Solar", "光伏"),
    ("data", "Data", "数据"),
    ("cloud", "Cloud", "云计算"),
    ("vehicle", "Automotive", "汽车"),
    ("auto", "Automotive", "汽车"),
    ("internet", "Internet", "网络"),
    ("game", "Interactive", "互动娱乐"),
    ("gaming", "Interactive", "互动娱乐"),
    ("fintech", "Fintech", "金融"),
    ("financ", "Fintech", "金融"),
    ("electronic", "Electronics", "电子"),
    ("manufactur", "Manufacturing", "智能制造"),
    ("logistic", "Logistics", "物流"),
    ("security", "Security", "安全"),
    ("photon", "Photonics", "光电"),
    ("optic", "Optics", "光学"),
    ("material", "Materials", "新材料"),
    ("display", "Display", "显示"),
]

SHORT_KEYWORDS = {"ai", "uav"}  # whole words only: "ai" is in "retail"

# Made only when the database has no sector: (slug, name, Chinese name).
GENERATED_SECTORS = [
    ("gen-sector-robotics", "Robotics", "机器人"),
    ("gen-sector-semiconductors", "Semiconductors", "半导体"),
    ("gen-sector-software", "Software", "软件"),
    ("gen-sector-e-commerce", "E-commerce", "电子商务"),
    ("gen-sector-new-energy", "New energy", "新能源"),
    ("gen-sector-biotech", "Biotech", "生物技术"),
    ("gen-sector-drones", "Drones", "无人机"),
    ("gen-sector-telecoms", "Telecoms", "通信"),
]

# Made only when the database has no published city: (slug, name, Chinese name,
# province, region); each gets a hi-tech zone and a science park.
GENERATED_CITIES = [
    ("gen-city-suzhou", "Suzhou", "苏州", "Jiangsu", City.Region.EAST),
    ("gen-city-wuhan", "Wuhan", "武汉", "Hubei", City.Region.CENTRAL),
    ("gen-city-guangzhou", "Guangzhou", "广州", "Guangdong", City.Region.SOUTH),
    ("gen-city-hefei", "Hefei", "合肥", "Anhui", City.Region.EAST),
    ("gen-city-nanjing", "Nanjing", "南京", "Jiangsu", City.Region.EAST),
]
GENERATED_ZONES = [
    ("hitech", "{city} Hi-tech Industrial Development Zone", "{city_zh}高新技术产业开发区"),
    ("science-park", "{city} Science Park", "{city_zh}科学园"),
]
GENERATED_ZONE_KINDS = {"hitech": Zone.Kind.HIGH_TECH_ZONE, "science-park": Zone.Kind.SCIENCE_PARK}

# For a city without a Chinese name in the database.
CITY_CHINESE_NAMES = {
    "beijing": "北京",
    "shanghai": "上海",
    "shenzhen": "深圳",
    "hangzhou": "杭州",
    "chengdu": "成都",
    "xi'an": "西安",
    "xian": "西安",
    "guangzhou": "广州",
    "wuhan": "武汉",
    "nanjing": "南京",
    "suzhou": "苏州",
    "hefei": "合肥",
    "tianjin": "天津",
    "chongqing": "重庆",
}

CHINESE_SUFFIXES = [
    ("", "科技有限公司"),
    (" Technology", "科技有限公司"),
    (" Technology", "技术股份有限公司"),
    (" Co.", "有限公司"),
    (" Group", "集团有限公司"),
]

KIND_WEIGHTS = [
    (Company.Kind.CHINESE, 80),
    (Company.Kind.STATE_OWNED, 8),
    (Company.Kind.MULTINATIONAL, 12),
]

SUMMARIES = {
    Company.Kind.CHINESE: [
        "{short} builds {sectors} products in {city}, where it was founded in {founded}.",
        "A {city} company in {sectors}, {short} has grown since {founded} from a small team.",
        "{short} works in {sectors} from its headquarters in {city}.",
    ],
    Company.Kind.STATE_OWNED: [
        "A state-owned group in {sectors}, {short} runs major operations in {city}.",
        "{short}, owned by the state since {founded}, works in {sectors} from {city}.",
    ],
    Company.Kind.MULTINATIONAL: [
        "{short}, based in {headquarters}, works in {sectors} in China from {city}.",
        "The {headquarters} firm {short} opened in {city} to serve China's {sectors} market.",
    ],
}

PRESENCE_KINDS = [
    Presence.Kind.OFFICE,
    Presence.Kind.RESEARCH_LAB,
    Presence.Kind.FACTORY,
    Presence.Kind.INNOVATION_CENTRE,
]


@dataclass
class _Place:
    city_id: int
    name: str
    name_zh: str
    zone_ids: list = field(default_factory=list)


@dataclass
class _Industry:
    sector_id: int
    label: str
    english: str
    chinese: str


@dataclass
class GenerationResult:
    companies: int = 0
    presences: int = 0
    sector_links: int = 0
    seconds: float = 0.0
    created: dict = field(default_factory=dict)

    @property
    def per_second(self):
        return self.companies / self.seconds if self.seconds else 0.0


def text_progress(stream=None, width=30):
    """A progress callback drawing ``[#####     ] 5,000/10,000  50%  2.1 s`` on one line."""
    stream = stream or sys.stderr
    started = time.perf_counter()

    def update(done, total):
        fraction = done / total if total else 1.0
        filled = int(width * fraction)
        elapsed = time.perf_counter() - started
        stream.write(
            f"\r[{'#' * filled}{' ' * (width - filled)}] {done:,}/{total:,} "
            f"{fraction:4.0%}  {elapsed:.1f} s"
        )
        if done >= total:
            stream.write("\n")
        stream.flush()

    return update


def generated_companies():
    return Company.objects.filter(slug__regex=COMPANY_SLUG_REGEX)


def next_number():
    """The number the next generated company gets: one past the highest already made."""
    last = generated_companies().order_by("-slug").values_list("slug", flat=True).first()
    return int(last[len(PREFIX) : len(PREFIX) + 7]) + 1 if last else 1


def industry_words(sector):
    slug = sector.slug.lower()
    tokens = set(re.split(r"[^a-z0-9]+", f"{slug} {sector.name.lower()}"))
    for keyword, english, chinese in INDUSTRY_WORDS:
        if keyword in tokens or (keyword not in SHORT_KEYWORDS and keyword in slug):
            return english, chinese
    return sector.name, sector.name_zh or "科技"


def generated_zone_slug(city_slug, key):
    return f"gen-zone-{city_slug.removeprefix('gen-city-')}-{key}"


def ensure_sectors():
    """The sectors to draw from, in slug order; a few ``gen-`` ones when there are none."""
    created = 0
    if not Sector.objects.exists():
        Sector.objects.bulk_create(
            Sector(slug=slug, name=name, name_zh=name_zh)
            for slug, name, name_zh in GENERATED_SECTORS
        )
        created = len(GENERATED_SECTORS)
    industries = []
    for sector in Sector.objects.order_by("slug"):
        english, chinese = industry_words(sector)
        industries.append(_Industry(sector.pk, sector.name.lower(), english, chinese))
    return industries, created


def ensure_places():
    """Published cities with their published zones, in slug order; five ``gen-`` ones when
    there is no published city."""
    created = {"cities": 0, "zones": 0}
    if not City.objects.published().exists():
        for slug, name, name_zh, province, region in GENERATED_CITIES:
            city = City.objects.create(
                slug=slug,
                name=name,
                name_zh=name_zh,
                province=province,
                region=region,
                standing=City.Standing.RISING,
                summary=f"{name}, a generated hub for trying the site with synthetic data.",
                status=Status.PUBLISHED,
            )
            created["cities"] += 1
            for key, zone_name, zone_name_zh in GENERATED_ZONES:
                Zone.objects.create(
                    city=city,
                    slug=generated_zone_slug(slug, key),
                    name=zone_name.format(city=name),
                    name_zh=zone_name_zh.format(city_zh=name_zh),
                    kind=GENERATED_ZONE_KINDS[key],
                    summary=f"A generated zone in {name}.",
                    status=Status.PUBLISHED,
                )
                created["zones"] += 1
    places = {
        city.pk: _Place(
            city.pk, city.name, city.name_zh or CITY_CHINESE_NAMES.get(city.name.lower(), "")
        )
        for city in City.objects.published().order_by("slug")
    }
    zones = Zone.objects.published().filter(city__in=places).order_by("slug")
    for zone_id, city_id in zones.values_list("pk", "city_id"):
        places[city_id].zone_ids.append(zone_id)
    return list(places.values()), created


class _Builder:
    """Draws one company at a time from a seeded random generator."""

    def __init__(self, rng, places, industries):
        self.rng = rng
        self.places = places
        self.industries = industries
        self.kinds = [kind for kind, _weight in KIND_WEIGHTS]
        self.kind_weights = [weight for _kind, weight in KIND_WEIGHTS]
        self.slugs = {
            text: slugify(text)
            for text in [
                *(place.name for place in places),
                *(industry.english for industry in industries),
                *(suffix for suffix, _ in CHINESE_SUFFIXES),
            ]
        }

    def company(self, number):
        """A ``Company`` (unsaved), its sector ids, and its presences as tuples in
        ``PRESENCE_FIELDS`` order without the company."""
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        sectors = rng.sample(self.industries, k=min(len(self.industries), rng.randint(1, 3)))
        primary = sectors[0]
        places = rng.sample(self.places, k=min(len(self.places), rng.randint(1, 3)))
        home = places[0]
        founded = rng.randint(*FOUNDED_RANGE)
        industry_slug = self.slugs[primary.english]

        if kind == Company.Kind.MULTINATIONAL:
            head, tail = rng.choice(FOREIGN_HEADS), rng.choice(FOREIGN_TAILS)
            short = f"{head[0]}{tail[0]}"
            name = f"{short} {primary.english}"
            name_slug = f"{short.lower()}-{industry_slug}"
            name_zh = f"{head[1]}{tail[1]}{primary.chinese}（中国）有限公司"
            headquarters = rng.choice(FOREIGN_HEADQUARTERS)
        else:
            (first, first_zh), (second, second_zh) = rng.sample(BRAND_SYLLABLES, 2)
            short = f"{first}{second.lower()}"
            if kind == Company.Kind.STATE_OWNED:
                name = f"China {short} {primary.english} Group"
                name_slug = f"china-{short.lower()}-{industry_slug}-group"
                name_zh = f"中国{first_zh}{second_zh}{primary.chinese}集团有限公司"
            else:
                suffix, suffix_zh = rng.choice(CHINESE_SUFFIXES)
                if primary.chinese.endswith("科技") and suffix_zh.startswith("科技"):
                    suffix_zh = suffix_zh.removeprefix("科技")
                name = f"{home.name} {short} {primary.english}{suffix}"
                name_slug = "-".join(
                    part
                    for part in (self.slugs[home.name], short.lower(), industry_slug)
                    + ((self.slugs[suffix],) if suffix else ())
                    if part
                )
                name_zh = f"{home.name_zh}{first_zh}{second_zh}{primary.chinese}{suffix_zh}"
            headquarters = f"{home.name}, China"

        labels = [sector.label for sector in sectors]
        sector_text = (
            labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        )
        summary = rng.choice(SUMMARIES[kind]).format(
            short=short, sectors=sector_text, city=home.name, founded=founded,
            headquarters=headquarters.split(",")[0],
        )  # fmt: skip
        slug = f"{PREFIX}{number:07d}-{name_slug}"[:90].rstrip("-")
        company = Company(
            slug=slug,
            name=name,
            name_zh=name_zh,
            kind=kind,
            founded=founded,
            headquarters=headquarters,
            website=f"https://www.{short.lower()}{number}.example",
            summary=summary,
            status=Status.PUBLISHED,
        )
        presences = []
        for position, place in enumerate(places, start=1):
            if position == 1 and kind != Company.Kind.MULTINATIONAL:
                presence_kind, opened = Presence.Kind.HEADQUARTERS, founded
            else:
                presence_kind = rng.choice(PRESENCE_KINDS)
                opened = rng.randint(founded, FOUNDED_RANGE[1])
            zone_id = rng.choice(place.zone_ids) if place.zone_ids and rng.random() < 0.8 else None
            investment = rng.randint(1, 500) * 1_000_000 if rng.random() < 0.25 else None
            headcount = rng.randint(5, 20_000) if rng.random() < 0.6 else None
            presences.append(
                (
                    f"{slug}-p{position}",
                    place.city_id,
                    zone_id,
                    presence_kind.value,
                    opened,
                    investment,
                    rng.choice(["usd", "cny"]) if investment else "",
                    headcount,
                    headcount is not None and rng.random() < 0.2,
                )
            )
        return company, [sector.sector_id for sector in sectors], presences


PRESENCE_FIELDS = [
    "slug",
    "company",
    "city",
    "zone",
    "kind",
    "opened",
    "investment",
    "investment_currency",
    "headcount",
    "headcount_is_minimum",
]


class _RowWriter:
    """Inserts plain tuples, many rows per ``INSERT``; every field not named gets its
    default (or now, for ``auto_now`` fields).

    For the high-volume child rows (presences, sector links): bulk_create's per-value
    Python costs more than the database does, and is what would keep 100,000 companies
    from being written in under a minute on SQLite.
    """

    def __init__(self, model, names, using):
        self.connection = connections[using]
        quote = self.connection.ops.quote_name
        given = [model._meta.get_field(name) for name in names]
        rest = [f for f in model._meta.concrete_fields if not f.primary_key and f not in given]
        now = timezone.now()
        self.defaults = tuple(
            f.get_db_prep_save(
                now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default(),
                self.connection,
            )
            for f in rest
        )  # fmt: skip
        width = len(given) + len(rest)
        max_params = self.connection.features.max_query_params or 30_000
        self.rows_per_insert = max(1, min(1000, max_params // width))
        self.head = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in [*given, *rest])}) VALUES "
        )
        self.row_sql = f"({', '.join(['%s'] * width)})"

    def write(self, rows):
        step = self.rows_per_insert
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), step):
                chunk = rows[start : start + step]
                params = [value for row in chunk for value in (*row, *self.defaults)]
                cursor.execute(self.head + ", ".join([self.row_sql] * len(chunk)), params)
        return len(rows)


def generate_companies(count, *, seed=None, batch_size=DEFAULT_BATCH_SIZE, progress=None):
    """Add ``count`` published companies with sectors and presences; return what was made.

    The same seed on the same cities, zones and sectors gives the same companies.
    Each batch is written in its own transaction: companies with ``bulk_create`` (which
    gives back their ids), then their sector links and presences.
    """
    started = time.perf_counter()
    result = GenerationResult()
    if count <= 0:
        return result
    using = router.db_for_write(Company)
    industries, sectors_created = ensure_sectors()
    places, places_created = ensure_places()
    result.created = {"sectors": sectors_created, **places_created}
    builder = _Builder(random.Random(seed), places, industries)
    number = next_number()
    link_writer = _RowWriter(Company.sectors.through, ["company", "sector"], using)
    presence_writer = _RowWriter(Presence, PRESENCE_FIELDS, using)
    batch_size = max(1, batch_size)

    for batch_start in range(0, count, batch_size):
        size = min(batch_size, count - batch_start)
        drawn = [builder.company(number + batch_start + i) for i in range(size)]
        with transaction.atomic(using=using):
            companies = Company.objects.using(using).bulk_create(
                [company for company, _, _ in drawn]
            )
            links, presences = [], []
            for company, (_, sector_ids, company_presences) in zip(companies, drawn, strict=True):
                links.extend((company.pk, sector_id) for sector_id in sector_ids)
                presences.extend((row[0], company.pk, *row[1:]) for row in company_presences)
            result.sector_links += link_writer.write(links)
            result.presences += presence_writer.write(presences)
        result.companies += len(companies)
        if progress:
            progress(result.companies, count)

    refresh_statistics(using)
    result.seconds = time.perf_counter() - started
    return result


def refresh_statistics(using):
    """Have the database re-read the size and spread of the tables just filled.

    A bulk load leaves the query planner with the statistics of a small table (or none,
    on SQLite): at half a million companies its plans are then slower by a hundredfold
    until the next automatic ANALYZE, which SQLite never runs.

    On PostgreSQL, outside a transaction, it is VACUUM (ANALYZE), as after any bulk
    load: it also marks the new pages all-visible, without which an index-only scan
    reads each row's page anyway (a hub and a sector at 500,000 companies: 1,001 ids in
    8.5 ms instead of 14), and merges the rows left pending in the search's GIN indexes,
    which every search would otherwise read (companies.search_schema). Inside a
    transaction, where VACUUM cannot run, ANALYZE and that merge.
    """
    connection = connections[using]
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (Company, Company.sectors.through, Presence)
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
            return
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {tables}")
        else:  # SQLite analyses one table or index a statement
            for table in tables.split(", "):
                cursor.execute(f"ANALYZE {table}")
    merge_pending_lists(using)


def generated_zone_slugs():
    return [
        generated_zone_slug(slug, key)
        for slug, *_ in GENERATED_CITIES
        for key, _, _ in GENERATED_ZONES
    ]


def _delete_unused(queryset, uses):
    """Delete the rows of ``queryset`` that ``uses`` counts nothing for; return how many."""
    unused = list(queryset.alias(uses=uses).filter(uses=0).values_list("pk", flat=True))
    if not unused:
        return 0
    return (
        queryset.model.objects.filter(pk__in=unused).delete()[1].get(queryset.model._meta.label, 0)
    )


@transaction.atomic
def clear_generated():
    """Delete every generated company with its presences and sector links, then the
    generated sectors, zones and cities nothing else uses. Return counts by kind.

    Raw deletes: one statement per table, no per-row signals or history, so half a
    million companies go in seconds. Only rows generated here are matched.
    """
    companies = generated_companies()
    using = companies.db
    deleted = {
        "sector links": Company.sectors.through.objects.filter(company__in=companies)._raw_delete(
            using
        ),
        "source links": Company.sources.through.objects.filter(company__in=companies)._raw_delete(
            using
        ),
        "presences": Presence.objects.filter(company__in=companies)._raw_delete(using),
    }
    deleted["companies"] = companies._raw_delete(using)

    deleted["sectors"] = _delete_unused(
        Sector.objects.filter(slug__in=[slug for slug, _, _ in GENERATED_SECTORS]),
        uses=Count("companies"),
    )
    deleted["zones"] = _delete_unused(
        Zone.objects.filter(slug__in=generated_zone_slugs()),
        uses=Count("presences", distinct=True) + Count("policies", distinct=True),
    )
    deleted["cities"] = _delete_unused(
        City.objects.filter(slug__in=[slug for slug, *_ in GENERATED_CITIES]),
        uses=Count("presences", distinct=True)
        + Count("zones", distinct=True)
        + Count("figures", distinct=True)
        + Count("policies", distinct=True),
    )
    refresh_statistics(using)
    return deleted
