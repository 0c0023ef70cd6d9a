"""The directory's controls, drawn in Python, give the markup of Django's templates
(but for the blank lines Django's option template leaves between options)."""

import re

import pytest
from django import forms
from django.test import RequestFactory

from companies.filters import CompanyFilter
from companies.models import Company
from companies.widgets import Select, TextInput
from tests.factories import make_city, make_company, make_presence, make_sector, make_zone

pytestmark = pytest.mark.django_db

STOCK = {Select: forms.Select, TextInput: forms.TextInput}


def markup(html):
    return re.sub(r">\s+<", "><", html)


def drawn_by_django(bound_field):
    """The field as Django's own widget templates draw it, with the same attributes."""
    widget = bound_field.field.widget
    stock = STOCK[type(widget)](attrs=widget.attrs)
    if isinstance(widget, forms.Select):
        stock.choices = widget.choices
    else:
        stock.input_type = widget.input_type  # "search" for the query
    return bound_field.as_widget(widget=stock)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=%22R%26D%22+%3Cb%3E&city=beijing&kind=chinese&sort=name",
        "zone=zhongguancun&presence=office&founded_min=x&founded_max=1990&sector=labs",
        "city=nowhere&sort=sideways&founded_min=2010&founded_max=2000",
    ],
    ids=["empty", "chosen-and-escaped", "zone-and-a-bad-year", "errors"],
)
def test_every_control_is_drawn_as_djangos_templates_draw_it(query):
    beijing = make_city(slug="beijing", name="Beijing & <Haidian>")
    zone = make_zone(city=beijing, slug="zhongguancun", name="Zhongguancun")
    labs = make_sector(slug="labs", name='R&D "labs"')
    company = make_company(name="Labs <Co>", sectors=[labs], summary="R&D")
    make_presence(company=company, city=beijing, zone=zone)
    request = RequestFactory().get("/companies/?" + query)
    request.user = None
    filterset = CompanyFilter(request.GET, queryset=Company.objects.all(), request=request)
    filterset.settle()  # the hub, sector and kind labels get their counts

    drawn = 0
    for bound_field in filterset.form:
        assert type(bound_field.field.widget) in STOCK, bound_field.name
        assert markup(str(bound_field)) == markup(drawn_by_django(bound_field)), bound_field.name
        drawn += 1
    assert drawn == len(filterset.form.fields) == 9
