"""The committed report: ``benchmarks.json`` (everything measured) and ``benchmarks.md`` (its tables)."""
from __future__ import annotations

import json
from pathlib import Path


def _n(v, digits=1, unit=""):
    if v is None:
        return "—"
    return f"{v:.{digits}f}{unit}"


def _ms(v):
    if v is None:
        return "—"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def _ratio(v):
    return "—" if v is None else f"{v:.3g}×"


def _grader_name(key: str) -> str:
    if key.startswith("cluster="):
        return f"ours --cluster local ({key[8:]} workers)"
    if key.startswith("unboxed="):
        return "ours --isolation none"
    return "plain nbgrader" if key == "nbgrader" else f"ours --{key.replace('=', ' ')}"


def _load_text(load: dict, cores: int) -> str:
    start, end = load.get("start"), load.get("end")
    if not start:
        return "Load average: not available on this OS."
    during = ", ".join(f"{v[0]}" for v in load.get("samples", {}).values() if v)
    text = (f"Load average (1/5/15 min) at the start {start[0]}/{start[1]}/{start[2]}, at the end "
            f"{end[0]}/{end[1]}/{end[2]}, on {cores} cores" + (f"; 1-minute load after each part of each round: "
                                                               f"{during}" if during else "") + ".")
    if load.get("high"):
        text += (" **The machine was busy** (other processes ran beside the benchmark): absolute times are "
                 "pessimistic; the ratios, measured side by side in each round, are less affected.")
    return text


