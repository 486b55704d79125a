"""Django for the news benchmarks (bench/django_bench.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from django_bench import start

start("news")
