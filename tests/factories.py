"""Small builders for test data: each makes a valid, published row unless told otherwise."""

import itertools

from cities.models import City, Figure, Policy, Source, Zone
from companies.models import Company, Presence, Sector
from hubguide.publishing import Status

_counter = itertools.count(1)


def _n():
    return next(_counter)


def make_source(**kwargs):
    n = _n()
    fields = {"slug": f"source-{n}", "title": f"Source {n}", "publisher": "Test Publisher"}
    fields.update(kwargs)
    return Source.objects.create(**fields)


def make_city(**kwargs):
    n = _n()
    fields = {
        "slug": f"city-{n}",
        "name": f"City {n}",
        "name_zh": f"城市{n}",
        "province": "Test Province",
        "region": City.Region.EAST,
        "standing": City.Standing.RISING,
        "summary": f"Summary of city {n}.",
        "status": Status.PUBLISHED,
    }
    fields.update(kwargs)
    return City.objects.create(**fields)


def make_zone(city=None, **kwargs):
    n = _n()
    fields = {
        "slug": f"zone-{n}",
        "name": f"Zone {n}",
        "kind": Zone.Kind.HIGH_TECH_ZONE,
        "summary": f"Summary of zone {n}.",
        "status": Status.PUBLISHED,
    }
    fields.update(kwargs)
    return Zone.objects.create(city=city or make_city(), **fields)


def make_policy(cities=(), zones=(), **kwargs):
    n = _n()
    fields = {
        "slug": f"policy-{n}",
        "name": f"Policy {n}",
        "level": Policy.Level.NATIONAL,
        "launched": 2015,
        "summary": f"Summary of policy {n}.",
        "status": Status.PUBLISHED,
    }
    fields.update(kwargs)
    policy = Policy.objects.create(**fields)
    policy.cities.set(cities)
    policy.zones.set(zones)
    return policy


def make_figure(city=None, source=None, **kwargs):
    n = _n()
    fields = {
        "slug": f"figure-{n}",
        "label": f"Figure {n}",
        "value": 100,
        "unit": Figure.Unit.PEOPLE,
        "year": 2016,
    }
    fields.update(kwargs)
    return Figure.objects.create(city=city or make_city(), source=source or make_source(), **fields)


def make_sector(**kwargs):
    n = _n()
    fields = {"slug": f"sector-{n}", "name": f"Sector {n}"}
    fields.update(kwargs)
    return Sector.objects.create(**fields)


def make_company(sectors=(), **kwargs):
    n = _n()
    fields = {
        "slug": f"company-{n}",
        "name": f"Company {n}",
        "name_zh": f"公司{n}",
        "kind": Company.Kind.CHINESE,
        "founded": 2000,
        "summary": f"Summary of company {n}.",
        "status": Status.PUBLISHED,
    }
    fields.update(kwargs)
    company = Company.objects.create(**fields)
    company.sectors.set(sectors)
    return company


def make_companies(count, prefix, summary="Makes things."):
    """``count`` published Chinese companies, "<prefix> 00"…, in one INSERT."""
    slug = prefix.lower().replace(" ", "-")
    width = len(str(count - 1))
    return Company.objects.bulk_create(
        Company(
            slug=f"{slug}-{n:0{width}}",
            name=f"{prefix} {n:0{width}}",
            kind=Company.Kind.CHINESE,
            summary=summary,
            status=Status.PUBLISHED,
        )
        for n in range(count)
    )


def make_presence(company=None, city=None, **kwargs):
    n = _n()
    city = city or (kwargs["zone"].city if kwargs.get("zone") else make_city())
    fields = {"slug": f"presence-{n}", "kind": Presence.Kind.OFFICE}
    fields.update(kwargs)
    return Presence.objects.create(company=company or make_company(), city=city, **fields)
