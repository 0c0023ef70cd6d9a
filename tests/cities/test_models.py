"""Cities, zones, policies, figures and sources keep their data honest."""

import datetime
from decimal import Decimal

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from cities.models import City, Figure, Policy, Source, Zone
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

NEXT_YEAR = timezone.now().year + 1


def city_fields(**kwargs):
    return {
        "slug": "shenzhen",
        "name": "Shenzhen",
        "province": "Guangdong",
        "region": City.Region.SOUTH,
        "standing": City.Standing.FRONTRUNNER,
        "summary": "Hardware capital.",
        "status": Status.PUBLISHED,
        **kwargs,
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"region": "atlantis"},
        {"standing": "fading"},
        {"status": "archived"},
        {"latitude": Decimal(91)},
        {"longitude": Decimal(-181)},
    ],
    ids=lambda bad: next(iter(bad)),
)
def test_the_database_refuses_a_bad_city(bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        City.objects.create(**city_fields(**bad))


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "casino"},
        {"status": "archived"},
        {"established": 1700},
        {"established": 2200},
        {"national_rank": 0},
    ],
    ids=lambda bad: f"{next(iter(bad))}={next(iter(bad.values()))}",
)
def test_the_database_refuses_a_bad_zone(bad):
    city = make_city()
    fields = {"slug": "z", "name": "Z", "kind": "hitech", "summary": "s", **bad}
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.create(city=city, **fields)


@pytest.mark.parametrize(
    "bad", [{"level": "galactic"}, {"launched": 1799}, {"status": ""}], ids=str
)
def test_the_database_refuses_a_bad_policy(bad):
    fields = {"slug": "p", "name": "P", "level": "national", "summary": "s", **bad}
    with pytest.raises(IntegrityError), transaction.atomic():
        Policy.objects.create(**fields)


@pytest.mark.parametrize(
    "bad",
    [
        {"value": Decimal(-1)},
        {"unit": "furlongs"},
        {"kind": "rumour"},
        {"qualifier": "roughly"},
        {"year": 1799},
        {"year": 2101},
    ],
    ids=str,
)
def test_the_database_refuses_a_bad_figure(bad):
    city, source = make_city(), make_source()
    fields = {"slug": "f", "label": "GDP", "value": 1, "unit": "cny", "year": 2016, **bad}
    with pytest.raises(IntegrityError), transaction.atomic():
        Figure.objects.create(city=city, source=source, **fields)


