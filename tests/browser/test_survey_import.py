"""Staff import a KoboToolbox workbook with its repeat sheet on a phone: upload, read the preview
(format, columns, repeat rows, first rows), then import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peiban.surveys.models import Response
from peiban.surveys.services import form_import
from peiban.surveys.xlsform import read_xlsform
from tests.browser.test_registry import sign_in
from tests.conftest import World
from tests.surveys.test_import_repeats import HOUSEHOLDS, kobo_xlsx, members_xlsform

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_check_and_import_a_kobo_workbook_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    password: str,
    tmp_path: Path,
) -> None:
    form = form_import(community=world.community, parsed=read_xlsform(members_xlsform())).form
    export = tmp_path / "家庭成员登记.xlsx"
    export.write_bytes(kobo_xlsx(HOUSEHOLDS))
    sign_in(phone, live_server, "staff", password)
    phone.goto(f"{live_server.url}/c/{world.community.slug}/surveys/{form.pk}/")
    phone.click("[data-import]")
    phone.set_input_files("#file", str(export))
    phone.click("[data-import-upload] button[type=submit]")
    phone.wait_for_selector("[data-preview]")
    assert phone.inner_text("[data-importable]") == "3"
    assert phone.inner_text("[data-repeat-rows]") == "8"
    assert "王芳" in phone.inner_text("[data-sample]")
    phone.screenshot(path=screenshot_path("survey-import-preview"), full_page=True)
    assert not Response.objects.exists()
    phone.click("[data-import-confirm] button[type=submit]")
    phone.wait_for_selector(".message.success")
    assert Response.objects.filter(form=form).count() == 3
    first = Response.objects.filter(form=form).order_by("pk").first()
    assert first is not None
    assert [m["member_name"] for m in first.answers["members"]] == ["王芳", "李强", "王小明"]
