"""A progress bar over the submissions of a batch: done, running, failed and an ETA (tqdm: a bar on the
terminal, a widget in a notebook)."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm


class Progress:
    def __init__(self, total: int, running: int, label: str = "grading"):
        self.total, self.running, self.finished, self.failed = total, running, 0, 0
        self.bar = tqdm(total=total, desc=label, unit="notebook", file=sys.stderr, dynamic_ncols=True,
                        disable=total == 0)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()

    def done(self, student: str, failed: bool = False) -> None:
        self.finished += 1
        self.failed += failed
        self.bar.set_postfix_str(f"running {min(self.running, self.total - self.finished)}, "
                                 f"failed {self.failed}, last {student}", refresh=False)
        self.bar.update(1)
