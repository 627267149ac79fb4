"""CPU seconds spent by each process during a measurement, and by the rest of the machine.

Everything shares two cores, so a figure is easier to read next to who used the CPU:
the app, the fake Slack, the sandbox, the load generator, and everything else
(including other people's work on the machine).
"""

from __future__ import annotations

import os
import time

import psutil

GENERATOR = "load generator"


def _process_seconds(process: psutil.Process, *, children: bool = True) -> float:
    try:
        times = process.cpu_times()
        seconds = times.user + times.system
        for child in process.children(recursive=True) if children else []:
            child_times = child.cpu_times()
            seconds += child_times.user + child_times.system
        return seconds
    except psutil.Error:
        return 0.0


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


class CpuMeter:
    """`start()` … `stop()` → {"app": s, "fake-slack": s, …, "other": s, "wall": s}."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._processes: dict[str, psutil.Process] = {}
        for name, pid in {**pids, GENERATOR: os.getpid()}.items():
            try:
                self._processes[name] = psutil.Process(pid)
            except psutil.Error:
                continue
        self._start: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        # The generator's children are the services: count them once, under their names.
        sample = {
            name: _process_seconds(process, children=name != GENERATOR)
            for name, process in self._processes.items()
        }
        sample["machine"] = _machine_busy_seconds()
        sample["wall"] = time.monotonic()
        return sample

    def start(self) -> CpuMeter:
        self._start = self._sample()
        return self

    def stop(self) -> dict[str, float]:
        end = self._sample()
        used = {name: end[name] - self._start[name] for name in self._processes}
        machine = end["machine"] - self._start["machine"]
        used["other"] = max(0.0, machine - sum(used.values()))
        used["wall"] = end["wall"] - self._start["wall"]
        return {name: round(seconds, 2) for name, seconds in used.items()}
