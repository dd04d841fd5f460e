"""Chinese typesetting for the PDF and Word files Peiban writes: finding a Noto CJK font, and
breaking Chinese text into lines by the rules of 避头尾.

Letters, certificates, reports and vote notices all set Chinese with these helpers. Lines are
broken here rather than by fpdf2, so that Chinese text breaks between any two characters, runs
of ASCII stay whole where they fit, and closing marks never start a line.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings

if TYPE_CHECKING:
    from fpdf import FPDF

FontStyle = Literal["serif", "sans"]

# 避头尾: marks that may not start a line, and marks that may not end one.
NO_LINE_START = frozenset("，。、；：？！）］｝」』】〉》〕〗”’·％‰～,.;:?!)]}%")
NO_LINE_END = frozenset("（［｛「『【〈《〔〖“‘([{")
_TOKEN = re.compile(r"…+|—+|[!-~]+| +|.", re.DOTALL)


class CJKFontMissing(RuntimeError):
    """No Chinese font was found to set a document in."""


# --- fonts -----------------------------------------------------------------------------------

_FONT_FILES: dict[tuple[FontStyle, bool], tuple[str, ...]] = {
    ("serif", False): (
        "NotoSerifCJK-Regular.ttc",
        "NotoSerifCJKsc-Regular.otf",
        "NotoSerifSC-Regular.otf",
        "NotoSerifSC-Regular.ttf",
    ),
    ("serif", True): (
        "NotoSerifCJK-Bold.ttc",
        "NotoSerifCJKsc-Bold.otf",
        "NotoSerifSC-Bold.otf",
        "NotoSerifSC-Bold.ttf",
    ),
    ("sans", False): (
        "NotoSansCJK-Regular.ttc",
        "NotoSansCJKsc-Regular.otf",
        "NotoSansSC-Regular.otf",
        "NotoSansSC-Regular.ttf",
    ),
    ("sans", True): (
        "NotoSansCJK-Bold.ttc",
        "NotoSansCJKsc-Bold.otf",
        "NotoSansSC-Bold.otf",
        "NotoSansSC-Bold.ttf",
    ),
}


def _system_font_dirs() -> list[Path]:
    home = Path.home()
    dirs = [
        Path("/usr/share/fonts/opentype/noto"),  # Debian and Ubuntu: fonts-noto-cjk
        Path("/usr/share/fonts/noto-cjk"),  # Arch, Alpine
        Path("/usr/share/fonts/google-noto-cjk"),  # older Fedora
        Path("/usr/share/fonts/google-noto-serif-cjk-fonts"),
        Path("/usr/share/fonts/google-noto-sans-cjk-fonts"),
        Path("/usr/share/fonts/opentype/noto-cjk"),
        Path("/usr/share/fonts/OTF"),
        Path("/usr/local/share/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
        home / "Library/Fonts",  # macOS
        Path("/Library/Fonts"),
        Path("/opt/homebrew/share/fonts"),
    ]
    windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT")
    if windir:
        dirs.append(Path(windir) / "Fonts")
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft/Windows/Fonts")
    return dirs


def _fc_match(style: FontStyle, bold: bool) -> Path | None:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    family = "Noto Serif CJK SC" if style == "serif" else "Noto Sans CJK SC"
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{file}\n%{family}\n%{weight}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = found.stdout.split("\n")
    if found.returncode != 0 or len(lines) < 3:
        return None
    path, families, weight = Path(lines[0]), lines[1], lines[2]
    # fc-match always answers with something: accept it only if it is the family asked for.
    if family.removesuffix(" SC") not in families or not path.is_file():
        return None
    # fontconfig weights: 80 regular, 200 bold.
    if bold and not (weight.strip().isdigit() and int(weight) >= 180):
        return None
    return path


def find_cjk_font(style: FontStyle = "serif", bold: bool = False) -> Path:
    """The path of a Noto CJK font with Simplified Chinese glyphs (a .ttc collection or an .otf).

    Looked for in PEIBAN_CJK_FONT_DIR first, then where Debian, Ubuntu, Fedora, Arch, macOS and
    Windows install fonts, then through fontconfig's fc-match.
    """
    if (style, bold) not in _FONT_FILES:
        raise ValueError(f"A font style is 'serif' or 'sans', not {style!r}.")
    names = _FONT_FILES[(style, bold)]
    configured = str(getattr(settings, "CJK_FONT_DIR", "") or "").strip()
    dirs = [Path(configured).expanduser()] if configured else []
    dirs += _system_font_dirs()
    for directory in dirs:
        for name in names:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    if configured:
        for name in names:
            nested = sorted(Path(configured).expanduser().glob(f"*/{name}"))
            if nested:
                return nested[0]
    matched = _fc_match(style, bold)
    if matched:
        return matched
    where = f" (looked in PEIBAN_CJK_FONT_DIR={configured!r} too)" if configured else ""
    raise CJKFontMissing(
        f"No Noto {style.title()} CJK SC {'Bold' if bold else 'Regular'} font was found{where}: "
        "install the Debian package fonts-noto-cjk ('make system-deps'), or set "
        f"PEIBAN_CJK_FONT_DIR to a folder holding {names[0]} or {names[1]}."
    )


@functools.lru_cache(maxsize=16)
def cjk_face_number(path: Path) -> int:
    """The index of the Simplified Chinese face in a font collection (0 for a single font)."""
    if path.suffix.lower() not in {".ttc", ".otc"}:
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for number, face in enumerate(collection.fonts):
            family = face["name"].getDebugName(1) or ""
            if family.endswith(" SC") and "Mono" not in family:
                return number
    finally:
        collection.close()
    return 0


# --- line breaking ---------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Units that must stay together: a character, a run of ASCII, a run of … or —, with any
    closing marks that follow and any opening marks that precede glued on."""
    clusters: list[str] = []
    for token in _TOKEN.findall(text):
        glue = clusters and not token.isspace() and not clusters[-1].isspace()
        if glue and (token[0] in NO_LINE_START or clusters[-1][-1] in NO_LINE_END):
            clusters[-1] += token
            continue
        clusters.append(token)
    return clusters


