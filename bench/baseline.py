"""The app as it was at an older commit, for rows whose goal is "N× what main did then".

Issue 10's "twice today's completed searches per CPU-second" means main at
`PREVIOUS_MAIN`: its `bot/` is exported with `git archive` into the bench's temporary
directory and served by this interpreter (the dependencies it needs are a subset of
today's), on the same sandbox, fake Slack and requests as ours.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

PREVIOUS_MAIN = "7d01250"  # main when issue 10 was filed (its bench had no such row)


def export(commit: str, workdir: Path) -> Path:
    """`bot/` at `commit` under `workdir/<commit>`; raises RuntimeError if git can't."""
    root = Path(__file__).resolve().parent.parent
    try:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", commit, "bot"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise RuntimeError(f"can't export {commit} from {root}: {error}") from error
    target = workdir / f"baseline-{commit}"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target
