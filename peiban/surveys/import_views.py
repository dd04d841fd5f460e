"""The import page with a preview: upload an export, see what it would do, then import.

Step 1 (`import_upload`): the file (or ODK Central's zip, or a main CSV with its repeat files) is
kept privately under MEDIA_ROOT/private for at most a day, for the person who uploaded it, and the
browser is sent on to the preview, so that reloading the preview on a phone does not upload
again. Step 2 (`import_preview`): the format, the rows, which column went to which question, the
columns that match nothing, duplicates, rows with problems and the first rows as they would be
stored; nothing is written. Step 3 (`import_confirm`): the import itself, all or nothing unless
the good rows alone are asked for; the file is deleted once imported. `import_cancel` deletes it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import Need as Can
from peiban.core.access import signed_in
from peiban.surveys.access import get_form_for_user
from peiban.surveys.answers import label_in
from peiban.surveys.importing import (
    FORMATS,
    Column,
    Preview,
    ResponsesFileError,
    ResponsesRejected,
    Staged,
    discard_staged,
    preview_responses,
    responses_import,
    stage_files,
    staged_files,
    stream_responses,
)
from peiban.surveys.models import Form
from peiban.surveys.selectors import latest_version
from peiban.surveys.webform import language_for

MAX_FILES = 20
MAX_UPLOAD = 50 * 2**20  # all files together
SHOWN = 50  # rejections and duplicates listed on the page


def _format_names() -> dict[str, str]:
    return {
        "kobo": "KoboToolbox",
        "odk": "ODK Central",
        "wjx": "问卷星",
        "csv": _("Question names"),
        "auto": _("Recognise it"),
    }


@login_required
def import_upload(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    context: dict[str, Any] = {
        "community": access.community,
        "form": form,
        "formats": list(_format_names().items()),
        "error": "",
    }
    if request.method != "POST":
        return render(request, "surveys/import_upload.html", context)
    uploads = request.FILES.getlist("file")
    fmt = request.POST.get("format", "auto")
    if fmt not in FORMATS:
        fmt = "auto"
    if not uploads:
        context["error"] = _("Choose the export file (CSV, Excel or ODK Central's zip).")
    elif len(uploads) > MAX_FILES or sum(u.size or 0 for u in uploads) > MAX_UPLOAD:
        context["error"] = _("Choose at most %(n)s files of at most 50 MB together.") % {
            "n": MAX_FILES
        }
    if context["error"]:
        return render(request, "surveys/import_upload.html", context, status=400)
    files = [(upload.name or "upload", upload.read()) for upload in uploads]
    token = stage_files(form=form, user=signed_in(request), files=files, fmt=fmt)
    return redirect("surveys:import-preview", community=community, pk=pk, token=token)


def _staged(request: HttpRequest, form: Form, token: str) -> Staged:
    staged = staged_files(token=token, form=form, user=signed_in(request))
    if staged is None:
        raise Http404
    return staged


def _column_label(column: Column, labels: dict[str, str], choices: dict[str, str]) -> str:
    if column.kind == "question":
        return labels.get(column.target, column.target)
    if column.kind == "flag":
        return _("%(question)s: “%(choice)s” chosen (1/0)") % {
            "question": labels.get(column.target, column.target),
            "choice": choices.get(f"{column.target}/{column.choice}", column.choice),
        }
    if column.kind == "dwelling":
        return _("the dwelling")
    if column.kind == "meta":
        return {
            "uuid": _("submission id"),
            "instance": _("submission id"),
            "id": _("submission id"),
            "serial": _("submission id"),
            "submitted": _("submission time"),
            "index": _("row link"),
            "parent_index": _("row link"),
            "submission": _("row link"),
            "parent_key": _("row link"),
            "key": _("row link"),
        }.get(column.target, _("not imported"))
    return _("not imported")


def _display(value: Any, node: dict[str, Any] | None, definition: dict[str, Any], lang: str) -> str:
    """An answer as staff read it: choice labels in the page's language."""
    if node is not None and node["type"] in ("select_one", "select_multiple"):
        labels = {
            c["name"]: label_in(c.get("label"), lang, c["name"])
            for c in definition["choices"].get(node.get("list_name", ""), [])
        }
        return "、".join(labels.get(name, name) for name in str(value).split())
    return str(value)


def _shown(
    answers: dict[str, Any],
    nodes: dict[str, dict[str, Any]],
    labels: dict[str, str],
    definition: dict[str, Any],
    lang: str,
) -> list[dict[str, Any]]:
    """A row's answers for the preview: (label, text), a repeat as its count and one line per
    instance ("姓名 王芳 · 年龄 67")."""
    out: list[dict[str, Any]] = []
    for name, value in answers.items():
        node = nodes.get(name)
        if node is not None and node["type"] == "calculate":
            continue
        if isinstance(value, list):
            lines = [
                " · ".join(
                    f"{labels.get(k, k)} {_display(v, nodes.get(k), definition, lang)}"
                    for k, v in instance.items()
                    if not isinstance(v, list)
                )
                for instance in value
                if isinstance(instance, dict)
            ]
            count = _("%(n)s entries") % {"n": len(value)}
            out.append({"label": labels.get(name, name), "value": count, "lines": lines})
        else:
            text = _display(value, node, definition, lang)
            out.append({"label": labels.get(name, name), "value": text, "lines": []})
    return out


