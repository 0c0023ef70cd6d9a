"""Sectors, companies and presences keep their data honest."""

import datetime
from decimal import Decimal

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from companies.models import Company, Presence, Sector
from hubguide.publishing import Status
from tests.factories import make_city, make_company, make_presence, make_sector, make_zone

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1


def company_fields(**kwargs):
    return {
        "slug": "dji",
        "name": "DJI",
        "kind": Company.Kind.CHINESE,
        "summary": "Drones.",
        **kwargs,
    }


@pytest.mark.parametrize(
    "bad",
    [{"kind": "startup"}, {"status": "archived"}, {"founded": 1799}, {"founded": 2101}],
    ids=str,
)
def test_the_database_refuses_a_bad_company(bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(**company_fields(**bad))


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "embassy"},
        {"state": "closed"},
        {"opened": 1700},
        {"investment": Decimal(-1), "investment_currency": "usd"},
        {"investment": Decimal(1000), "investment_currency": ""},
        {"investment_currency": "eur"},
    ],
    ids=str,
)
def test_the_database_refuses_a_bad_presence(bad):
    company, city = make_company(), make_city()
    fields = {"slug": "p", "kind": "office", **bad}
    with pytest.raises(IntegrityError), transaction.atomic():
        Presence.objects.create(company=company, city=city, **fields)


def test_bulk_create_is_held_to_the_same_constraints():
    companies = [
        Company(**company_fields(slug=f"c{n}", kind=kind))
        for n, kind in enumerate(["chinese", "pirate"])
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.bulk_create(companies)
    assert not Company.objects.exists()


@pytest.mark.parametrize("model", [Sector, Company, Presence])
def test_slugs_are_unique(model):
    build = {Sector: make_sector, Company: make_company, Presence: make_presence}[model]
    build(slug="taken")
    with pytest.raises(IntegrityError), transaction.atomic():
        build(slug="taken")


def test_a_company_cannot_be_founded_in_the_future():
    company = Company(**company_fields(founded=NEXT_YEAR))
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert error.value.message_dict["founded"] == [
        f"{NEXT_YEAR} is in the future; enter the year it actually happened."
    ]


def test_a_presence_cannot_be_in_a_zone_of_another_city():
    shenzhen = make_city(name="Shenzhen")
    chengdu = make_city(name="Chengdu")
    zone = make_zone(city=shenzhen, name="Nanshan")
    presence = Presence(
        company=make_company(), city=chengdu, zone=zone, slug="p", kind=Presence.Kind.OFFICE
    )
    with pytest.raises(ValidationError) as error:
        presence.full_clean()
    assert error.value.message_dict["zone"] == ["Nanshan is in Shenzhen, not in Chengdu."]


def test_an_investment_needs_its_currency():
    presence = Presence(
        company=make_company(),
        city=make_city(),
        slug="p",
        kind=Presence.Kind.RESEARCH_LAB,
        investment=Decimal(5),
    )
    with pytest.raises(ValidationError) as error:
        presence.full_clean()
    assert error.value.message_dict["investment_currency"] == [
        "Say which currency the investment is in."
    ]


def test_a_logo_needs_alt_text():
    with pytest.raises(ValidationError) as error:
        Company(**company_fields(logo="companies/dji.png")).full_clean()
    assert "logo_alt" in error.value.message_dict


@pytest.mark.parametrize("model", [Sector, Company, Presence])
def test_natural_keys_round_trip(model):
    build = {Sector: make_sector, Company: make_company, Presence: make_presence}[model]
    obj = build()
    assert obj.natural_key() == (obj.slug,)
    assert model.objects.get_by_natural_key(*obj.natural_key()) == obj


def test_fixtures_carry_slugs_not_primary_keys():
    company = make_company(sectors=[make_sector(slug="drones")], slug="dji")
    presence = make_presence(company=company)
    data = serializers.serialize(
        "json", [company, presence], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    assert '"pk"' not in data
    assert '"sectors": [["drones"]]' in data
    presence.delete()
    company.delete()

    for restored in serializers.deserialize("json", data):
        restored.save()
    restored_company = Company.objects.get_by_natural_key("dji")
    assert [s.slug for s in restored_company.sectors.all()] == ["drones"]
    assert restored_company.presences.get().slug == presence.slug


def test_str_and_urls():
    sector = make_sector(name="Drones", slug="drones")
    company = make_company(name="Microsoft", slug="microsoft", kind=Company.Kind.MULTINATIONAL)
    city = make_city(name="Beijing")
    presence = make_presence(
        company=company, city=city, kind=Presence.Kind.RESEARCH_LAB, slug="microsoft-lab"
    )

    assert str(sector) == "Drones"
    assert str(company) == "Microsoft"
    assert str(presence) == "Microsoft — Research lab, Beijing"

    assert sector.get_absolute_url() == "/companies/?sector=drones"
    assert company.get_absolute_url() == "/companies/microsoft/"
    assert presence.get_absolute_url() == "/companies/microsoft/#presence-microsoft-lab"


def test_a_presence_reads_as_a_reader_says_it():
    presence = make_presence(
        investment=Decimal(280_000_000),
        investment_currency="usd",
        headcount=5000,
        headcount_is_minimum=True,
    )
    presence.refresh_from_db()
    assert presence.display_investment() == "US$280 million"
    assert presence.display_headcount() == "over 5,000"
    bare = make_presence()
    assert bare.display_investment() == ""
    assert bare.display_headcount() == ""


def test_a_company_with_presences_cannot_be_deleted():
    presence = make_presence()
    with pytest.raises(ProtectedError):
        presence.company.delete()
    assert Company.objects.filter(pk=presence.company.pk).exists()


def test_deleting_a_sector_only_unlinks_its_companies():
    sector = make_sector()
    company = make_company(sectors=[sector])
    sector.delete()
    assert list(company.sectors.all()) == []


def test_published_hides_drafts_and_future_publication():
    now = timezone.now()
    live = make_company()
    draft = make_company(status=Status.DRAFT)
    scheduled = make_company(publish_at=now + datetime.timedelta(days=1))
    due = make_company(publish_at=now - datetime.timedelta(minutes=1))

    assert set(Company.objects.published()) == {live, due}
    assert {draft, scheduled} <= set(Company.objects.all())
