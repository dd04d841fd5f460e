"""Issue 4's figures: importing 2,990 and 100,000 survey responses (a KoboToolbox-style CSV read,
checked with the expression evaluator and saved with its Answer rows, streamed in batches),
against a baseline in the same run that inserts the same rows with plain `sqlite3.executemany`
into tables of the same shape; and `survey-summary` at both sizes.

Every case runs under tracemalloc (for its peak memory), which slows Python code several-fold and
C code hardly at all, so the ratio to the baseline is also given from a second, untraced run of
the baseline and of the import (into a second form, so that nothing counts as a duplicate).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.surveys.demo import demo_answers
from peiban.surveys.importing import read_responses, responses_import, stream_responses
from peiban.surveys.models import Form, Response
from peiban.surveys.questionnaires import needs_xlsform
from peiban.surveys.selectors import latest_version, survey_summary
from peiban.surveys.services import answer_rows, form_import
from peiban.surveys.xlsform import read_xlsform

SIZES = (2_990, 100_000)
QUESTIONS = [
    "household_size",
    "has_elderly",
    "elderly_count",
    "has_children",
    "tenure",
    "sat_security",
    "sat_property",
    "sat_environment",
    "sat_parking",
    "sat_neighbours",
    "needs",
    "volunteer",
    "skills",
    "belonging",
    "comments",
]


def export_file(count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow([*QUESTIONS, "_uuid", "_submission_time"])
    for index in range(count):
        answers = demo_answers(rng)
        writer.writerow(
            [*(answers.get(q, "") for q in QUESTIONS), f"b{seed}-{index}", "2026-03-05T10:00:00"]
        )
    return out.getvalue().encode()


BASELINE_SCHEMA = """
create table response (id integer primary key autoincrement, form_id int, version_id int,
  wave_id int, dwelling_id int, household_id int, answers text, status text, source text,
  submission_id text, consent int, submitted_at text, created_at text, created_by_id int);
create table answer (id integer primary key autoincrement, response_id int, form_id int,
  wave_id int, question text, instance int, choice text, number real, text text);
create index answer_form on answer (form_id, question, choice);
"""


def baseline(responses: list[tuple[str, str]], answers: list[tuple[object, ...]]) -> None:
    """The same rows through plain sqlite3.executemany into a file database."""
    folder = Path(tempfile.mkdtemp(prefix="peiban-bench-sqlite-"))
    db = sqlite3.connect(folder / "baseline.sqlite3")
    db.executescript(BASELINE_SCHEMA)
    with db:
        db.executemany(
            "insert into response (form_id, version_id, wave_id, answers, status, source, "
            "submission_id, consent, created_at) values (1, 1, 1, ?, 'submitted', 'kobo', ?, 0, "
            "'2026-03-05')",
            responses,
        )
        db.executemany(
            "insert into answer (response_id, form_id, wave_id, question, instance, choice, "
            "number, text) values (?, 1, 1, ?, ?, ?, ?, ?)",
            answers,
        )
    db.close()


def import_file(form: Form, data: bytes) -> int:
    """What `peiban import-responses` does: read, check and save, streamed."""
    reading = stream_responses(
        data, filename="kobo.csv", definition=latest_version(form).definition
    )
    return responses_import(form=form, reading=reading).imported


@benchmark("surveys")
def surveys() -> None:
    world = generate(slug="bench-surveys", communities=len(SIZES), staff_per_community=1)
    parsed = read_xlsform(needs_xlsform())
    twin = copy.deepcopy(parsed)
    twin.definition["id_string"] = "peiban_needs_untraced"
    for size, community in zip(SIZES, world.communities, strict=True):
        form = form_import(community=community, parsed=parsed).form
        untraced_form = form_import(community=community, parsed=twin).form
        definition = latest_version(form).definition
        data = export_file(size, seed=size)
        figures: list[Figure] = []
        with measure("peiban read + check only (as a list)", figures) as notes:
            prepared = read_responses(data, filename="kobo.csv", definition=definition)
            notes["rows"] = len(prepared.rows)
        # The baseline's rows: the responses read and checked, their answer rows.
        rows: list[tuple[str, str]] = []
        answers: list[tuple[object, ...]] = []
        for number, row in enumerate(prepared.rows, start=1):
            rows.append((json.dumps(row.answers, ensure_ascii=False), row.submission_id))
            stub = Response(pk=number, form=form, wave_id=1, answers=row.answers)
            answers.extend(
                (number, a.question, a.instance, a.choice, a.number, a.text)
                for a in answer_rows(stub, definition)
            )
        del prepared
        with measure("baseline: sqlite3.executemany", figures) as notes:
            baseline(rows, answers)
            notes["answer_rows"] = len(answers)
        with measure("peiban import (read + check + save)", figures) as notes:
            notes["imported"] = import_file(form, data)
        with measure("survey-summary", figures) as notes:
            summary = survey_summary(form)
            notes["responses"] = summary["responses"]
        print_figures(
            f"survey responses: {size:,} ({len(data) / 2**20:.1f} MB CSV), under tracemalloc",
            figures,
            baseline="baseline: sqlite3.executemany",
        )
        started = time.perf_counter()
        baseline(rows, answers)
        base_seconds = time.perf_counter() - started
        started = time.perf_counter()
        import_file(untraced_form, data)
        import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        survey_summary(untraced_form)
        summary_seconds = time.perf_counter() - started
        traced = figures[2].seconds
        print(
            f"whole import under tracemalloc: {traced:.2f} s, {size / traced:,.0f} responses per "
            f"second, {traced / figures[1].seconds:.1f}× the executemany baseline, "
            f"peak {figures[2].peak_mib:.1f} MiB"
        )
        print(
            f"untraced: baseline {base_seconds:.2f} s, import {import_seconds:.2f} s "
            f"({size / import_seconds:,.0f} responses per second, "
            f"{import_seconds / base_seconds:.1f}× the baseline), "
            f"survey-summary {summary_seconds:.2f} s"
        )