def break_lines(
    text: str, width_of: Callable[[str], float], width: float, *, first_indent: float = 0.0
) -> list[str]:
    """Break text into lines no wider than `width` (the first narrower by `first_indent`).

    Chinese breaks between any two characters, runs of ASCII (numbers, words, addresses) only
    where they are too long for a line, and never before a closing mark nor after an opening one.
    """
    lines: list[str] = []
    current = ""
    used = 0.0
    available = width - first_indent

    def finish() -> None:
        nonlocal current, used, available
        lines.append(current.rstrip(" "))
        current, used, available = "", 0.0, width

    for cluster in tokens(text):
        if cluster.isspace():
            if current:
                current += cluster
                used += width_of(cluster)
            continue
        size = width_of(cluster)
        if used + size <= available + 1e-6:
            current += cluster
            used += size
            continue
        if current.strip():
            finish()
        else:
            current, used = "", 0.0
        if size <= available + 1e-6:
            current, used = cluster, size
            continue
        for char in cluster:  # a cluster wider than a whole line: break it anywhere
            char_size = width_of(char)
            if current and used + char_size > available + 1e-6:
                finish()
            current += char
            used += char_size
    if current.strip() or not lines:
        lines.append(current.rstrip(" "))
    return lines


# --- measuring ---------------------------------------------------------------------------------


def quiet_font_subsetting() -> None:
    """fontTools reports every subsetting step at INFO; keep that out of the logs unless the
    deployment's logging configuration has set its own level for it."""
    for name in ("fontTools.subset", "fontTools.ttLib"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def width_cache(measure: Callable[[str], float]) -> Callable[[str], float]:
    """Measure strings as the sum of their characters' widths, each measured once."""
    cache: dict[str, float] = {}

    def width_of(text: str) -> float:
        total = 0.0
        for char in text:
            if char not in cache:
                cache[char] = measure(char)
            total += cache[char]
        return total

    return width_of


# --- fpdf2 fonts -------------------------------------------------------------------------------


# Tables a PDF's horizontal text never uses: layout (fpdf2 drops them when subsetting) and
# vertical metrics.
_UNEMBEDDED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG")


@functools.lru_cache(maxsize=8)
def _fpdf_font(path: Path, face: int) -> Any:
    """fpdf2's reading of one face (its character map and widths), once per process."""
    from fpdf import FPDF

    quiet_font_subsetting()
    reader = FPDF()
    reader.add_font("cjk", "", str(path), collection_font_number=face)
    return reader.fonts["cjk"]


def add_cjk_font(pdf: FPDF, family: str, style: FontStyle = "serif", bold: bool = False) -> None:
    """Add a Noto CJK face to an fpdf2 document as `family`, fast.

    fpdf2 reads a CJK face's 65,000 glyph widths for every document and, when it embeds the
    subset, reads its layout and vertical tables only to drop them and recomputes the bounding
    box of every glyph used. Here the face is read once per process and each document gets a
    copy with its own subset and its own lazily opened font file without those tables, and the
    subset keeps the face's bounding boxes (the PDF's font descriptor uses the face's anyway).
    Without the fpdf2 internals this relies on, it falls back to add_font.
    """
    path = find_cjk_font(style, bold)
    face = cjk_face_number(path)
    key = f"{family.lower()}{'B' if bold else ''}"
    try:
        from fontTools.ttLib import TTFont
        from fpdf.fonts import SubsetMap

        font = copy.copy(_fpdf_font(path, face))
        font.i = len(pdf.fonts) + 1
        font.fontkey = key
        font.cw = font.cw.copy()
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.ttfont = TTFont(str(path), recalcTimestamp=False, fontNumber=face, lazy=True)
        for tag in _UNEMBEDDED_TABLES:  # never read, rather than read and dropped
            if tag in font.ttfont:
                del font.ttfont[tag]
        font.subset = SubsetMap(font)
    except (AttributeError, ImportError, TypeError):  # another fpdf2: its own, slower way
        quiet_font_subsetting()
        pdf.add_font(family, "B" if bold else "", str(path), collection_font_number=face)
        font = pdf.fonts[key]
    else:
        pdf.fonts[key] = font
        if font.is_cff and font.is_cid_keyed:
            pdf.pdf_version = max(pdf.pdf_version, "1.6")
    font.ttfont.recalcBBoxes = False
