"""Reads for surveys; every count is computed by the database from Answer rows.

Answer rows exist only for submitted responses (a draft has none), one row per chosen choice, so
``COUNT(*)`` grouped by question and choice is the number of responses (or repeat instances) that
chose it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.places.models import Community
from peiban.surveys.answers import iter_questions
from peiban.surveys.models import (
    Answer,
    AnswerLink,
    Form,
    FormVersion,
    Response,
    ResponseStatus,
    Visit,
    Wave,
)

__all__ = [
    "CROSS_BY_PLACE",
    "Period",
    "coverage_by_building",
    "cross_tab",
    "form_by_ref",
    "forms_for_community",
    "latest_version",
    "link_for_token",
    "open_link_for",
    "survey_summary",
    "word_frequencies",
]

CROSS_BY_PLACE = {
    "building": "response__dwelling__building__label",
    "unit": "response__dwelling__unit",
}


def form_by_ref(ref: str) -> Form | None:
    """A form by id or slug, for commands (which run with full rights); None if unknown or
    if the slug names forms in several communities."""
    lookup = Q(slug=ref)
    if ref.isdigit():
        lookup |= Q(pk=int(ref))
    found = list(Form.objects.select_related("community", "organisation").filter(lookup)[:2])
    return found[0] if len(found) == 1 else None


def forms_for_community(community: Community, *, sensitive: bool = True) -> QuerySet[Form]:
    forms = Form.objects.filter(community=community).annotate(
        submitted=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED))
    )
    return forms if sensitive else forms.filter(sensitive=False)


def latest_version(form: Form) -> FormVersion:
    version = form.versions.order_by("-number").first()
    assert version is not None  # a form is created with its first version
    return version


@dataclass(frozen=True)
class Period:
    """Days a response was submitted on, both ends included, in the installation's time zone;
    an open end is None."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """A period from two ISO dates typed or sent by a client (either may be blank);
        a ValueError with a message for people when one is not a date or they are reversed."""
        days: list[date | None] = []
        for text in (start, end):
            text = text.strip()
            if not text:
                days.append(None)
                continue
            try:
                days.append(date.fromisoformat(text))
            except ValueError:
                raise ValueError(
                    _("“%(text)s” is not a date; write it as 2026-03-05.") % {"text": text[:40]}
                ) from None
        low, high = days
        if low is not None and high is not None and low > high:
            raise ValueError(_("The first day comes after the last day."))
        return cls(low, high)

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[from, until) as aware datetimes: comparisons the database can make on an index."""
        zone = timezone.get_current_timezone()
        low = datetime.combine(self.start, time.min, tzinfo=zone) if self.start else None
        high = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
            if self.end
            else None
        )
        return low, high

    def lookups(self, prefix: str = "") -> dict[str, datetime]:
        """Filter keywords on `<prefix>submitted_at` for this period."""
        low, high = self.bounds()
        out: dict[str, datetime] = {}
        if low is not None:
            out[f"{prefix}submitted_at__gte"] = low
        if high is not None:
            out[f"{prefix}submitted_at__lt"] = high
        return out


def open_link_for(form: Form) -> AnswerLink | None:
    """The form's open answer link (on its latest wave), if any."""
    return (
        AnswerLink.objects.select_related("wave")
        .filter(wave__form=form, closed_at__isnull=True)
        .order_by("-wave__number")
        .first()
    )


def link_for_token(token: str) -> AnswerLink | None:
    """The link a token names, open or closed, with its wave, form and community."""
    if not token or len(token) > 64:
        return None
    return (
        AnswerLink.objects.select_related("wave__form__community__organisation")
        .filter(token=token)
        .first()
    )


def _answers(
    form: Form, waves: Iterable[Wave] | None, period: Period | None = None
) -> QuerySet[Answer]:
    rows = Answer.objects.filter(form=form)
    if waves is not None:
        rows = rows.filter(wave__in=[w.pk for w in waves])
    if period:
        rows = rows.filter(**period.lookups("response__"))
    return rows


