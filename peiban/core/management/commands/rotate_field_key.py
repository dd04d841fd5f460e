"""`peiban rotate-field-key`: re-encrypt personal fields under a new key and recompute the hashes.

The operator's procedure:

1. put the current key in ``PEIBAN_FIELD_KEYS_OLD`` (comma-separated; older keys may follow);
2. set the new key as ``PEIBAN_FIELD_KEY``;
3. run ``peiban rotate-field-key`` (one transaction: all or nothing);
4. remove the old key from ``PEIBAN_FIELD_KEYS_OLD`` and restart.

Until step 3 has run, encrypted values stay readable (decryption tries the old keys) but searches by
phone or ID number find nothing, because lookup hashes use the current key only.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models, transaction

from peiban.core.commands import InputError, PeibanCommand
from peiban.core.crypto import FieldDecryptionError
from peiban.core.fields import EncryptedTextField
from peiban.places.models import Resident
from peiban.places.services import contact_hashes

BATCH_SIZE = 500
HASH_FIELDS = ("phone_hash", "phone_last4_hash", "id_number_hash")


def encrypted_fields() -> dict[type[models.Model], list[EncryptedTextField]]:
    """Every model with encrypted fields, with those fields."""
    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found[model] = fields
    return found


class Command(PeibanCommand):
    help = (
        "Re-encrypt every encrypted personal field under PEIBAN_FIELD_KEY and recompute the "
        "residents' lookup hashes. Put the previous key in PEIBAN_FIELD_KEYS_OLD first; remove it "
        "once this has run."
    )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        try:
            with transaction.atomic():
                rotated: dict[str, int] = {}
                hashes = 0
                for model, fields in encrypted_fields().items():
                    counts, rehashed = self._rotate_model(model, fields)
                    rotated.update(counts)
                    hashes += rehashed
        except FieldDecryptionError as error:
            raise InputError(
                f"{error} Nothing was changed. Put the key these values were written with in "
                "PEIBAN_FIELD_KEYS_OLD and run the command again."
            ) from None
        return {"rotated": rotated, "hashes": hashes}

    def _rotate_model(
        self, model: type[models.Model], fields: list[EncryptedTextField]
    ) -> tuple[dict[str, int], int]:
        """Re-encrypt one model's fields in batches of primary keys; return the counts.

        Reading a row decrypts each value with FIELD_KEY or any key in FIELD_KEYS_OLD, and
        ``bulk_update`` encrypts it again under FIELD_KEY: a re-encryption like ``crypto.rotate``,
        done through the field so the ORM never sees a token as text. Batches are pages by primary
        key rather than one open cursor, because SQLite does not isolate a cursor from updates
        made on the same connection.
        """
        names = [field.name for field in fields]
        counts = {f"{model._meta.label}.{name}": 0 for name in names}
        rehash = model is Resident
        update_fields = [*names, *HASH_FIELDS] if rehash else names
        columns = [*names, "phone", "id_number"] if rehash else names
        manager = model._base_manager
        last_pk: Any = None
        rehashed = 0
        while True:
            page = manager.only("pk", *set(columns)).order_by("pk")
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            batch = list(page[:BATCH_SIZE])
            if not batch:
                break
            last_pk = batch[-1].pk
            for row in batch:
                for name in names:
                    if getattr(row, name):
                        counts[f"{model._meta.label}.{name}"] += 1
                if isinstance(row, Resident):
                    values = contact_hashes(phone=row.phone or "", id_number=row.id_number or "")
                    for name, value in values.items():
                        setattr(row, name, value)
                    if any(values.values()):
                        rehashed += 1
            manager.bulk_update(batch, update_fields, batch_size=BATCH_SIZE)
            self.progress(f"{model._meta.label}: {len(batch)} row(s) re-encrypted")
        return counts, rehashed
