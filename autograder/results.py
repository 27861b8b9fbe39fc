"""What grading a submission produces, as data: one :class:`Result` per submission with a
:class:`TestResult` per test, and the formats they are written in (the grader's JSON, Gradescope's)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class TestResult:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str  # why it failed ('' when it passed)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Result:
    student: str
    assignment: str
    notebook: str | None
    duration_s: float
    tests: tuple[TestResult, ...]
    notes: tuple[str, ...] = field(default=())
    device: str = "not run"  # what the kernel computed on, as it reported it
    graded: bool = True  # False: the grader could not finish it (a lost worker); --resume grades it again
    isolation: str = "not run"  # the sandbox its kernel ran in, e.g. "standard (workdir+uid+namespaces)"

    @property
    def score(self) -> float:
        return round(sum(t.points for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_points for t in self.tests), 6)

    def to_json(self) -> dict:
        return {"student": self.student, "assignment": self.assignment, "notebook": self.notebook,
                "score": self.score, "max_score": self.max_score, "duration_s": self.duration_s,
                "device": self.device, "isolation": self.isolation, "graded": self.graded,
                "tests": [t.to_json() for t in self.tests],
                "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: dict) -> "Result":
        return cls(data["student"], data["assignment"], data["notebook"], data["duration_s"],
                   tuple(TestResult(**t) for t in data["tests"]), tuple(data["notes"]), data["device"], data["graded"],
                   data["isolation"])

    def to_gradescope(self) -> dict:
        """Gradescope's ``results.json``."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": self.duration_s,
            "output": "\n".join([f"graded in the sandbox {self.isolation}", *self.notes]),
            "tests": [{"name": t.grade_id, "score": t.points, "max_score": t.max_points,
                       "status": "passed" if t.passed else "failed", "output": t.message,
                       "visibility": "visible"} for t in self.tests],
        }


def report(results: list[Result], assignments: list[str], profile: str, device: str, jobs: int) -> dict:
    """The grader's JSON report of one batch (``assignment``: its one assignment, or None when it held several;
    each submission names its own)."""
    return {"assignment": assignments[0] if len(assignments) == 1 else None, "assignments": list(assignments),
            "profile": profile, "device": device, "jobs": jobs, "submissions": [r.to_json() for r in results]}
