"""A content row's ``get_<field>_display()``, which reads a map of the field's choices
made once (``hubguide.publishing.SlugModel``), says what Django's own would say."""

import pytest
from django.apps import apps
from django.db import models

from hubguide.publishing import SlugModel

CHOICE_FIELDS = [
    pytest.param(model, field, id=f"{model.__name__}.{field.name}")
    for model in apps.get_models()
    if issubclass(model, SlugModel)
    for field in model._meta.concrete_fields
    if field.choices
]


def test_the_content_has_fields_with_choices():
    assert len(CHOICE_FIELDS) >= 8


@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS)
def test_each_choice_and_a_value_not_among_them_is_displayed_as_django_displays_it(model, field):
    for value in [*(value for value, _ in field.flatchoices), "not-a-choice", None]:
        row = model(**{field.attname: value})

        shown = getattr(row, f"get_{field.name}_display")()

        assert shown == models.Model._get_FIELD_display(row, field)
        assert type(shown) is type(models.Model._get_FIELD_display(row, field))
