"""Migration operations of our own."""

from django.db.migrations.operations import CreateModel
from django.db.migrations.operations.base import Operation


class CreateModels(Operation):
    """Create several models of one app, which may refer to each other in any order, as
    ``CreateModel`` each would, with their related models rendered once for them all.

    Django renders again every model related to a model it adds to the migration state,
    recursively: through auth's user, to which every history table is tied, that is most
    of the project's models, once per table. Here the models are added to the state
    first and the rendering follows, once: it halves an empty database's migrate.
    The tables are created from the models as they are at the end, each with its
    many-to-many tables (a ``ManyToManyField`` may name a model created after its own).
    """

    def __init__(self, operations):
        for operation in operations:
            if not isinstance(operation, CreateModel):
                raise TypeError(f"CreateModels takes CreateModel operations, not {operation!r}.")
        self.operations = list(operations)

    def state_forwards(self, app_label, state):
        rendered = state.__dict__.pop("apps", None)  # without it, nothing is rendered
        for operation in self.operations:
            operation.state_forwards(app_label, state)
        if rendered is not None:
            state.__dict__["apps"] = rendered
            state.reload_models(
                [(app_label, operation.name_lower) for operation in self.operations],
                delay=False,
            )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for operation in self.operations:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for operation in reversed(self.operations):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Create models {', '.join(operation.name for operation in self.operations)}"