def test_bulk_create_is_held_to_the_same_constraints():
    city, source = make_city(), make_source()
    figures = [
        Figure(city=city, source=source, slug=f"f{n}", label="x", value=v, unit="cny", year=2016)
        for n, v in enumerate([1, -1])
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Figure.objects.bulk_create(figures)
    assert not Figure.objects.exists()


@pytest.mark.parametrize("model", [City, Zone, Policy, Figure, Source])
def test_slugs_are_unique(model):
    build = {
        City: make_city,
        Zone: make_zone,
        Policy: make_policy,
        Figure: make_figure,
        Source: make_source,
    }[model]
    build(slug="taken")
    with pytest.raises(IntegrityError), transaction.atomic():
        build(slug="taken")


def test_full_clean_names_a_taken_slug():
    make_city(slug="beijing")
    with pytest.raises(ValidationError) as error:
        City(**city_fields(slug="beijing")).full_clean()
    assert "slug" in error.value.message_dict


def test_a_zone_cannot_be_established_in_the_future():
    zone = Zone(city=make_city(), slug="z", name="Z", kind="hitech", summary="s")
    zone.established = NEXT_YEAR
    with pytest.raises(ValidationError) as error:
        zone.full_clean()
    assert error.value.message_dict["established"] == [
        f"{NEXT_YEAR} is in the future; enter the year it actually happened."
    ]


def test_a_policy_cannot_be_launched_in_the_future():
    policy = Policy(slug="p", name="P", level="national", summary="s", launched=NEXT_YEAR)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "launched" in error.value.message_dict


def test_only_a_target_figure_may_be_dated_in_the_future():
    figure = Figure(
        city=make_city(), source=make_source(), slug="f", label="R&D", value=3, unit="percent"
    )
    figure.year = NEXT_YEAR
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert error.value.message_dict["year"] == [
        f"{NEXT_YEAR} is in the future: only a target can be dated in the future."
    ]
    figure.kind = Figure.Kind.TARGET
    figure.full_clean()


def test_a_negative_figure_fails_validation_with_what_to_fix():
    figure = Figure(
        city=make_city(),
        source=make_source(),
        slug="f",
        label="GDP",
        value=Decimal(-5),
        unit="cny",
        year=2016,
    )
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert error.value.message_dict["value"] == ["Ensure this value is greater than or equal to 0."]


def test_a_hero_image_needs_alt_text():
    city = City(**city_fields(hero_image="cities/shenzhen.jpg"))
    with pytest.raises(ValidationError) as error:
        city.full_clean()
    assert "hero_alt" in error.value.message_dict


@pytest.mark.parametrize("model", [City, Zone, Policy, Figure, Source])
def test_natural_keys_round_trip(model):
    build = {
        City: make_city,
        Zone: make_zone,
        Policy: make_policy,
        Figure: make_figure,
        Source: make_source,
    }[model]
    obj = build()
    assert obj.natural_key() == (obj.slug,)
    assert model.objects.get_by_natural_key(*obj.natural_key()) == obj


def test_fixtures_carry_slugs_not_primary_keys():
    figure = make_figure()
    data = serializers.serialize(
        "json", [figure], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    assert '"pk"' not in data
    assert f'"city": ["{figure.city.slug}"]' in data
    figure.delete()

    [restored] = serializers.deserialize("json", data)
    restored.save()
    assert Figure.objects.get(slug=figure.slug).city == figure.city


def test_str_and_urls():
    source = make_source(publisher="NBS", title="Yearbook", slug="nbs-yearbook")
    city = make_city(name="Beijing", slug="beijing")
    zone = make_zone(city=city, name="Zhongguancun", slug="zhongguancun")
    policy = make_policy(name="Internet Plus", slug="internet-plus")
    figure = make_figure(city=city, source=source, label="Population", year=2016, slug="pop")

    assert str(source) == "NBS: Yearbook"
    assert str(make_source(publisher="", title="Untitled")) == "Untitled"
    assert str(city) == "Beijing"
    assert str(zone) == "Zhongguancun"
    assert str(policy) == "Internet Plus"
    assert str(figure) == "Beijing: Population (2016)"

    assert city.get_absolute_url() == "/cities/beijing/"
    assert zone.get_absolute_url() == "/zones/zhongguancun/"
    assert policy.get_absolute_url() == "/policies/internet-plus/"
    assert figure.get_absolute_url() == "/cities/beijing/#figure-pop"


@pytest.mark.parametrize("dependent", ["zone", "figure", "presence"])
def test_a_city_with_content_cannot_be_deleted(dependent):
    city = make_city()
    {
        "zone": lambda: make_zone(city=city),
        "figure": lambda: make_figure(city=city),
        "presence": lambda: make_presence(city=city),
    }[dependent]()
    with pytest.raises(ProtectedError):
        city.delete()
    assert City.objects.filter(pk=city.pk).exists()


def test_a_zone_with_presences_and_a_source_with_figures_cannot_be_deleted():
    zone = make_zone()
    make_presence(zone=zone, company=make_company())
    with pytest.raises(ProtectedError):
        zone.delete()
    figure = make_figure()
    with pytest.raises(ProtectedError):
        figure.source.delete()


def test_deleting_a_city_only_unlinks_its_policies():
    city = make_city()
    policy = make_policy(cities=[city])
    city.delete()
    assert list(policy.cities.all()) == []


@pytest.mark.parametrize("model", [City, Zone, Policy])
def test_published_hides_drafts_and_future_publication(model):
    build = {City: make_city, Zone: make_zone, Policy: make_policy}[model]
    now = timezone.now()
    live = build(status=Status.PUBLISHED)
    was_scheduled = build(status=Status.PUBLISHED, publish_at=now - datetime.timedelta(hours=1))
    draft = build(status=Status.DRAFT)
    scheduled = build(status=Status.PUBLISHED, publish_at=now + datetime.timedelta(days=1))

    published = set(model.objects.published())

    assert {live, was_scheduled} <= published
    assert not {draft, scheduled} & published
    assert live.is_published and not scheduled.is_published and not draft.is_published


def test_staff_see_drafts_visitors_do_not(django_user_model):
    draft = make_city(status=Status.DRAFT)
    staff = django_user_model(username="s", is_staff=True, is_active=True)
    assert draft in City.objects.visible_to(staff)
    assert draft not in City.objects.visible_to(None)
    assert draft not in City.objects.visible_to(django_user_model(username="v"))


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "text"),
    [
        ("480000000000", "cny", "", "480 billion yuan"),
        ("160000000000", "usd", "over", "over US$160 billion"),
        ("7.7", "percent", "", "7.7 %"),
        ("3", "rank", "", "3rd"),
        ("11", "rank", "", "11th"),
        ("22", "rank", "", "22nd"),
        ("8500000", "people", "", "8.5 million"),
        ("5", "percent_gdp", "", "5 % of GDP"),
        ("2500000000000", "cny", "about", "about 2.5 trillion yuan"),
        ("5000", "count", "under", "under 5,000"),
    ],
)
def test_figures_read_as_a_reader_says_them(value, unit, qualifier, text):
    figure = make_figure(value=Decimal(value), unit=unit, qualifier=qualifier)
    figure.refresh_from_db()  # as stored: Decimal with three places
    assert figure.display_value() == text
