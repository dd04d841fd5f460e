"""Keep the translation catalogues complete: `update` extracts and compiles, `check` verifies.

`check` fails when code or templates hold a string that is not in the catalogues, when a Chinese
entry is untranslated or fuzzy, or when a compiled .mo file is older than its .po file's content.
Extraction uses GNU gettext (Debian package `gettext`); compiling uses Babel, so the .mo files
are the same on every machine.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "peiban"
LOCALES = ("zh_Hans", "en")


def _po(locale: str, base: Path = PACKAGE) -> Path:
    return base / "locale" / locale / "LC_MESSAGES" / "django.po"


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _extract(package: Path) -> None:
    if shutil.which("xgettext") is None or shutil.which("msgattrib") is None:
        sys.exit(
            "GNU gettext is needed to extract strings: install the Debian package 'gettext' "
            "(make system-deps) and run this again."
        )
    command = [sys.executable, "-m", "django", "makemessages", "--no-location", "--no-obsolete"]
    for locale in LOCALES:
        command += ["-l", locale]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peiban.settings",
        "PYTHONPATH": str(package.parent),
    }
    subprocess.run(command, cwd=package, env=env, check=True, stdout=subprocess.DEVNULL)


def _mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> None:
    _extract(PACKAGE)
    english = _read(_po("en"))
    for message in english:  # English is the source language: each entry translates to itself
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with _po("en").open("wb") as handle:
        write_po(handle, english, width=100)
    for locale in LOCALES:
        catalog = _read(_po(locale))
        _po(locale).with_suffix(".mo").write_bytes(_mo_bytes(catalog))
    missing = [m.id for m in _read(_po("zh_Hans")) if m.id and (not m.string or m.fuzzy)]
    if missing:
        print(f"{len(missing)} Chinese entries still need a translation in {_po('zh_Hans')}.")


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def check() -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "peiban"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        _extract(copy)
        for locale in LOCALES:
            fresh, kept = _ids(_read(_po(locale, copy))), _ids(_read(_po(locale)))
            for msgid in sorted(map(str, fresh - kept)):
                problems.append(f"{locale}: not in the catalogue: {msgid!r}")
            for msgid in sorted(map(str, kept - fresh)):
                problems.append(f"{locale}: no longer used: {msgid!r}")
    for locale in LOCALES:
        catalog = _read(_po(locale))
        for message in catalog:
            if not message.id:
                continue
            if not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            ):
                problems.append(f"{locale}: untranslated: {message.id!r}")
            elif message.fuzzy:
                problems.append(f"{locale}: fuzzy: {message.id!r}")
        mo = _po(locale).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
            problems.append(f"{locale}: {mo.relative_to(ROOT)} is stale; run make catalogues")
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} catalogue problem(s). Run 'make catalogues', translate, and commit."
        )
        return 1
    print("Catalogues complete.")
    return 0


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "update":
        update()
    elif action == "check":
        sys.exit(check())
    else:
        sys.exit("usage: catalogues.py update|check")
