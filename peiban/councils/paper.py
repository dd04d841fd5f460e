"""Paper assemblies: a roster and a ballot sheet (表决票汇总表) counted under Article 278.

Reading touches no database. The roster is read by the registry's own roster reader (so its
header names, GBK handling and checks are the same as `peiban import-roster`); each dwelling's
rows are gathered into one holding whose area is taken by source (registry, else survey, else
contract), whose owner number (业主编号) merges one buyer's dwellings into one head, and whose
未售 flag puts it with the developer's dwellings. A roster with any problem is refused whole:
a tally over a wrong electorate would be wrong.

The ballot sheet names a dwelling (楼栋/单元/房号 or one 地址 column) or an owner number, and an
opinion (赞成, 反对, 弃权). Bad ballot rows are listed and left out; the first ballot of an owner
counts and any later one is rejected, naming the row that counted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from peiban.councils.tally import (
    Electorate,
    Holding,
    Opinion,
    Tally,
    TallyError,
    counted_area,
    electorate_build,
    tally_count,
)
from peiban.places.addresses import Address, AddressError, make_address, parse_address
from peiban.places.cells import Rejection, cell_text, fold, is_formula, show, text_problem
from peiban.places.roster import RosterFileError, RosterRow, read_roster
from peiban.places.tables import (
    HeaderMap,
    Layout,
    TableFileError,
    headers_found,
    open_table,
    read_rows,
)

__all__ = [
    "BallotFileError",
    "BallotRow",
    "BallotSheet",
    "PaperRoster",
    "PaperRosterError",
    "PaperTally",
    "ballots_match",
    "paper_electorate",
    "paper_tally",
    "read_ballot_sheet",
]

MAX_BYTES = 20 * 2**20
MAX_ROWS = 100_000


class BallotFileError(TableFileError):
    """The ballot sheet as a whole is unusable; the message says why."""


@dataclass(frozen=True)
class FileRejection:
    """A rejected row and the file it is in ("roster" or "ballots")."""

    row: int
    reason: str
    file: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason, "file": self.file}


class PaperRosterError(ValueError):
    """The roster cannot give an electorate; `rejected` lists the rows at fault."""

    def __init__(self, message: str, rejected: Sequence[FileRejection] = ()) -> None:
        super().__init__(message)
        self.rejected = list(rejected)


# --- The roster ----------------------------------------------------------------------------------


def _address(row: RosterRow) -> Address:
    if row.building or row.room:
        return make_address(building=row.building, unit=row.unit, room=row.room)
    return parse_address(row.address)


@dataclass
class _Dwelling:
    first_row: int
    areas: dict[str, tuple[Decimal, int]] = field(default_factory=dict)
    owner_numbers: set[str] = field(default_factory=set)
    unsold: bool = False


@dataclass(frozen=True)
class PaperRoster:
    electorate: Electorate
    owner_keys: dict[str, str]  # owner number -> voter key
    # Owner numbers in more than one owner group (alone on one dwelling, a co-owner of another):
    # a ballot must name the dwelling.
    ambiguous: frozenset[str] = frozenset()


def paper_electorate(data: bytes, *, filename: str) -> PaperRoster:
    """The electorate of a roster file; raises PaperRosterError with the rows at fault."""
    try:
        reading = read_roster(data, filename=filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    except RosterFileError as error:
        raise PaperRosterError(
            _("The roster cannot be used: %(error)s") % {"error": error}
        ) from None
    rejected = [FileRejection(r.row, r.reason, "roster") for r in reading.rejected]
    dwellings: dict[str, _Dwelling] = {}
    for row in reading.rows:
        try:
            label = _address(row).label()
        except AddressError as error:
            rejected.append(
                FileRejection(
                    row.row, _("The address cannot be read: %(error)s") % {"error": error}, "roster"
                )
            )
            continue
        dwelling = dwellings.setdefault(label, _Dwelling(first_row=row.row))
        problems = []
        if row.area is not None:
            known = dwelling.areas.get(row.area_source)
            if known is not None and known[0] != row.area:
                problems.append(
                    _("the area %(area)s differs from %(known)s given on row %(row)s for %(home)s")
                    % {"area": row.area, "known": known[0], "row": known[1], "home": label}
                )
            elif known is None:
                dwelling.areas[row.area_source] = (row.area, row.row)
        if row.owner_number:
            dwelling.owner_numbers.add(row.owner_number)
        dwelling.unsold = dwelling.unsold or row.unsold
        if problems:
            rejected.append(FileRejection(row.row, "; ".join(problems), "roster"))
    holdings = []
    for label, dwelling in dwellings.items():
        given = {source: area for source, (area, _row) in dwelling.areas.items()}
        area = counted_area(
            registry=given.get("registry"),
            survey=given.get("survey"),
            contract=given.get("contract"),
        )
        if area is None:
            rejected.append(
                FileRejection(
                    dwelling.first_row,
                    _("no area is given for %(home)s; every dwelling needs its area to be counted")
                    % {"home": label},
                    "roster",
                )
            )
            continue
        holdings.append(
            Holding(
                dwelling=label,
                area=area,
                # Co-owners (several numbers on one dwelling) are one buyer together.
                buyer="+".join(sorted(dwelling.owner_numbers)),
                developer_held=dwelling.unsold,
            )
        )
    if rejected:
        rejected.sort(key=lambda r: r.row)
        raise PaperRosterError(
            _("%(n)s row(s) of the roster have problems; nothing was counted.")
            % {"n": len(rejected)},
            rejected,
        )
    try:
        electorate = electorate_build(holdings)
    except TallyError as error:
        raise PaperRosterError(
            _("The roster cannot be used: %(error)s") % {"error": error}
        ) from None
    groups: dict[str, set[str]] = {}
    for label, dwelling in dwellings.items():
        if dwelling.unsold:
            continue  # the developer's dwellings are one owner by 未售, not by number
        for number in dwelling.owner_numbers:
            groups.setdefault(number, set()).add(electorate.by_dwelling[label])
    owner_keys = {number: next(iter(keys)) for number, keys in groups.items() if len(keys) == 1}
    ambiguous = frozenset(number for number, keys in groups.items() if len(keys) > 1)
    return PaperRoster(electorate=electorate, owner_keys=owner_keys, ambiguous=ambiguous)


# --- The ballot sheet ----------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "building": ("楼栋", "栋", "楼号", "栋号", "幢", "楼栋号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "室", "房间号", "门牌号", "户号", "room"),
    "address": ("地址", "房屋", "住址", "房屋地址", "房屋坐落", "address"),
    "owner_number": ("业主编号", "owner_number"),
    "opinion": (
        "意见",
        "表决意见",
        "表决",
        "投票",
        "投票意见",
        "表决结果",
        "选项",
        "opinion",
        "vote",
    ),
    "name": ("姓名", "业主", "业主姓名", "投票人", "name"),
}
_HEADERS = HeaderMap(_SYNONYMS)
OPINION_WORDS: dict[str, Opinion] = {
    **dict.fromkeys(("赞成", "同意", "支持", "yes", "y", "for", "√", "✓", "✔"), Opinion.YES),
    **dict.fromkeys(("反对", "不同意", "不赞成", "no", "n", "against", "×", "✗", "✘"), Opinion.NO),
    **dict.fromkeys(("弃权", "abstain", "abstention"), Opinion.ABSTAIN),
}


@dataclass(frozen=True)
class BallotRow:
    row: int
    address: Address | None
    owner_number: str
    opinion: Opinion
    name: str


@dataclass
class BallotSheet:
    rows: list[BallotRow]
    rejected: list[Rejection]
    columns: dict[str, str]
    encoding: str


def _layout(cells: Sequence[object]) -> Layout:
    layout = _HEADERS.layout(cells, error=BallotFileError)
    names = layout.headers
    missing = []
    if "opinion" not in names:
        missing.append(_("意见 (opinion: 赞成, 反对 or 弃权)"))
    if not (
        "address" in names or "owner_number" in names or ("building" in names and "room" in names)
    ):
        missing.append(_("楼栋 and 房号, or 地址, or 业主编号 (who voted)"))
    if missing:
        raise BallotFileError(
            _("The ballot sheet is missing the column(s): %(missing)s. Headers found: %(found)s.")
            % {"missing": "; ".join(missing), "found": headers_found(cells)}
        )
    return layout


def _parse_ballot(number: int, cells: Sequence[object], layout: Layout) -> BallotRow | list[str]:
    problems: list[tuple[int, str]] = []
    text: dict[str, str] = dict.fromkeys(_SYNONYMS, "")
    for name, position in layout.positions.items():
        value = cells[position] if position < len(cells) else None
        header = layout.headers[name]
        if is_formula(value):
            problems.append(
                (
                    position,
                    _("%(header)s is %(value)s, which is a spreadsheet formula")
                    % {"header": header, "value": show(value)},
                )
            )
            continue
        value_text = cell_text(value)
        problem = text_problem(value_text, 200 if name == "address" else 50)
        if problem is not None:
            problems.append((position, f"{header} {problem}"))
            continue
        text[name] = value_text

    def say(name: str, sentence: str, **values: object) -> None:
        """Add a problem; `sentence` holds %(header)s for the column's header as written."""
        values["header"] = layout.headers[name]
        problems.append((layout.positions[name], sentence % values))

    opinion: Opinion | None = None
    if "opinion" in layout.positions and not any(
        p == layout.positions["opinion"] for p, _m in problems
    ):
        if not text["opinion"]:
            say("opinion", _("%(header)s is empty; a ballot says 赞成, 反对 or 弃权"))
        else:
            folded = unicodedata.normalize("NFKC", fold(text["opinion"]))
            opinion = OPINION_WORDS.get(folded)
            if opinion is None:
                say(
                    "opinion",
                    _("%(header)s is %(value)s, which is not 赞成, 反对 or 弃权"),
                    value=show(text["opinion"]),
                )

    address: Address | None = None
    if text["building"] or text["room"]:
        try:
            address = make_address(building=text["building"], unit=text["unit"], room=text["room"])
        except AddressError as error:
            problems.append(
                (
                    layout.positions.get("room", len(cells)),
                    _("The address cannot be read: %(error)s") % {"error": error},
                )
            )
    elif text["address"]:
        try:
            address = parse_address(text["address"])
        except AddressError as error:
            say(
                "address",
                _("%(header)s cannot be read: %(error)s"),
                error=error,
            )
    has_problem_in_who = any(
        p in (layout.positions.get(n) for n in ("building", "unit", "room", "address"))
        for p, _m in problems
    )
    if address is None and not text["owner_number"] and not has_problem_in_who:
        problems.append(
            (
                len(cells),
                _("The row names no dwelling and no owner number, so the ballot has no voter."),
            )
        )
    if problems or opinion is None:
        return [message for _p, message in sorted(problems, key=lambda p: p[0])]
    return BallotRow(
        row=number,
        address=address,
        owner_number=text["owner_number"],
        opinion=opinion,
        name=text["name"],
    )


