"""The import page with a preview: upload, see what would happen, import or cancel; the file is
kept privately for its uploader only, and nothing is written before the import is confirmed."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peiban.places.models import Dwelling
from peiban.surveys.importing import STAGE_FOLDER, stage_files
from peiban.surveys.models import Form, Response
from tests.conftest import World
from tests.surveys import files
from tests.surveys.test_import_repeats import HOUSEHOLDS, kobo_xlsx, members_form  # noqa: F401
from tests.surveys.test_import_responses import sample


def url(name: str, form: Form, **extra: Any) -> str:
    return reverse(name, kwargs={"community": form.community.slug, "pk": form.pk, **extra})


def staged_folders() -> list[Path]:
    root = Path(settings.MEDIA_ROOT).joinpath(*STAGE_FOLDER)
    return sorted(root.iterdir()) if root.is_dir() else []


def upload(client: Any, form: Form, *parts: tuple[str, bytes], **data: Any) -> Any:
    uploads = [SimpleUploadedFile(name, content) for name, content in parts]
    return client.post(url("surveys:import-upload", form), {"file": uploads, **data})


def token_of(reply: Any) -> str:
    assert reply.status_code == 302, reply.content.decode()[:500]
    return str(reply["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_the_preview_shows_mapping_duplicates_errors_and_first_rows_without_writing(
    world: World,
    login: Any,
    needs_form: Form,
    dwellings: list[Dwelling],
    django_assert_max_num_queries: Any,
) -> None:
    responses = sample(5, dwellings=dwellings)
    responses[2]["_uuid"] = responses[0]["_uuid"]  # row 5 repeats row 3's submission
    responses[3]["household_size"] = "三口"  # row 6
    client = login(world.staff)
    token = token_of(upload(client, needs_form, ("kobo.csv", files.kobo(responses))))
    assert [p.name for p in staged_folders()] == [token]
    with django_assert_max_num_queries(20):
        page = client.get(url("surveys:import-preview", needs_form, token=token))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-format="kobo"' in text
    assert "data-rows>5<" in text
    assert "data-importable>3<" in text
    assert "data-duplicates>1<" in text
    assert "data-problems>1<" in text
    assert 'data-target="household_size"' in text
    assert 'data-kind="flag" data-target="needs"' in text
    assert 'data-kind="dwelling"' in text
    assert 'data-duplicate="5"' in text
    assert 'data-rejected="6"' in text
    assert "三口" in text
    assert 'data-sample-row="3"' in text
    assert "家里住几口人？" in text  # questions by their labels in the page's language
    assert "data-import-confirm" in text
    assert not Response.objects.exists()


def test_confirming_imports_and_deletes_the_file(
    world: World,
    login: Any,
    needs_form: Form,
    dwellings: list[Dwelling],
    django_assert_max_num_queries: Any,
) -> None:
    client = login(world.staff)
    token = token_of(
        upload(client, needs_form, ("kobo.csv", files.kobo(sample(12, dwellings=dwellings))))
    )
    with django_assert_max_num_queries(25):  # the same for 12 rows as for 12,000 (batches)
        reply = client.post(url("surveys:import-confirm", needs_form, token=token))
    assert reply.status_code == 302
    assert reply["Location"] == url("surveys:results", needs_form)
    assert Response.objects.filter(form=needs_form).count() == 12
    assert Response.objects.filter(form=needs_form, dwelling__isnull=False).count() == 12
    assert staged_folders() == []
    again = client.get(url("surveys:import-preview", needs_form, token=token))
    assert again.status_code == 404


def test_rows_with_problems_refuse_the_import_until_the_good_rows_alone_are_asked_for(
    world: World, login: Any, needs_form: Form
) -> None:
    responses = sample(4)
    responses[1]["belonging"] = "12"
    client = login(world.staff)
    token = token_of(upload(client, needs_form, ("plain.csv", files.plain(responses))))
    refused = client.post(url("surveys:import-confirm", needs_form, token=token))
    assert refused.status_code == 400
    assert "data-import-refused" in refused.content.decode()
    assert not Response.objects.exists()
    assert len(staged_folders()) == 1
    done = client.post(url("surveys:import-confirm", needs_form, token=token), {"partial": "1"})
    assert done.status_code == 302
    assert Response.objects.count() == 3


def test_columns_matching_no_question_are_listed_and_block_the_import(
    world: World, login: Any, needs_form: Form
) -> None:
    rows = [[*files.QUESTIONS, "favourite_colour"], ["2", "no", "", "no", "", *["3"] * 5]]
    client = login(world.staff)
    token = token_of(upload(client, needs_form, ("plain.csv", files.csv_bytes(rows))))
    page = client.get(url("surveys:import-preview", needs_form, token=token))
    text = page.content.decode()
    assert 'data-unmatched-column="Q"' in text
    assert "favourite_colour" in text
    assert "data-import-confirm" not in text


@pytest.mark.usefixtures("english_pages")
def test_a_kobo_workbook_preview_shows_its_repeat_sheets(
    world: World,
    login: Any,
    members_form: Form,  # noqa: F811
) -> None:
    client = login(world.staff)
    token = token_of(upload(client, members_form, ("kobo.xlsx", kobo_xlsx(HOUSEHOLDS))))
    text = client.get(url("surveys:import-preview", members_form, token=token)).content.decode()
    assert "data-repeat-rows>8<" in text  # 5 members and 3 jobs
    assert "sheet &#x27;members&#x27;" in text
    assert 'data-target="member_age"' in text
    assert "3 entries" in text  # the first household's members


def test_an_unusable_file_is_explained_on_the_preview(
    world: World, login: Any, needs_form: Form
) -> None:
    client = login(world.staff)
    token = token_of(upload(client, needs_form, ("x.csv", b"\x00\x01\x02 binary")))
    page = client.get(url("surveys:import-preview", needs_form, token=token))
    assert page.status_code == 400
    assert "data-import-error" in page.content.decode()
    assert "data-import-confirm" not in page.content.decode()


def test_uploading_nothing_is_refused(world: World, login: Any, needs_form: Form) -> None:
    reply = login(world.staff).post(url("surveys:import-upload", needs_form), {})
    assert reply.status_code == 400
    assert staged_folders() == []


def test_cancel_deletes_the_file(world: World, login: Any, needs_form: Form) -> None:
    client = login(world.staff)
    token = token_of(upload(client, needs_form, ("plain.csv", files.plain(sample(2)))))
    reply = client.post(url("surveys:import-cancel", needs_form, token=token))
    assert reply.status_code == 302
    assert staged_folders() == []
    assert not Response.objects.exists()


def test_only_the_uploader_sees_the_file_and_only_for_its_form(
    world: World, login: Any, needs_form: Form
) -> None:
    token = stage_files(
        form=needs_form, user=world.staff, files=[("p.csv", files.plain(sample(1)))], fmt="auto"
    )
    other = login(world.admin)  # may import too, but did not upload this file
    assert other.get(url("surveys:import-preview", needs_form, token=token)).status_code == 404
    assert other.post(url("surveys:import-confirm", needs_form, token=token)).status_code == 404
    assert other.post(url("surveys:import-cancel", needs_form, token=token)).status_code == 404
    assert len(staged_folders()) == 1
    assert not Response.objects.exists()


def test_a_form_outside_the_users_community_answers_404(
    world: World, login: Any, needs_form: Form
) -> None:
    from peiban.surveys.questionnaires import needs_xlsform
    from peiban.surveys.services import form_import
    from peiban.surveys.xlsform import read_xlsform

    elsewhere = form_import(
        community=world.other_community, parsed=read_xlsform(needs_xlsform())
    ).form
    client = login(world.staff)  # staff of world.community only
    reply = client.get(url("surveys:import-upload", elsewhere))
    assert reply.status_code == 404
    token = stage_files(
        form=elsewhere, user=world.staff, files=[("p.csv", files.plain(sample(1)))], fmt="auto"
    )
    assert client.get(url("surveys:import-preview", elsewhere, token=token)).status_code == 404
    viewer = login(world.viewer)  # aggregates only
    assert viewer.get(url("surveys:import-upload", needs_form)).status_code == 404


def test_files_older_than_a_day_are_gone(world: World, login: Any, needs_form: Form) -> None:
    token = stage_files(
        form=needs_form, user=world.staff, files=[("p.csv", files.plain(sample(1)))], fmt="auto"
    )
    folder = staged_folders()[0]
    manifest = folder / "manifest.json"
    import json

    data = json.loads(manifest.read_text())
    data["at"] = time.time() - 2 * 24 * 3600
    manifest.write_text(json.dumps(data))
    client = login(world.staff)
    assert client.get(url("surveys:import-preview", needs_form, token=token)).status_code == 404
    assert staged_folders() == []
    # a stale folder left behind is swept when the next file is uploaded
    stale = stage_files(
        form=needs_form, user=world.staff, files=[("p.csv", files.plain(sample(1)))], fmt="auto"
    )
    old = time.time() - 2 * 24 * 3600
    os.utime(Path(settings.MEDIA_ROOT).joinpath(*STAGE_FOLDER, stale), (old, old))
    fresh = token_of(upload(client, needs_form, ("plain.csv", files.plain(sample(1)))))
    assert [p.name for p in staged_folders()] == [fresh]


@pytest.fixture(autouse=True)
def _clean_stage() -> Any:
    """Each test starts and ends with no staged uploads (MEDIA_ROOT is shared by the session)."""
    import shutil

    root = Path(settings.MEDIA_ROOT).joinpath(*STAGE_FOLDER)
    shutil.rmtree(root, ignore_errors=True)
    yield
    shutil.rmtree(root, ignore_errors=True)
