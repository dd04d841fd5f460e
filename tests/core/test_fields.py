"""EncryptedTextField: clear text in Python, Fernet tokens in the database, no lookups but isnull.

No test here touches the database: the field's methods are called directly, and the SQL that
``save()``, ``bulk_create()`` and ``update()`` would send is compiled without running it, for a
model that lives only in an isolated app registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection, models
from django.db.models.lookups import IsNull
from django.db.models.sql import InsertQuery, UpdateQuery
from django.test.utils import isolate_apps
from django.utils.translation import gettext_lazy

from peiban.core import crypto
from peiban.core.crypto import FieldDecryptionError
from peiban.core.fields import EncryptedTextField

KEY = "current-field-key-for-tests-0123456789abcdef"
OLD_KEY = "old-field-key-for-tests-0123456789abcdefghij"


@pytest.fixture(autouse=True)
def _keys(settings: Any) -> None:
    settings.FIELD_KEY = KEY
    settings.FIELD_KEYS_OLD = []


@pytest.fixture
def field() -> EncryptedTextField:
    return EncryptedTextField(blank=True, null=True)


@pytest.fixture
def person_model() -> Iterator[Any]:
    with isolate_apps("peiban.core"):

        class Person(models.Model):
            phone = EncryptedTextField(blank=True)

            class Meta:
                app_label = "core"

            def __str__(self) -> str:
                return f"Person {self.pk}"

        yield Person


def test_it_encrypts_values_on_their_way_to_the_database(field: EncryptedTextField) -> None:
    stored = field.get_prep_value("13800138000")
    assert stored is not None
    assert "13800138000" not in stored
    assert crypto.decrypt(stored) == "13800138000"
    assert field.get_db_prep_save("13800138000", connection) != "13800138000"


def test_it_stores_the_same_value_differently_every_time(field: EncryptedTextField) -> None:
    assert field.get_prep_value("13800138000") != field.get_prep_value("13800138000")


def test_it_decrypts_values_read_from_the_database(field: EncryptedTextField) -> None:
    stored = crypto.encrypt("和平里3栋")
    assert field.from_db_value(stored, None, connection) == "和平里3栋"  # type: ignore[arg-type]


def test_it_decrypts_values_written_under_an_old_key(
    field: EncryptedTextField, settings: Any
) -> None:
    settings.FIELD_KEY = OLD_KEY
    stored = crypto.encrypt("13800138000")
    settings.FIELD_KEY = KEY
    settings.FIELD_KEYS_OLD = [OLD_KEY]
    assert field.from_db_value(stored, None, connection) == "13800138000"  # type: ignore[arg-type]


def test_it_refuses_to_read_a_tampered_value(field: EncryptedTextField) -> None:
    with pytest.raises(FieldDecryptionError):
        field.from_db_value("gAAAAAnot-a-real-token", None, connection)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [None, ""])
def test_it_keeps_null_and_blank_as_they_are(field: EncryptedTextField, value: Any) -> None:
    assert field.get_prep_value(value) == value
    assert field.from_db_value(value, None, connection) == value  # type: ignore[arg-type]


def test_it_passes_plain_values_through_to_python(field: EncryptedTextField) -> None:
    assert field.to_python("13800138000") == "13800138000"
    assert field.to_python(None) is None
    assert field.to_python(13800138000) == "13800138000"


def test_it_encrypts_lazy_and_non_string_values_as_text(field: EncryptedTextField) -> None:
    lazy = field.get_prep_value(gettext_lazy("Residents"))
    number = field.get_prep_value(13800138000)
    assert lazy is not None
    assert number is not None
    assert crypto.decrypt(lazy) in {"Residents", "居民"}
    assert crypto.decrypt(number) == "13800138000"


def test_it_allows_the_isnull_lookup(field: EncryptedTextField) -> None:
    assert field.get_lookup("isnull") is IsNull


@pytest.mark.parametrize(
    "lookup", ["exact", "iexact", "in", "contains", "icontains", "startswith", "gt", "regex"]
)
def test_it_refuses_every_other_lookup(field: EncryptedTextField, lookup: str) -> None:
    with pytest.raises(FieldError, match="lookup hash field"):
        field.get_lookup(lookup)


def test_it_refuses_transforms(field: EncryptedTextField) -> None:
    with pytest.raises(FieldError, match="lookup hash field"):
        field.get_transform("lower")


def test_it_refuses_filters_on_the_column_naming_the_field(person_model: Any) -> None:
    with pytest.raises(FieldError, match=r"Person\.phone is encrypted.*'exact'"):
        person_model.objects.filter(phone="13800138000")
    with pytest.raises(FieldError, match="'icontains'"):
        person_model.objects.filter(phone__icontains="8000")
    with pytest.raises(FieldError, match="'lower'"):
        person_model.objects.filter(phone__lower="x")
    with pytest.raises(FieldError, match=r"phone__isnull=True rather than phone=None"):
        person_model.objects.filter(phone=None)


def test_it_builds_isnull_filters(person_model: Any) -> None:
    sql = str(person_model.objects.filter(phone__isnull=True).query)
    assert sql.endswith('"phone" IS NULL')


def test_it_encrypts_values_given_to_update(person_model: Any) -> None:
    query = UpdateQuery(person_model)
    query.add_update_values({"phone": "13800138000"})
    _sql, params = query.get_compiler(connection=connection).as_sql()
    (stored,) = params
    assert stored != "13800138000"
    assert crypto.decrypt(stored) == "13800138000"


def test_it_encrypts_values_given_to_bulk_create(person_model: Any) -> None:
    query = InsertQuery(person_model)
    people = [person_model(phone="13800138000"), person_model(phone="")]
    query.insert_values([person_model._meta.get_field("phone")], people)
    ((_sql, params),) = query.get_compiler(connection=connection).as_sql()
    # PostgreSQL passes a bulk insert as one array per column; SQLite as one value per cell.
    values = [v for p in params for v in (p if isinstance(p, list | tuple) else [p])]
    assert crypto.decrypt(values[0]) == "13800138000"
    assert values[1] == ""
    assert people[0].phone == "13800138000"  # the instance keeps its clear text


def test_it_deconstructs_for_migrations(field: EncryptedTextField) -> None:
    field.set_attributes_from_name("phone")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args) == ("phone", "peiban.core.fields.EncryptedTextField", [])
    assert kwargs == {"blank": True, "null": True}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.deconstruct()[1:] == (path, args, kwargs)