def _preview_context(form: Form, preview: Preview, language: str) -> dict[str, Any]:
    definition = latest_version(form).definition
    lang = language_for(definition, language)
    nodes = {n["name"]: n for n in _all_nodes(definition["questions"])}
    labels = {name: label_in(n.get("label"), lang, name) for name, n in nodes.items()}
    choices = {
        f"{name}/{c['name']}": label_in(c.get("label"), lang, c["name"])
        for name, n in nodes.items()
        for c in definition["choices"].get(n.get("list_name", ""), [])
    }
    tables = [
        {
            "label": table.label,
            "repeat": labels.get(table.repeat, table.repeat),
            "rows": table.rows,
            "columns": [
                {
                    "letter": c.letter,
                    "header": c.header,
                    "kind": c.kind,
                    "target": c.target,
                    "label": _column_label(c, labels, choices),
                }
                for c in table.columns
                if c.header
            ],
        }
        for table in preview.tables
    ]
    sample = [
        {
            "row": row.row,
            "address": row.address.label() if row.address else "",
            "answers": _shown(row.answers, nodes, labels, definition, lang),
        }
        for row in preview.sample
    ]
    result = preview.result
    return {
        "preview": preview,
        "format_name": _format_names().get(preview.format, preview.format),
        "tables": tables,
        "sample": sample,
        "rejected": result.rejected[:SHOWN],
        "rejected_more": max(0, len(result.rejected) - SHOWN),
        "duplicates": result.duplicates[:SHOWN],
        "duplicates_more": max(0, len(result.duplicates) - SHOWN),
        "unmatched": preview.unmatched,
    }


def _all_nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        if node["type"] in ("group", "repeat"):
            if node["type"] == "repeat":
                out.append(node)
            out.extend(_all_nodes(node["children"]))
        else:
            out.append(node)
    return out


def _render_preview(
    request: HttpRequest, form: Form, staged: Staged, *, status: int = 200, **extra: Any
) -> HttpResponse:
    access_context: dict[str, Any] = {
        "community": form.community,
        "form": form,
        "token": staged.token,
        "files": [name for name, _data in staged.files],
        "wave": form.waves.order_by("-number").first(),
        "error": "",
        **extra,
    }
    try:
        preview = preview_responses(staged.files, form=form, fmt=staged.fmt)
    except ResponsesFileError as error:
        access_context["error"] = str(error)
        return render(request, "surveys/import_preview.html", access_context, status=400)
    access_context.update(_preview_context(form, preview, get_language() or ""))
    return render(request, "surveys/import_preview.html", access_context, status=status)


@login_required
def import_preview(request: HttpRequest, community: str, pk: int, token: str) -> HttpResponse:
    _access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    return _render_preview(request, form, _staged(request, form, token))


@login_required
@require_POST
def import_confirm(request: HttpRequest, community: str, pk: int, token: str) -> HttpResponse:
    _access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    staged = _staged(request, form, token)
    (name, data), *extra = staged.files
    try:
        reading = stream_responses(
            data,
            filename=name,
            definition=latest_version(form).definition,
            fmt=staged.fmt,
            extra=extra,
        )
        result = responses_import(
            form=form,
            reading=reading,
            partial=bool(request.POST.get("partial")),
            actor=request.user,
        )
    except ResponsesRejected as error:
        count = len(error.result.rejected)
        message = ngettext(
            "%(n)s row has problems, so nothing was imported. Fix it in the file, or import "
            "the good rows only.",
            "%(n)s rows have problems, so nothing was imported. Fix them in the file, or import "
            "the good rows only.",
            count,
        ) % {"n": count}
        return _render_preview(request, form, staged, status=400, refused=message)
    except ResponsesFileError as error:
        return _render_preview(request, form, staged, status=400, refused=str(error))
    discard_staged(staged.token)
    messages.success(
        request,
        _(
            "%(imported)s responses imported (%(linked)s linked to dwellings); %(duplicates)s "
            "duplicates and %(rejected)s rows with problems left out."
        )
        % {
            "imported": result.imported,
            "linked": result.linked,
            "duplicates": len(result.duplicates),
            "rejected": len(result.rejected),
        },
    )
    return redirect("surveys:results", community=community, pk=pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, community: str, pk: int, token: str) -> HttpResponse:
    _access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    discard_staged(_staged(request, form, token).token)
    messages.info(request, _("The uploaded file was deleted; nothing was imported."))
    return redirect("surveys:import-upload", community=community, pk=pk)
