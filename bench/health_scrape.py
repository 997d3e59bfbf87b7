"""The health exporter's /metrics with 50 models (goal: <= 100 ms a scrape), against prometheus_client.

Times `health_metrics.render` (the exporter's own text writer, what a scrape runs) and, in the same run, the
same gauges written through prometheus_client's ``GaugeMetricFamily`` collectors, and prints the ratio. Both
write out the last refresh: nothing is computed per scrape.

    .venvs/app/bin/python bench/health_scrape.py [--models 50] [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from prometheus_client import CollectorRegistry  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.exposition import generate_latest  # noqa: E402

from bench._figures import ratio  # noqa: E402
from workbench.alerts.health_metrics import PREFIX, WINDOW_GAUGES, render  # noqa: E402
from workbench.monitor.model_health import ModelHealth, WindowHealth, finite  # noqa: E402


class ClientCollector:
    """The same gauges through prometheus_client (what the exporter did first)."""

    def __init__(self, models: dict[str, ModelHealth]) -> None:
        self.models = models

    def collect(self):
        for gauge in WINDOW_GAUGES:
            family = GaugeMetricFamily(PREFIX + gauge.name, gauge.help, labels=["model", "window"])
            for name, health in sorted(self.models.items()):
                for window in gauge.windows:
                    value = gauge.value(health.window(window))
                    if finite(None if value is None else float(value)) is not None:
                        family.add_metric([name, window], float(value))
            yield family


def snapshot(n: int) -> dict[str, ModelHealth]:
    now, width = datetime.now(UTC), timedelta(seconds=60)
    window = WindowHealth(now - width, now, 100, 1, 0.02, 100, 0.3, 0, "x0", 0.05, 0.9, 10, 8)
    return {f"model-{i}": ModelHealth(f"model-{i}", 60, window, window, window, 100, 0.92, now) for i in range(n)}


def timed(write, runs: int) -> float:
    write()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        write()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    models = snapshot(args.models)
    registry = CollectorRegistry()
    registry.register(ClientCollector(models))
    ours = timed(lambda: render(models, 60), args.runs)
    client = timed(lambda: generate_latest(registry), args.runs)
    lines = render(models, 60).count("\n")
    print(f"/metrics of {args.models} models ({lines} lines), median of {args.runs}:")
    print(f"  render (the exporter)      {ours * 1000:7.1f} ms   goal <= 100 ms")
    print(f"  prometheus_client          {client * 1000:7.1f} ms")
    speedup = ratio(client, ours)
    print(f"  prometheus_client / render {speedup:7.1f}x" if speedup is not None else "  ratio: not measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
