"""The issue's targets, each with the measured value and whether it was met (or missed by how much)."""
from __future__ import annotations

TEST_COMMAND_S = 8 * 60
NOTEBOOK_QUICK_S = 60
JOBS2_SPEEDUP = 1.8
GRADER_OVERHEAD = 2.0
DASK_OVERHEAD = 1.05
SANDBOX_OVERHEAD = 1.10
REFERENCE_RATIO = 3.0
BENCHMARK_MIN = 10


def check(target: str, measured, limit: float, unit: str, higher_is_better: bool = False, note: str = "") -> dict:
    row = {"target": target, "measured": measured, "limit": limit, "unit": unit,
           "direction": ">=" if higher_is_better else "<=", "status": "not measured", "by": "", "note": note}
    if measured is None:
        return row
    met = measured >= limit if higher_is_better else measured <= limit
    row["status"] = "met" if met else "missed"
    if not met:
        off = (limit - measured) / limit if higher_is_better else (measured - limit) / limit
        row["by"] = f"{abs(measured - limit):.3g}{unit} ({100 * off:.0f} % {'short' if higher_is_better else 'over'})"
    return row


def evaluate(report: dict) -> list[dict]:
    rows = []
    tests = report.get("tests") or {}
    rows.append(check("whole test command (`./run.sh test`) on this machine", tests.get("seconds"), TEST_COMMAND_S,
                      " s", note=tests.get("note", "")))
    sections = (report.get("settings") or {}).get("sections_s")
    rows.append(check("the benchmark itself, sections 1-5 and 7 (`./run.sh bench`)", sections and round(sections / 60, 1),
                      BENCHMARK_MIN, " min"))
    for nb in report.get("notebooks", []):
        rows.append(check(f"{nb['assignment']}: quick profile, plain execution", nb["plain_median_s"],
                          NOTEBOOK_QUICK_S, " s", note="; ".join(nb["notes"])))
    grading = report.get("grading") or {}
    by_key = {r["key"]: r for r in grading.get("rows", [])}
    jobs2 = by_key.get("jobs=2")
    rows.append(check("ours `--jobs 2` vs plain serial `nbgrader autograde` (speed-up)",
                      jobs2 and jobs2["speedup_vs_nbgrader"], JOBS2_SPEEDUP, "×", higher_is_better=True,
                      note=f"{len(grading.get('submissions', []))} submissions of {grading.get('assignment', '?')}"))
    cluster = by_key.get("cluster=2")
    rows.append(check("ours `--cluster local` (Dask, 2 workers) / `--jobs 2` (thread pool), grading time",
                      cluster and jobs2 and round(cluster["median_s"] / jobs2["median_s"], 3), DASK_OVERHEAD, "×"))
    unboxed, jobs1 = by_key.get("unboxed=1"), by_key.get("jobs=1")
    rows.append(check("ours `--jobs 1` in the sandbox / `--isolation none`, grading time",
                      unboxed and jobs1 and round(jobs1["median_s"] / unboxed["median_s"], 3), SANDBOX_OVERHEAD, "×",
                      note="sandbox reached: " + ", ".join(grading.get("isolation") or ["?"])))
    for nb in report.get("notebooks", []):
        rows.append(check(f"{nb['assignment']}: grader overhead (graded / plain execution)", nb["overhead"],
                          GRADER_OVERHEAD, "×"))
    for ref in report.get("reference", []):
        if ref["function"] in ("conv2d_im2col", "pool2d"):
            single = (ref.get("single_thread") or {}).get("ratio")
            if ref.get("disturbed"):  # a busy machine: the one-thread numbers are the honest ones
                measured, threads = single, "1 thread"
                other = f"{ref['threads']} threads, disturbed: {ref['ratio']:g}×"
            else:
                measured, threads = ref["ratio"], f"{ref['threads']} threads"
                other = single is not None and f"1 thread: {single:g}×"
            rows.append(check(f"{ref['reference']} / {ref['pytorch']} on CPU ({threads}), {ref['shape']}", measured,
                              REFERENCE_RATIO, "×", note="; ".join(filter(None, [ref["note"], other]))))
    generated = report.get("class")
    if generated:
        by_class = {r["key"]: r for r in generated["rows"]}
        size = f"a generated class of {generated['size']} across every assignment"
        rows.append(check(f"{size}: ours `--jobs 2` vs plain serial `nbgrader autograde` (speed-up)",
                          by_class["jobs=2"]["speedup_vs_nbgrader"], JOBS2_SPEEDUP, "×", higher_is_better=True))
        rows.append(check(f"{size}: Dask (2 workers) / `--jobs 2` (thread pool), grading time",
                          generated["dask_over_jobs2"], DASK_OVERHEAD, "×"))
    gpu = report.get("gpu") or {}
    gpu_note = gpu.get("note", "") if not gpu.get("available") else "check the GPU section's printed metrics"
    for target in ("pets: error rate ≤ 6 % in ≤ 5 min on one GPU",
                   "CIFAR-10 ResNet-20: accuracy ≥ 90 % in ≤ 5 min on one GPU"):
        rows.append({"target": target, "measured": None, "limit": None, "unit": "", "direction": "",
                     "status": "not measured" if not gpu.get("available") else "see GPU section", "by": "",
                     "note": gpu_note})
    return rows
