"""Helpers for driving the admin as an editor would: log in with a role, fill in a form."""

from django import forms
from django.contrib.auth.models import Group, User

EDITOR = "Editor"
CHIEF_EDITOR = "Chief editor"


def make_staff(username, group=None):
    """An active staff user (never a superuser), in ``group`` if given."""
    user = User.objects.create_user(username, password="not-used", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _field_data(bound_field):
    field, widget, value = bound_field.field, bound_field.field.widget, bound_field.value()
    name = bound_field.html_name
    if isinstance(field, forms.FileField):
        return {}
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        return {f"{name}_{i}": "" if part is None else str(part) for i, part in enumerate(parts)}
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return {name: [str(item) for item in value or []]}
    if isinstance(field, forms.BooleanField):
        return {name: "on"} if value else {}
    if value is None:
        return {name: ""}
    if isinstance(value, list | tuple):
        return {name: [str(item) for item in value]}
    return {name: str(value)}


def form_data(response):
    """The POST data an editor sends by saving an add or change page without touching it."""
    data = {}
    forms_on_page = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms_on_page.append(inline.formset.management_form)
        forms_on_page.extend(inline.formset.forms)
    for form in forms_on_page:
        for bound_field in form:
            data.update(_field_data(bound_field))
    return data


def add_inline_row(data, prefix, **fields):
    """Fill in one more row of the inline formset ``prefix``, as “Add another” does."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = "" if value is None else str(value)
    return data
