"""Reading `GET /metrics` as Prometheus would, and comparing two scrapes.

The app runs in the test process (LocalStack), on prometheus_client's process-wide
registry, so tests compare a scrape after the action with one before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Scrape:
    families: frozenset[str]  # metric family names, with or without samples
    samples: dict[Key, float]

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def labels_of(self, name: str) -> list[dict[str, str]]:
        return [dict(labels) for sample, labels in self.samples if sample == name]

    def increase(self, before: Scrape, name: str, **labels: str) -> float:
        return self.value(name, **labels) - before.value(name, **labels)


def scrape(app_url: str) -> Scrape:
    response = httpx.get(f"{app_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families: set[str] = set()
    samples: dict[Key, float] = {}
    for family in text_string_to_metric_families(response.text):
        families.add(family.name)
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(frozenset(families), samples)