def survey_summary(
    form: Form,
    *,
    waves: Iterable[Wave] | None = None,
    language: str = "",
    period: Period | None = None,
    definition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Per-question counts (choices) and summaries (numbers), as `survey-summary --json`;
    `period` keeps the responses submitted on those days."""
    wave_list = list(waves) if waves is not None else None
    if definition is None:
        definition = latest_version(form).definition
    responses = Response.objects.filter(form=form, status=ResponseStatus.SUBMITTED)
    if wave_list is not None:
        responses = responses.filter(wave__in=[w.pk for w in wave_list])
    if period:
        responses = responses.filter(**period.lookups())
    answers = _answers(form, wave_list, period)
    counts: dict[tuple[str, str], int] = {
        (row["question"], row["choice"]): row["n"]
        for row in answers.exclude(choice="").values("question", "choice").annotate(n=Count("pk"))
    }
    answered: dict[str, int] = {
        row["question"]: row["n"]
        for row in answers.values("question").annotate(n=Count("response", distinct=True))
    }
    numbers = {
        row["question"]: row
        for row in answers.filter(number__isnull=False)
        .values("question")
        .annotate(n=Count("pk"), mean=Avg("number"), low=Min("number"), high=Max("number"))
    }
    questions: dict[str, Any] = {}
    for node in iter_questions(definition["questions"]):
        name, kind = node["name"], node["type"]
        if kind in ("select_one", "select_multiple"):
            choices = definition["choices"].get(node.get("list_name", ""), [])
            tally = {c["name"]: counts.get((name, c["name"]), 0) for c in choices}
            n = answered.get(name, 0)
            questions[name] = {
                "type": kind,
                "counts": tally,
                "answered": n,
                "shares": {k: (round(v / n, 4) if n else 0.0) for k, v in tally.items()},
            }
        elif kind in ("integer", "decimal"):
            row = numbers.get(name)
            questions[name] = {
                "type": kind,
                "n": row["n"] if row else 0,
                "mean": round(row["mean"], 4) if row else None,
                "min": row["low"] if row else None,
                "max": row["high"] if row else None,
            }
        elif kind in ("text", "date"):
            questions[name] = {"type": kind, "answered": answered.get(name, 0)}
    return {
        "form": form.pk,
        "slug": form.slug,
        "title": form.title,
        "responses": responses.count(),
        "waves": [w.number for w in wave_list] if wave_list is not None else None,
        "period": {
            "from": period.start.isoformat() if period and period.start else None,
            "to": period.end.isoformat() if period and period.end else None,
        },
        "questions": questions,
    }


def cross_tab(
    form: Form,
    *,
    question: str,
    by: str,
    waves: Iterable[Wave] | None = None,
    period: Period | None = None,
) -> dict[str, dict[str, int]]:
    """Counts of a choice question's choices split by building, unit or another choice
    question: {column value: {choice: n}}."""
    answers = _answers(form, list(waves) if waves is not None else None, period).filter(
        question=question, instance=0
    )
    if by in CROSS_BY_PLACE:
        key = CROSS_BY_PLACE[by]
        rows = (
            answers.filter(response__dwelling__isnull=False)
            .values(key, "choice")
            .annotate(n=Count("pk"))
        )
    else:
        key = "response__answer_rows__choice"
        rows = (
            answers.filter(
                response__answer_rows__question=by,
                response__answer_rows__instance=0,
                response__answer_rows__choice__gt="",
            )
            .values(key, "choice")
            .annotate(n=Count("pk"))
        )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(str(row[key]), {})[row["choice"]] = row["n"]
    return table


def coverage_by_building(wave: Wave, *, period: Period | None = None) -> list[dict[str, Any]]:
    """Per building: dwellings, visits by outcome and submitted responses in the wave; with a
    period, only the visits made and the responses submitted on those days."""
    from peiban.places.models import Building

    buildings = (
        Building.objects.filter(community_id=wave.form.community_id)
        .annotate(dwellings_n=Count("dwellings", distinct=True))
        .values("pk", "label", "dwellings_n")
    )
    visited = Visit.objects.filter(wave=wave)
    submitted = Response.objects.filter(
        wave=wave, status=ResponseStatus.SUBMITTED, dwelling__isnull=False
    )
    if period:
        low, high = period.bounds()
        if low is not None:
            visited = visited.filter(visited_at__gte=low)
        if high is not None:
            visited = visited.filter(visited_at__lt=high)
        submitted = submitted.filter(**period.lookups())
    visits = visited.values("dwelling__building_id", "outcome").annotate(n=Count("pk"))
    done = submitted.values("dwelling__building_id").annotate(n=Count("pk"))
    by_visit: dict[int, dict[str, int]] = {}
    for row in visits:
        by_visit.setdefault(row["dwelling__building_id"], {})[row["outcome"]] = row["n"]
    answered = {row["dwelling__building_id"]: row["n"] for row in done}
    return [
        {
            "building": b["label"],
            "dwellings": b["dwellings_n"],
            "answered": answered.get(b["pk"], 0),
            "outcomes": by_visit.get(b["pk"], {}),
        }
        for b in buildings
    ]


def recommendations_for(
    form: Form, definition: dict[str, Any], language: str
) -> list[dict[str, Any]]:
    """The form's recommendations by priority, with the labels of their supporting questions."""
    from peiban.surveys.answers import label_in
    from peiban.surveys.models import Recommendation

    labels = {
        n["name"]: label_in(n.get("label"), language, n["name"])
        for n in iter_questions(definition["questions"])
    }
    return [
        {
            "recommendation": r,
            "questions": [(name, labels.get(name, name)) for name in r.questions],
        }
        for r in Recommendation.objects.filter(form=form)
    ]


STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "我们",
        "希望",
        "能",
        "有",
        "和",
        "也",
        "都",
        "在",
        "就",
        "要",
        "不",
        "很",
        "太",
        "还",
        "吧",
        "啊",
        "呢",
        "没有",
        "一下",
        "一些",
    ]
)
MIN_RESPONSES_PER_WORD = 3  # a word only shows when at least this many households used it


def word_frequencies(
    form: Form,
    *,
    question: str,
    waves: Iterable[Wave] | None = None,
    top: int = 12,
    period: Period | None = None,
) -> list[tuple[str, int]]:
    """The words (jieba) most households used in a text question, each counted once per response;
    words fewer than three households used are left out, so a rare word cannot point at one."""
    import jieba

    texts = (
        _answers(form, list(waves) if waves is not None else None, period)
        .filter(question=question)
        .exclude(text="")
        .values_list("text", flat=True)
    )
    counts: Counter[str] = Counter()
    for text in texts.iterator(chunk_size=2000):
        counts.update(
            {
                word
                for word in jieba.lcut(text)
                if len(word) >= 2 and word not in STOPWORDS and any(c.isalnum() for c in word)
            }
        )
    return [(w, n) for w, n in counts.most_common() if n >= MIN_RESPONSES_PER_WORD][:top]
