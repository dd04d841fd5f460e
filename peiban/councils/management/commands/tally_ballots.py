from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.councils.paper import BallotFileError, PaperRosterError, paper_tally
from peiban.councils.tally import MATTERS


class Command(PeibanCommand):
    help = (
        "Count an owners' assembly under Civil Code Art. 278 from a roster (楼栋, 单元, 房号 or "
        "地址, 面积, 业主, optional 业主编号 and 未售) and a ballot sheet (dwelling or 业主编号, "
        "意见: 赞成/反对/弃权). Matters 6, 7 and 8 need three quarters; the others more than half."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--roster", type=Path, required=True, help="roster file (.xlsx, .csv)")
        parser.add_argument(
            "--ballots", type=Path, required=True, help="ballot sheet (.xlsx, .csv)"
        )
        parser.add_argument(
            "--matter",
            type=int,
            required=True,
            choices=sorted(MATTERS),
            metavar="N",
            help="the matter of Art. 278, 1 to 9",
        )

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.", rejected=[]) from None

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        roster_path: Path = options["roster"]
        ballots_path: Path = options["ballots"]
        roster, ballots = self._read(roster_path), self._read(ballots_path)
        self.progress(f"Counting {ballots_path.name} against {roster_path.name}…")
        try:
            result = paper_tally(
                roster=roster,
                roster_name=roster_path.name,
                ballots=ballots,
                ballots_name=ballots_path.name,
                matter=options["matter"],
            )
        except PaperRosterError as error:
            for rejection in error.rejected[:20]:
                self.progress(f"  roster row {rejection.row}: {rejection.reason}")
            raise InputError(str(error), rejected=[r.as_dict() for r in error.rejected]) from None
        except BallotFileError as error:
            raise InputError(f"The ballot sheet cannot be used: {error}", rejected=[]) from None
        return result.as_dict()

    def report(self, result: dict[str, Any]) -> None:
        verdict = "PASSED" if result["passed"] else "NOT PASSED"
        quorum = "met" if result["quorum"] else "not met"
        self.stdout.write(f"Matter {result['matter']}: {verdict} (quorum {quorum})")
        self.stdout.write(
            f"  total: {result['total_area']} m², {result['total_heads']} owners; "
            f"voted: {result['voted_area']} m², {result['voted_heads']} owners"
        )
        for opinion in ("yes", "no", "abstain"):
            self.stdout.write(
                f"  {opinion}: {result[f'{opinion}_area']} m², {result[f'{opinion}_heads']} owners"
            )
        for rejection in result["rejected"]:
            self.stdout.write(
                f"  rejected {rejection['file']} row {rejection['row']}: {rejection['reason']}"
            )
        self.stdout.write(
            "Peiban prepares, records and counts; it is not a certified electronic voting system."
        )
