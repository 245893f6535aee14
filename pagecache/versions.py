"""Reading the versions the generated triggers append to ContentChange."""

from __future__ import annotations

from django.db import connection
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import ContentChange
from .registry import Kind


def content_version(kind: Kind, object_id: int) -> int:
    """The greatest version of one object (0 before its first change): one index lookup."""
    version = (
        ContentChange.objects.filter(kind=kind.name, object_id=object_id)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


def content_version_of(kind: Kind, outer: str = "pk") -> Coalesce:
    """The same, as an expression to annotate the page's own query with (no extra query)."""
    latest = (
        ContentChange.objects.filter(kind=kind.name, object_id=OuterRef(outer))
        .order_by("-version")
        .values("version")[:1]
    )
    return Coalesce(Subquery(latest, output_field=IntegerField()), 0)


def kind_version(*kinds: Kind) -> str:
    """The greatest versions of these kinds (lists of projects and rounds): one query, one
    index lookup per kind."""
    table = ContentChange._meta.db_table
    one = f"(SELECT max(version) FROM {table} WHERE kind = %s)"  # noqa: S608 - our table
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([one] * len(kinds)), [k.name for k in kinds])
        values = cursor.fetchone()
    return "-".join(str(value or 0) for value in values)


def content_changes_compact() -> int:
    """Keep only the last change of each object: the versions pages are keyed by stay the
    same (the greatest of each object, hence of each kind, is kept). Safe while writes go
    on: a change appended meanwhile has a greater version and is not touched."""
    if connection.vendor != "postgresql":
        return 0
    table = ContentChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} c USING ("  # noqa: S608 - our table name only
            f"  SELECT kind, object_id, max(version) AS last FROM {table}"
            f"  GROUP BY kind, object_id) k "
            "WHERE c.kind = k.kind AND c.object_id = k.object_id AND c.version < k.last"
        )
        return cursor.rowcount