def markdown(r: dict) -> str:
    m, s = r["machine"], r["settings"]
    out = [
        "# Benchmarks", "",
        f"Written by `{r['command']}` (`./run.sh bench`); do not edit by hand, run it again. "
        f"Every notebook and grading time is the median of {s['rounds']} run(s), one per round (each round runs "
        "every notebook and the whole grading comparison, in a different order each round); every ratio is "
        "taken within one round, both sides one after the other, then the median over the rounds, so a noisy "
        "machine cannot fake it." + (f" Of {s['repeats']} rounds asked for, {s['skipped']}." if s.get("skipped")
                                     else ""), "",
        "## Machine", "",
        "| CPU | cores | memory | GPU | torch (threads) | Python | OS | date |",
        "|---|---|---|---|---|---|---|---|",
        f"| {m['cpu']} | {m['cores']} | {m['memory_gib']} GiB | {m['gpu'] or 'none'} | {m['torch']} "
        f"({m['torch_threads']}) | {m['python']} | {m['os']} | {m['date']} |", "",
        _load_text(r["load"], m["cores"]) + f" The benchmark took {r['duration_s'] / 60:.1f} min.", "",
        "## Targets", "",
        "| target | measured | target | status |", "|---|---|---|---|",
    ]
    for t in r["targets"]:
        measured = "—" if t["measured"] is None else f"{t['measured']:g}{t['unit']}"
        sign = {"<=": "≤", ">=": "≥"}.get(t["direction"], "")
        limit = "" if t["limit"] is None else f"{sign} {t['limit']:g}{t['unit']}"
        status = t["status"] + (f": by {t['by']}" if t["by"] else "")
        note = f" ({t['note']})" if t["note"] and t["status"] != "met" else ""
        out.append(f"| {t['target']} | {measured} | {limit} | {status}{note} |")

    out += ["", "## 1. Notebooks, quick profile, CPU", "",
            "Each source notebook (solutions and hidden tests included) executed top to bottom by nbclient in a "
            "fresh kernel, kernel start included, with `CNN_COURSE_PROFILE=quick CNN_COURSE_DEVICE=cpu`. "
            "The full profile runs only where a GPU is present (section 5).", "",
            "| assignment | median | runs (s) | slowest cells | notes |", "|---|---|---|---|---|"]
    for nb in r["notebooks"]:
        slow = "; ".join(f"{c['seconds']:.1f} s `{c['first_line'].replace('|', '/')}`" for c in nb["slowest_cells"])
        out.append(f"| {nb['assignment']} | {_n(nb['plain_median_s'])} s | "
                   f"{', '.join(_n(v) for v in nb['plain_runs_s'])} | {slow} | {'; '.join(nb['notes']) or ''} |")
    if not r["notebooks"]:
        out.append("| (none) | | | | |")

    g = r["grading"]
    out += ["", "## 2. Grading a class", ""]
    if g.get("rows"):
        n = len(g["submissions"])
        out += [f"The {n} bundled example submissions of `{g['assignment']}` that plain nbgrader can grade "
                f"({', '.join(g['submissions'])}), graded by our grader (`{g['commands']['ours']}`) and by plain "
                f"`{g['commands']['nbgrader']}` (serial, as nbgrader's command runs it), each in its own scratch "
                "copy of the course after `nbgrader generate_assignment`; process start and gradebook writes "
                "included on both sides.", ""]
        if g["excluded"]:
            out += ["Left out of the comparison:", ""] + [f"- `{k}`: {v}" for k, v in g["excluded"].items()] + [""]
        out += ["| grader | whole class (median) | per submission | submissions / min | speed-up vs nbgrader "
                "| runs (s) |", "|---|---|---|---|---|---|"]
        for row in g["rows"]:
            problem = f" ({row['problem']})" if row["problem"] else ""
            out.append(f"| {row['grader']}{problem} | {row['median_s']:.1f} s | "
                       f"{row['seconds_per_submission']:.1f} s | "
                       f"{row['submissions_per_minute']:.1f} | {row['speedup_vs_nbgrader']:.2f}× | "
                       f"{', '.join(f'{v:.1f}' for v in row['runs_s'])} |")
        keys = list(g["scores"])
        if keys:
            out += ["", f"Scores given (out of {g.get('max_score', 0):g}), the same students:", "",
                    "| student | " + " | ".join(_grader_name(k) for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]
            for student in g["submissions"]:
                out.append(f"| {student} | " + " | ".join(_n(g["scores"][k].get(student), 1) for k in keys) + " |")
    else:
        out.append("Not measured: " + "; ".join(g.get("notes", [])))

    out += ["", "## 3. Grader overhead", "",
            "Grading a notebook (the source notebook graded as a submission, in-process, `--jobs 1`: rebuild "
            "from source, the guard around each test, the memory watchdog) against executing the same notebook "
            "plainly, measured in the same rounds.", "",
            "| assignment | plain execution | graded | overhead | score |", "|---|---|---|---|---|"]
    for nb in r["notebooks"]:
        score = "—" if nb["score"] is None else f"{nb['score']:g} / {nb['max_score']:g}"
        out.append(f"| {nb['assignment']} | {_n(nb['plain_median_s'])} s | {_n(nb['graded_median_s'])} s | "
                   f"{_n(nb['overhead'], 2, '×')} | {score} |")

    threads = m["torch_threads"]
    out += ["", "## 4. Reference operators vs PyTorch, CPU", "",
            "The reference solutions are read from the exercise cells of the source notebooks and executed with "
            "the notebook's imports and helpers (never copied into `benchmarks/`). Time per call after a warm-up, "
            f"float32, `torch.no_grad()`, with {threads} threads (all this machine has: what a student gets; the "
            "targets use it) and with one thread (a busy machine disturbs it least).", "",
            f"| reference | PyTorch | shape | inputs | reference (ms) | PyTorch (ms) | ratio, {threads} threads | "
            "ratio, 1 thread | max abs diff | note |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["reference"]:
        single = row.get("single_thread") or {}
        diff = "—" if row["max_abs_diff"] is None else f"{row['max_abs_diff']:.1g}"
        out.append(f"| `{row['function']}` ({row['assignment']}) | `{row['pytorch']}` | {row['shape']} | "
                   f"{row['inputs']} | "
                   f"{_ms(row['reference_ms'])} | {_ms(row['pytorch_ms'])} | {_ratio(row['ratio'])} | "
                   f"{_ratio(single.get('ratio'))} | {diff} | {row['note'] or ''} |")

    gpu = r["gpu"]
    out += ["", "## 5. GPU: full profile", ""]
    if not gpu.get("available"):
        out.append(f"{gpu['note'][0].upper()}{gpu['note'][1:]}: the full-profile notebooks and training runs were "
                   "not measured. "
                   "Run `./run.sh bench` on a GPU machine to fill this section.")
    else:
        out += [f"On {gpu['device']}, each source notebook once, `CNN_COURSE_PROFILE=full CNN_COURSE_DEVICE=cuda`.", "",
                "| assignment | time | final metrics printed | notes |", "|---|---|---|---|"]
        for run in gpu["runs"]:
            notes = "; ".join(filter(None, [run["failure"]] + run["errors"]))
            metrics = "<br>".join(run["printed_metrics"])
            out.append(f"| {run['assignment']} | {_n(run['seconds'])} s | {metrics} | {notes} |")
    out += class_section(r.get("class"))
    out += kernel_section(r.get("kernels"))
    out += ["", "## Running it", "",
            "`./run.sh bench` (or `python -m benchmarks`) writes this file and `benchmarks.json`. Options: "
            "`--repeats N` (runs per measurement, default 3), `--jobs 1,2,4` (our grader's levels; default 1, 2 "
            "and doubling up to the cores), `--assignments A ...`, `--with-tests` (also time the whole test "
            "command: minutes), `--test-seconds S` (a test-command time measured elsewhere), `--out DIR`, "
            "`--quick` (smallest settings: a smoke run, not a measurement), `--class N` (section 6: a generated class of N "
            "submissions, about a minute each on 2 cores), `--class-only` (section 6 alone, the other sections kept). On a busy machine (load average "
            "above half the cores at the start, said at the top) run it again later."]
    return "\n".join(out) + "\n"


def kernel_section(k: dict | None) -> list[str]:
    out = ["", "## 7. A kernel's start-up and imports", ""]
    if not k:
        return out + ["Not measured in this run."]
    out += ["Each sample: a fresh sandbox and kernel, started as the grader starts one; seconds until it answers, then "
            "each import in turn in that kernel (each counts only what the earlier ones had not loaded). Median of "
            f"{k['rows'][0].get('runs', '—')} kernels per level. This is what a warm pool of pre-started kernels could "
            "take off each submission, and what a proof session pays once.", "",
            "| sandbox | ready | " + " | ".join(f"`{name}`" for name in k["imports"]) + " | total |",
            "|---|---|" + "---|" * len(k["imports"]) + "---|"]
    for row in k["rows"]:
        if "unavailable" in row:
            out.append(f"| {row['level']} | not available here: {row['unavailable']} |" + " |" * (len(k["imports"]) + 1))
            continue
        steps = row["seconds"]
        out.append(f"| {row['level']} | {_n(steps['ready'], 2)} s | " +
                   " | ".join(f"{_n(steps[name], 2)} s" for name in k["imports"]) + f" | {_n(row['total'], 2)} s |")
    return out


def class_section(c: dict | None) -> list[str]:
    """Section 6: the generated class across every assignment, and the projection to a course of 300."""
    out = ["", "## 6. A generated class across every assignment", ""]
    if not c:
        return out + ["Not measured in this run: `./run.sh bench --class 42` (or `--class 42 --class-only`, which "
                      "keeps sections 1-5) grades a generated class with every grader."]
    names = {"nbgrader": "plain `nbgrader autograde` (serial)", "jobs=1": "ours `--jobs 1`", "jobs=2": "ours `--jobs 2`",
             "dask=2": "ours `--cluster tcp://…` (Dask, 2 one-thread workers)"}
    load = c["load"]
    out += [f"{c['size']} submissions ({c['date']}, {c['duration_s'] / 60:.0f} min, load average "
            f"{load['start'] and load['start'][0]} at the start), spread over the {len(c['counts'])} assignments "
            f"({', '.join(f'{a}: {n}' for a, n in c['counts'].items())}), each of one kind in turn: "
            f"{', '.join(c['kinds'])} (`benchmarks/classroom.py` says what each holds). Quick profile on the CPU, "
            f"per-cell timeout {c['cell_timeout_s']} s for all (the looping kind costs that much everywhere). Plain "
            "nbgrader grades one assignment per command, serially; ours grades the whole class in one command "
            "(`--assignment` repeated: one pool of workers); the Dask cluster is started once, as an instructor's "
            "`dask scheduler` would be. The assignments' columns: nbgrader's wall time per command; for ours, the "
            "seconds its notebooks' gradings took (with two workers they overlap, so they add up to more than the "
            "wall time). One run: the whole comparison takes long.", "",
            "| grader | whole class | per submission | submissions / min | speed-up vs nbgrader | "
            + " | ".join(c["counts"]) + " |", "|---" * (5 + len(c["counts"])) + "|"]
    for row in c["rows"]:
        problems = f" ({'; '.join(row['problems'])})" if row["problems"] else ""
        out.append(f"| {names.get(row['key'], row['key'])}{problems} | {row['total_s']:.0f} s | "
                   f"{row['seconds_per_submission']:.1f} s | {row['submissions_per_minute']:.1f} | "
                   f"{row['speedup_vs_nbgrader']:.2f}× | " + " | ".join(f"{v:.0f} s" for v in row["per_assignment_s"].values())
                   + " |")
    same = "the same score for every student" if c["scores_equal"] else \
        f"DIFFERENT scores for {', '.join(c['scores_differ'])}"
    out += ["", f"Our three ways of grading gave {same}. Dask over the thread pool: {c['dask_over_jobs2']:g}×.", ""]
    p = c["projection"]
    out += [f"**Projected**: {p['students']} students × {p['assignments']} assignments, quick profile on CPU workers "
            f"like this machine's cores: {p['seconds_per_student_all_assignments']:g} s per student for all the "
            f"assignments at `--jobs 1` (this class's mix of kinds), divided among the workers at the parallel "
            f"efficiency measured with 2 ({p['efficiency_at_2']:.0%}), assumed to hold for more. The full profile "
            "(GPU training) is section 5's to measure.", "",
            "| workers | hours |", "|---|---|"] + [f"| {row['workers']} | {row['hours']:g} |" for row in p["rows"]]
    return out


def write(report: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "benchmarks.json", out_dir / "benchmarks.md"
    order = ["schema", "command", "machine", "settings", "load", "duration_s", "targets", "notebooks", "grading",
             "reference", "gpu", "class", "tests"]
    ordered = {k: report[k] for k in order if k in report} | {k: v for k, v in report.items() if k not in order}
    json_path.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(report))
    return md_path, json_path
