"""Models created together by one migration operation
(hubguide.migration_operations.CreateModels), as the squashed migrations create ours."""

import pytest
from django.conf import settings
from django.db import connection, models
from django.db.migrations.operations import AddField, CreateModel
from django.db.migrations.state import ProjectState

from hubguide.migration_operations import CreateModels

# SQLite opens a schema editor outside a transaction only.
pytestmark = pytest.mark.django_db(transaction=True)

APP = "batchtest"


def shelf(with_books=True):
    fields = [("id", models.AutoField(primary_key=True))]
    if with_books:  # named before the model it refers to is created
        fields.append(("books", models.ManyToManyField(f"{APP}.book")))
    return CreateModel("Shelf", fields)


def book():
    return CreateModel(
        "Book",
        [
            ("id", models.AutoField(primary_key=True)),
            ("owner", models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True)),
        ],
    )


def auth_state():
    state = ProjectState(real_apps={"auth", "contenttypes"})
    state.apps  # rendered, as migrate's state is when it reaches a migration  # noqa: B018
    return state


def tables():
    return {name for name in connection.introspection.table_names() if name.startswith(APP)}


def test_the_models_may_refer_to_models_created_after_them_and_to_other_apps():
    before = auth_state()
    after = before.clone()
    CreateModels([shelf(), book()]).state_forwards(APP, after)

    Shelf, Book = after.apps.get_model(APP, "Shelf"), after.apps.get_model(APP, "Book")
    assert Shelf._meta.get_field("books").related_model is Book
    assert Book._meta.get_field("owner").related_model is after.apps.get_model("auth", "User")
    # The user model, rendered again, knows its new relation (as one at a time would).
    User = after.apps.get_model("auth", "User")
    assert any(rel.related_model is Book for rel in User._meta.related_objects)


def test_the_state_is_the_one_of_the_operations_one_at_a_time():
    together, one_by_one = auth_state(), auth_state()
    CreateModels([shelf(), book()]).state_forwards(APP, together)
    for operation in [
        shelf(with_books=False),
        book(),
        AddField("shelf", "books", models.ManyToManyField(f"{APP}.book")),
    ]:
        operation.state_forwards(APP, one_by_one)
    assert together.models.keys() == one_by_one.models.keys()
    for key, model_state in together.models.items():
        assert set(model_state.fields) == set(one_by_one.models[key].fields), key


def test_it_creates_the_tables_with_their_many_to_many_tables_and_drops_them_backwards():
    operation = CreateModels([shelf(), book()])
    before = auth_state()
    after = before.clone()
    operation.state_forwards(APP, after)
    try:
        with connection.schema_editor() as editor:
            operation.database_forwards(APP, editor, before, after)
        assert tables() == {f"{APP}_shelf", f"{APP}_book", f"{APP}_shelf_books"}
    finally:
        with connection.schema_editor() as editor:
            operation.database_backwards(APP, editor, after, before)
    assert tables() == set()


def test_it_takes_create_model_operations_only():
    with pytest.raises(TypeError, match="CreateModel operations"):
        CreateModels([AddField("shelf", "books", models.ManyToManyField(f"{APP}.book"))])
