"""Model fields for personal data that is encrypted at rest."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.lookups import Lookup, Transform

from peiban.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored in the database as a Fernet token (see ``peiban.core.crypto``).

    Python code only ever sees the clear text: values are encrypted on their way to the database
    (``get_prep_value``, which ``save()``, ``bulk_create()`` and ``update(field="...")`` all use)
    and decrypted on their way back (``from_db_value``). Blank text is stored blank.

    Fernet tokens are non-deterministic (a random IV and a timestamp), so the same text encrypts
    differently every time: comparing, sorting or searching on the column is meaningless. The field
    therefore refuses every lookup except ``isnull`` (including ``field=None``; write
    ``field__isnull=True``); store a lookup hash (``crypto.lookup_hash``) in a separate field and
    filter on that. Pass plain strings to ``update()``, not expressions such as ``Value()``, which
    would bypass the encryption. Serialised data (``dumpdata``) holds the clear text.
    """

    description = "Text encrypted at rest"

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> str | None:
        """Plain text passes through; values read from the database were decrypted already."""
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(value)

    def _refuse(self, lookup_name: str) -> FieldError:
        owner = getattr(self, "model", None)
        name = self.name or "field"
        label = f"{owner.__name__}.{name}" if owner is not None else name
        return FieldError(
            f"{label} is encrypted, so it cannot be used in the lookup {lookup_name!r}: its stored "
            "values are random-looking tokens that do not compare. Filter on its lookup hash field "
            "instead (see peiban.core.crypto.lookup_hash). Only 'isnull' works on this field: "
            f"write {name}__isnull=True rather than {name}=None."
        )

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise self._refuse(lookup_name)

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        raise self._refuse(lookup_name)
