"""The relational and cognitive dimensions of social capital, from survey waves.

Standard items (agreement 1 = strongly disagree … 5 = strongly agree), after the usual community
social-capital scales (罗家德's structural/relational/cognitive frame; trust and reciprocity items
as in the World Bank SC-IQ and community surveys; belonging from the Sense of Community Index;
collective efficacy after Sampson, Raudenbush & Earls 1997). A survey form may include any of them
under the item key as the question name; the surveys area will feed answers here when it exists.
Until then a wave is imported from a spreadsheet: one row per respondent, a respondent number
column (编号) and one column per item, headed by its key or its Chinese wording.

Scores per wave: the mean of each construct's answers and of each dimension's answers, with the
number of respondents. Relational and cognitive are reported beside the structural measures of the
network and never collapsed into one number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Avg, Count

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.network.models import SurveyAnswer, SurveyWave
from peiban.places.models import Community
from peiban.places.tables import HeaderMap, TableFileError, open_table

RELATIONAL = "relational"
COGNITIVE = "cognitive"


@dataclass(frozen=True)
class Item:
    key: str
    dimension: str
    construct: str
    zh: str


ITEMS = (
    Item("trust_neighbours", RELATIONAL, "trust", "小区里的大多数邻居是可以信任的"),
    Item("trust_keys", RELATIONAL, "trust", "外出时我放心请邻居帮忙照看家里"),
    Item("reciprocity_help", RELATIONAL, "reciprocity", "邻居有困难时，我愿意帮忙"),
    Item("reciprocity_return", RELATIONAL, "reciprocity", "我帮过邻居，需要时邻居也会帮我"),
    Item("belonging_home", COGNITIVE, "belonging", "我觉得这个小区是我的家"),
    Item("belonging_stay", COGNITIVE, "belonging", "我希望长期住在这个小区"),
    Item("efficacy_solve", COGNITIVE, "efficacy", "小区有问题时，居民能一起想办法解决"),
    Item("efficacy_act", COGNITIVE, "efficacy", "如果公共设施被破坏，邻居们会站出来处理"),
)
BY_KEY = {item.key: item for item in ITEMS}
CONSTRUCTS = ("trust", "reciprocity", "belonging", "efficacy")
MAX_BYTES = 5 * 2**20
MAX_ROWS = 20_000
RESPONDENT = "respondent"

HEADERS = HeaderMap(
    {
        RESPONDENT: ("编号", "问卷编号", "respondent", "序号"),
        **{item.key: (item.key, item.zh) for item in ITEMS},
    }
)


class WaveFileError(TableFileError):
    """The sheet cannot be imported; the message names the row and the problem."""


def _score(number: int, header: str, value: object) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        score = int(float(str(value).strip()))
    except ValueError:
        score = 0
    if not 1 <= score <= 5 or str(value).strip() not in (str(score), f"{score}.0"):
        raise WaveFileError(
            f"Row {number}, column '{header}': {value!r} is not a whole number from 1 to 5."
        )
    return score


def read_wave(data: bytes, *, filename: str) -> list[tuple[str, dict[str, int]]]:
    """(respondent, {item key: score}) per row; any bad cell refuses the whole sheet."""
    with open_table(
        data,
        filename=filename,
        max_bytes=MAX_BYTES,
        what="a social-capital survey sheet",
        part="the sheet",
        sheet_words=("问卷", "survey"),
        recognise=HEADERS.count,
        header_examples="编号, trust_neighbours, belonging_home",
        error=WaveFileError,
    ) as table:
        layout = HEADERS.layout(table.header, error=WaveFileError)
        if RESPONDENT not in layout.positions:
            raise WaveFileError("The sheet needs a respondent number column (编号).")
        items = [key for key in layout.positions if key != RESPONDENT]
        result: list[tuple[str, dict[str, int]]] = []
        seen: dict[str, int] = {}
        for number, cells in table:

            def cell(key: str, cells: Any = cells) -> object:
                position = layout.positions[key]
                return cells[position] if position < len(cells) else None

            respondent = str(cell(RESPONDENT) or "").strip()
            scores = {
                key: score
                for key in items
                if (score := _score(number, layout.headers[key], cell(key))) is not None
            }
            if not respondent and not scores:
                continue
            if not respondent:
                raise WaveFileError(f"Row {number}: the respondent number is missing.")
            if respondent in seen:
                raise WaveFileError(
                    f"Row {number}: respondent {respondent} already answered on row "
                    f"{seen[respondent]}."
                )
            seen[respondent] = number
            result.append((respondent, scores))
            if len(result) > MAX_ROWS:
                raise WaveFileError(f"The sheet has more than {MAX_ROWS} rows; split it.")
    return result


@transaction.atomic
def wave_import(
    *,
    community: Community,
    name: str,
    held_on: date,
    rows: list[tuple[str, dict[str, int]]],
    actor: User | AnonymousUser | None,
) -> SurveyWave:
    """Create the wave and its answers (all or nothing); a wave name is used once per community."""
    wave = SurveyWave.objects.create(community=community, name=name, held_on=held_on)
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(wave=wave, respondent=respondent, item=key, score=score)
        for respondent, scores in rows
        for key, score in scores.items()
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=wave,
        organisation=community.organisation,
        detail={"respondents": len(rows)},
    )
    return wave


@dataclass(frozen=True)
class WaveScores:
    wave: SurveyWave
    respondents: int
    constructs: dict[str, float | None]
    dimensions: dict[str, float | None]


def wave_scores(waves: list[SurveyWave]) -> list[WaveScores]:
    """Mean answers per construct and per dimension for each wave (two queries)."""
    ids = [w.pk for w in waves]
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for wave_id, item, item_mean, n in (
        SurveyAnswer.objects.filter(wave_id__in=ids)
        .values_list("wave_id", "item")
        .annotate(mean=Avg("score"), n=Count("pk"))
        .values_list("wave_id", "item", "mean", "n")
    ):
        if item not in BY_KEY:
            continue
        for key in (BY_KEY[item].construct, BY_KEY[item].dimension):
            sums[(wave_id, key)][0] += float(item_mean) * n
            sums[(wave_id, key)][1] += n
    respondents = dict(
        SurveyAnswer.objects.filter(wave_id__in=ids)
        .values_list("wave_id")
        .annotate(n=Count("respondent", distinct=True))
        .values_list("wave_id", "n")
    )

    def average(wave_id: int, key: str) -> float | None:
        total, n = sums.get((wave_id, key), (0.0, 0.0))
        return round(total / n, 2) if n else None

    return [
        WaveScores(
            wave=w,
            respondents=int(respondents.get(w.pk, 0)),
            constructs={c: average(w.pk, c) for c in CONSTRUCTS},
            dimensions={d: average(w.pk, d) for d in (RELATIONAL, COGNITIVE)},
        )
        for w in waves
    ]
