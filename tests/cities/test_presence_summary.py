"""The presences on a hub's or zone's page: SQL built once per process, right for every
place, audience and moment."""

import datetime

import pytest
from django.utils import timezone

from cities.views import PresenceSummary
from companies.models import Presence
from hubguide.publishing import Status
from hubguide.sql import together
from tests.factories import make_city, make_company, make_presence, make_zone

pytestmark = pytest.mark.django_db


class Built(PresenceSummary):
    """A summary that counts how often it has to build its querysets."""

    def __init__(self, place):
        super().__init__(place)
        self.built = 0

    def presences(self, staff, slug, now):
        self.built += 1
        return super().presences(staff, slug, now)


def summarised(summary, slug, user, zones):
    """What a page shows of the place ``slug``: the summary of its two queries' results."""
    return summary.summarise(*together(*summary.queries(slug, user)), zones)


def shown(groups):
    return {group["kind"]: [p.company.name for p in group["presences"]] for group in groups}


def test_each_hub_gets_its_own_presences_from_sql_built_once():
    beijing, shanghai = make_city(name="Beijing"), make_city(name="Shanghai")
    make_presence(company=make_company(name="Baidu"), city=beijing)
    make_presence(company=make_company(name="Lenovo"), city=beijing, kind=Presence.Kind.FACTORY)
    make_presence(company=make_company(name="Ctrip"), city=shanghai)
    make_presence(company=make_company(name="SAIC"), city=shanghai, kind=Presence.Kind.FACTORY)
    summary = Built("city")

    groups, companies = summarised(summary, beijing.slug, None, {})
    assert shown(groups) == {"office": ["Baidu"], "factory": ["Lenovo"]}
    assert companies.number == 2
    built = summary.built
    groups, companies = summarised(summary, shanghai.slug, None, {})
    assert shown(groups) == {"office": ["Ctrip"], "factory": ["SAIC"]}
    assert companies.number == 2
    groups, _ = summarised(summary, make_city().slug, None, {})
    assert groups == []
    assert summary.built == built


def test_the_time_is_a_parameter_not_built_into_the_sql():
    """A company published for later appears once its time has come, with the same SQL."""
    city = make_city()
    launch = timezone.now() + datetime.timedelta(days=1)
    make_presence(company=make_company(name="Baidu"), city=city)
    make_presence(company=make_company(name="Later", publish_at=launch), city=city)
    summary = Built("city")

    def at(moment):
        counts, presences = together(*summary.queries(city.slug, None, moment))
        return dict(counts), sorted(presence.company.name for presence in presences)

    hour = datetime.timedelta(hours=1)
    assert at(launch - hour) == (
        {**dict.fromkeys(Presence.Kind.values, 0), "office": 1, "": 1},
        ["Baidu"],
    )
    built = summary.built
    assert at(launch) == (
        {**dict.fromkeys(Presence.Kind.values, 0), "office": 2, "": 2},
        ["Baidu", "Later"],
    )
    assert at(launch - datetime.timedelta(seconds=1))[1] == ["Baidu"]
    assert summary.built == built


def test_staff_see_drafts_and_visitors_do_not_in_the_same_process(admin_user):
    zone = make_zone()
    make_presence(company=make_company(name="Baidu"), zone=zone)
    make_presence(company=make_company(name="Draft", status=Status.DRAFT), zone=zone)
    summary = PresenceSummary("zone")

    for _ in range(2):
        groups, companies = summarised(summary, zone.slug, None, {})
        assert (shown(groups), companies.number) == ({"office": ["Baidu"]}, 1)
        groups, companies = summarised(summary, zone.slug, admin_user, {})
        assert sorted(shown(groups)["office"]) == ["Baidu", "Draft"]
        assert companies.number == 2


def test_presences_come_with_their_company_and_the_zone_the_page_may_show():
    zone = make_zone()
    make_presence(company=make_company(name="Baidu", name_zh="百度"), zone=zone)
    summary = PresenceSummary("city")

    for _ in range(2):
        (group,), _ = summarised(summary, zone.city.slug, None, {zone.pk: zone})
        (presence,) = group["presences"]
        assert (presence.company.name, presence.company.name_zh) == ("Baidu", "百度")
        assert presence.company.is_published
        assert presence.shown_zone == zone
