"""The content's history (django-simple-history), with one entry for a row saved
together with its many-to-many rows.

simple_history writes an entry when a row is saved and another each time one of its
many-to-many fields changes, so a policy loaded with its cities, zones and sources gets
four. ``one_entry`` keeps the row's history quiet while it is saved and its relations
set, then writes the one entry, many-to-many rows included, that a revert needs.
"""

from contextlib import contextmanager

from simple_history.models import HistoricalRecords


class History(HistoricalRecords):
    """``HistoricalRecords`` that its model can reach (``one_entry`` needs it)."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            sender._history_records = self


@contextmanager
def one_entry(obj, history_type="+"):
    """Save ``obj`` and set its many-to-many fields inside; one history entry is written
    when the block ends without an error."""
    obj.skip_history_when_saving = True
    try:
        yield
    finally:
        del obj.skip_history_when_saving
    type(obj)._history_records.create_historical_record(obj, history_type)
