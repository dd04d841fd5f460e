"""Run benchmarks on a fresh database: `python -m bench [NAME ...]`.

Uses a temporary SQLite database unless DATABASE_URL names another; prints figures only.
"""

from __future__ import annotations

import os
import sys
import tempfile


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="peiban-bench-")
    os.environ.setdefault("PEIBAN_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peiban.settings")
    os.environ["PEIBAN_TASKS_IMMEDIATE"] = "on"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ["testserver"]
    setup_test_environment()
    call_command("migrate", verbosity=0)

    import bench.bench_activities
    import bench.bench_chats
    import bench.bench_core
    import bench.bench_councils
    import bench.bench_indicators
    import bench.bench_needs
    import bench.bench_network
    import bench.bench_places
    import bench.bench_surveys  # noqa: F401 - the imports register the benchmarks
    from bench.runner import BENCHMARKS

    names = sys.argv[1:] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(BENCHMARKS)}.")
    print(
        f"Peiban benchmarks · database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    for name in names:
        BENCHMARKS[name]()


if __name__ == "__main__":
    main()