def read_ballot_sheet(
    data: bytes, *, filename: str, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> BallotSheet:
    """Read a ballot sheet from the bytes of an .xlsx or CSV file; bad rows go to `rejected`."""
    with open_table(
        data,
        filename=filename,
        max_bytes=max_bytes,
        what="a ballot sheet",
        part="the sheet",
        sheet_words=("表决", "投票", "ballot"),
        recognise=_HEADERS.count,
        header_examples="楼栋, 单元, 房号, 业主编号, 意见",
        error=BallotFileError,
    ) as table:
        layout = _layout(table.header)
        rows, rejected = read_rows(
            table,
            layout=layout,
            max_rows=max_rows,
            parse=lambda number, cells: _parse_ballot(number, cells, layout),
            error=BallotFileError,
            duplicate=lambda n: _("a second ballot: the row repeats row %(row)s") % {"row": n},
        )
    return BallotSheet(rows, rejected, dict(layout.headers), table.encoding)


# --- Matching ballots to voters ------------------------------------------------------------------


def ballots_match(
    rows: Iterable[BallotRow],
    *,
    electorate: Electorate,
    dwelling_key: Callable[[Address], str | None],
    owner_key: Callable[[str], str | None],
    already: Mapping[str, str] | None = None,
    ambiguous: Collection[str] = (),
) -> tuple[dict[str, tuple[Opinion, int]], list[Rejection]]:
    """The ballots by voter key (with the row that counted) and the rows rejected.

    `dwelling_key` gives the electorate's dwelling key of an address, `owner_key` the voter key
    of an owner number; `already` maps voter keys that voted before (online, on paper) to a
    description of where, so that a sheet cannot add a second ballot.
    """
    ballots: dict[str, tuple[Opinion, int]] = {}
    rejected: list[Rejection] = []
    for row in rows:
        voter_by_dwelling: str | None = None
        if row.address is not None:
            key = dwelling_key(row.address)
            voter = electorate.voter_for_dwelling(key) if key is not None else None
            if voter is None:
                rejected.append(
                    Rejection(
                        row.row,
                        _("%(home)s is not a dwelling of the roster")
                        % {"home": row.address.label()},
                    )
                )
                continue
            voter_by_dwelling = voter.key
        voter_by_number: str | None = None
        if row.owner_number and row.address is None and row.owner_number in ambiguous:
            rejected.append(
                Rejection(
                    row.row,
                    _(
                        "the owner number %(number)s belongs to more than one owner (alone on "
                        "one dwelling, with others on another); name the dwelling"
                    )
                    % {"number": show(row.owner_number)},
                )
            )
            continue
        if row.owner_number and row.owner_number not in ambiguous:
            # (An ambiguous number given with a dwelling: the dwelling says who voted.)
            voter_by_number = owner_key(row.owner_number)
            if voter_by_number is None or voter_by_number not in electorate.voters:
                rejected.append(
                    Rejection(
                        row.row,
                        _("the owner number %(number)s is not in the roster")
                        % {"number": show(row.owner_number)},
                    )
                )
                continue
        if voter_by_dwelling and voter_by_number and voter_by_dwelling != voter_by_number:
            assert row.address is not None
            rejected.append(
                Rejection(
                    row.row,
                    _("the owner number %(number)s is not the owner of %(home)s")
                    % {"number": show(row.owner_number), "home": row.address.label()},
                )
            )
            continue
        voter_key = voter_by_dwelling or voter_by_number
        assert voter_key is not None
        if voter_key in ballots:
            rejected.append(
                Rejection(
                    row.row,
                    _(
                        "a second ballot from the same owner, who already voted on row "
                        "%(row)s; only the first counts"
                    )
                    % {"row": ballots[voter_key][1]},
                )
            )
            continue
        if already and voter_key in already:
            rejected.append(
                Rejection(
                    row.row,
                    _("a second ballot from the same owner, who already voted %(where)s")
                    % {"where": already[voter_key]},
                )
            )
            continue
        ballots[voter_key] = (row.opinion, row.row)
    return ballots, rejected


# --- The whole count -----------------------------------------------------------------------------


@dataclass
class PaperTally:
    tally: Tally
    rejected: list[FileRejection]
    counted: int

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.tally.as_dict(),
            "ballots_counted": self.counted,
            "rejected": [r.as_dict() for r in self.rejected],
        }


def paper_tally(
    *, roster: bytes, roster_name: str, ballots: bytes, ballots_name: str, matter: int
) -> PaperTally:
    """Count a paper assembly; raises PaperRosterError or BallotFileError for unusable files."""
    paper = paper_electorate(roster, filename=roster_name)
    electorate = paper.electorate
    sheet = read_ballot_sheet(ballots, filename=ballots_name)
    matched, rejected = ballots_match(
        sheet.rows,
        electorate=electorate,
        dwelling_key=Address.label,
        owner_key=paper.owner_keys.get,
        ambiguous=paper.ambiguous,
    )
    tally = tally_count(
        electorate=electorate,
        ballots={key: opinion for key, (opinion, _row) in matched.items()},
        matter=matter,
    )
    all_rejected = sorted(
        [FileRejection(r.row, r.reason, "ballots") for r in [*sheet.rejected, *rejected]],
        key=lambda r: r.row,
    )
    return PaperTally(tally=tally, rejected=all_rejected, counted=len(matched))
