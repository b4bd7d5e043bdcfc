"""One command for a GPU machine: the CUDA tests, both benchmarks on CUDA, and the smoke suite
at several ``--cells-per-gpu``, timed, into one JSON and a table.

    python benchmarks/device_check.py                      # JSON: $OUT/device_check.json, else ./device_check.json
    python benchmarks/device_check.py --json /tmp/check.json --budget-s 300
    python benchmarks/device_check.py --fashion-mnist .data/fashion-mnist   # the four .gz files, carried

Steps, in this order (each a subprocess of this interpreter, with the repository on
PYTHONPATH, given what is left of ``--budget-s``, default 450 s, so the whole stays under
8 minutes on an H100/H200; a step that no longer fits is ``skipped (time budget)``):

1. ``pytest -m gpu tests/gpu`` (bf16 training, CUDA RNG and exact resume, CUDA vs CPU
   evaluation, two cells on one GPU);
2. the smoke suite (``suites/smoke.yaml`` with ``--smoke-seeds`` seeds, 4 by default: 12
   cells; without its ``requires:``, which needs the package installed) into a temporary
   run directory, once per ``--cells-per-gpu`` (1, 4, 8), timed: wall time, cells per
   minute, each cell's training img/s;
3. ``benchmarks/bench_roofline.py --device cuda`` (training MACs/s of three subnets at batch
   256 against a 4096-square GEMM, fp32 and bf16: which precision ``auto`` should be there),
   ``benchmarks/bench_train_throughput.py --device cuda`` (2 epochs of 2560 images, OFA's
   pipeline with 0 workers) and ``benchmarks/bench_evaluate.py --device cuda`` (2 random
   subnets besides the smallest and largest); both need Fashion-MNIST and OFA's ``ofa``
   package and are skipped, with the reason, without them; and
   ``benchmarks/bench_stand_alone.py --device cuda`` (a stand-alone reference eager against
   ``torch.compile``, 4 epochs of 10000 images; Fashion-MNIST only);
4. a quick CPU sanity subset (``tests/run/test_cells_per_gpu.py``, ``tests/run/test_run_units.py``).

Without a CUDA device it says so, runs the CPU parts (the sanity tests; the gpu tests,
which skip; the smoke suite with one seed at ``--cells-per-gpu 1`` on the CPU, and
``--cells-per-gpu 4``/``8``, which must be refused with exit code 4) and exits 0 when they
pass: the script is safe to run anywhere.  Exit code 1 when any step failed or timed out.
The wheels a GPU image may lack and how to carry them: benchmarks/device_wheels.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's nasbench_rss, also where the package is not installed
FASHION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
NO_CUDA_REFUSAL = "needs a CUDA device"


class Budget:
    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.total - self.elapsed()


def tail(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


def run_step(
    results: list[dict[str, Any]],
    budget: Budget,
    name: str,
    command: list[str],
    cap: float,
    env: dict[str, str],
    parse: Callable[[str, dict[str, Any]], None] | None = None,
    expect: Callable[[int, str], bool] | None = None,
    minimum: float = 20,
) -> dict[str, Any]:
    """Run ``command`` for at most ``cap`` s (less when the budget is nearly spent); record and print it."""
    record: dict[str, Any] = {"name": name, "command": shlex.join(command)}
    timeout = min(cap, budget.left() - 5)
    if timeout < minimum:
        record.update(status="skipped", detail=f"time budget ({budget.left():.0f} s left of {budget.total:.0f})", seconds=0.0)
        return _note(results, budget, record)
    started = time.perf_counter()
    # Its own process group, so that a timeout also ends the workers a run forks (they hold the GPU).
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        output, code = stdout + stderr, process.returncode
        ok = expect(code, output) if expect else code == 0
        record.update(status="ok" if ok else "failed", returncode=code)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        output = (stdout or "") + (stderr or "")
        record.update(status="timeout", detail=f"stopped after {timeout:.0f} s")
    record["seconds"] = round(time.perf_counter() - started, 2)
    record["output_tail"] = tail(output)
    if parse is not None:
        try:
            parse(output, record)
        except Exception as error:  # a figure that could not be read is not a failed step
            record["parse_error"] = f"{type(error).__name__}: {error}"
    return _note(results, budget, record)


def _note(results: list[dict[str, Any]], budget: Budget, record: dict[str, Any]) -> dict[str, Any]:
    results.append(record)
    figures = record.get("summary", record.get("detail", ""))
    print(f"[{budget.elapsed():5.0f} s] {record['name']}: {record['status']} ({record['seconds']:.1f} s) {figures}", flush=True)
    if record["status"] in ("failed", "timeout"):
        print("    " + "\n    ".join(record.get("output_tail", "").splitlines()[-25:]), flush=True)
    return record


def parse_pytest(output: str, record: dict[str, Any]) -> None:
    last = [line for line in output.splitlines() if re.search(r"\b(passed|failed|skipped|error|deselected)\b", line)]
    if last:
        line = last[-1].strip("= ")
        record["summary"] = line
        record["counts"] = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", line)}


def parse_throughput(output: str, record: dict[str, Any]) -> None:
    match = re.search(r"ours (\d+) img/s, OFA best (\d+) img/s: ratio ([\d.]+)", output)
    if match:
        record.update(ours_images_per_second=int(match[1]), ofa_images_per_second=int(match[2]), ratio=float(match[3]))
    share = re.search(r"augmentation.*?: ([\d.]+)% of epoch time", output)
    if share:
        record["data_share_percent"] = float(share[1])
    env = re.search(r"RSS epochs on (.*)", output)
    if env:
        record["on"] = env[1].strip()
    if match:
        record["summary"] = f"ours {match[1]} img/s, OFA {match[2]} img/s, ratio {match[3]}" + (f", data {share[1]}%" if share else "")


def parse_roofline(output: str, record: dict[str, Any]) -> None:
    """bench_roofline.py's ceilings and, per subnet, training GMAC/s in fp32, its share of the fp32 GEMM and bf16's speed-up."""
    gemm = re.search(r"GEMM bf16 / fp32: ([\d.]+)x", output)
    ceilings = dict(re.findall(r"^(GEMM fp32|GEMM bf16)\s+([\d.]+)$", output, re.MULTILINE))
    rows = re.findall(r"^(smallest|middle|largest)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)%\s+([\d.]+)\s+([\d.]+)x$", output, re.MULTILINE)
    record["ceilings_gmacs"] = {name: float(value) for name, value in ceilings.items()}
    record["subnets"] = {
        name: {"fp32_ms": float(ms), "fp32_gmacs": float(rate), "of_gemm_percent": float(share), "bf16_ms": float(bf16_ms), "bf16_speedup": float(speedup)}
        for name, ms, rate, share, bf16_ms, speedup in rows
    }
    if gemm and rows:
        record["gemm_bf16_over_fp32"] = float(gemm[1])
        shares = [float(r[3]) for r in rows]
        speedups = [float(r[5]) for r in rows]
        record["summary"] = (
            f"steps at {min(shares):.0f}-{max(shares):.0f}% of the fp32 GEMM; bf16 steps {min(speedups):.2f}-{max(speedups):.2f}x, "
            f"bf16 GEMM {float(gemm[1]):.2f}x"
        )


def parse_evaluate(output: str, record: dict[str, Any]) -> None:
    totals = {}
    for part, ours, ofa, ratio in re.findall(r"total (recalibration \+ test|recalibration|test pass): ours ([\d.]+) s, OFA ([\d.]+) s, ratio .*? ([\d.]+)x", output):
        totals[part] = {"ours_s": float(ours), "ofa_s": float(ofa), "ratio": float(ratio)}
    record["totals"] = totals
    agreement = re.search(r"max \|accuracy difference\| ([\d.]+) .*max \|loss difference\| ([\d.e+-]+)", output)
    if agreement:
        record.update(max_accuracy_difference=float(agreement[1]), max_loss_difference=float(agreement[2]))
    whole = totals.get("recalibration + test")
    if whole:
        record["summary"] = f"ours {whole['ours_s']:.2f} s, OFA {whole['ofa_s']:.2f} s, ratio {whole['ratio']:.2f}x"


def parse_stand_alone(output: str, record: dict[str, Any]) -> None:
    ratios = dict(re.findall(r"^(\w+) / eager: later epochs ([\d.]+)x", output, re.MULTILINE))
    wholes = dict(re.findall(r"^(\w+) / eager: .* whole run ([\d.]+)x", output, re.MULTILINE))
    record["ratios"] = {name: {"later_epochs": float(ratios[name]), "whole_run": float(wholes.get(name, "nan"))} for name in ratios}
    if "compiled" in ratios:
        record["summary"] = f"compiled / eager: later epochs {ratios['compiled']}x, whole run {wholes.get('compiled')}x"


def smoke_suite(directory: Path, seeds: int) -> Path:
    """suites/smoke.yaml with ``seeds`` seeds and no ``requires:`` (which needs the package installed)."""
    import yaml

    document = yaml.safe_load((ROOT / "suites" / "smoke.yaml").read_text())
    document["seeds"] = list(range(seeds))
    document.pop("requires", None)
    path = directory / "smoke.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def read_smoke(run_dir: Path, record: dict[str, Any]) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    invocation = manifest["invocations"][-1]
    results = [json.loads(p.read_text()) for p in sorted(run_dir.glob("cells/*/*/*/*/result.json"))]
    cells = invocation.get("cells", {})
    record.update(
        run_status=invocation.get("status"), jobs=invocation.get("jobs"), cells=cells,
        cell_images_per_second=[round(r["images_per_second"], 1) for r in results],
        cell_train_seconds=[round(r["train_seconds"], 2) for r in results],
    )  # fmt: skip
    complete = cells.get("complete", 0)
    if record.get("seconds"):
        record["cells_per_minute"] = round(60 * complete / record["seconds"], 2)
    mean_rate = sum(record["cell_images_per_second"]) / len(results) if results else 0
    record["summary"] = (
        f"{complete} cells complete, {record.get('cells_per_minute', 0)} cells/min, jobs {record['jobs']}, "
        f"mean cell training {mean_rate:.0f} img/s"
    )


def fashion_mnist_ready(source: Path | None, scratch: Path, env: dict[str, str]) -> str | None:
    """None when the benchmarks can read Fashion-MNIST (from ``source``'s .gz files if given), else why not."""
    if source is not None:
        raw = scratch / "data" / "FashionMNIST" / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        for name in FASHION_FILES:
            packed = source / f"{name}.gz"
            if not packed.is_file():
                return f"--fashion-mnist {source}: {packed.name} is missing"
            with gzip.open(packed) as reader, open(raw / name, "wb") as writer:
                shutil.copyfileobj(reader, writer)
        env["NASBENCH_RSS_DATA"] = str(scratch / "data")
        os.environ["NASBENCH_RSS_DATA"] = env["NASBENCH_RSS_DATA"]
    from nasbench_rss.data.torchvision_files import files_problem

    problem = files_problem("fashion-mnist")
    return None if problem is None else " ".join(problem.split())[:300]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    default_json = Path(os.environ["OUT"]) / "device_check.json" if os.environ.get("OUT") else Path("device_check.json")
    parser.add_argument("--json", type=Path, default=default_json, help=f"where the JSON goes (default {default_json})")
    parser.add_argument("--budget-s", type=float, default=450, help="seconds for everything (default 450: under 8 minutes)")
    parser.add_argument("--smoke-seeds", type=int, default=None, help="seeds of the smoke suite, 3 cells each (default 4 on CUDA, 1 on the CPU)")
    parser.add_argument("--cells-per-gpu", type=int, nargs="+", default=[1, 4, 8], help="values to time the smoke suite at (default 1 4 8)")
    parser.add_argument("--fashion-mnist", type=Path, help="folder with the four Fashion-MNIST .gz files (default: Debian's package, or $NASBENCH_RSS_DATA)")
    parser.add_argument("--skip-benchmarks", action="store_true", help="leave out the two benchmarks")
    parser.add_argument("--keep", action="store_true", help="keep the temporary run directories (their path is in the JSON)")
    args = parser.parse_args()
    budget = Budget(args.budget_s)

    import torch

    cuda = torch.cuda.is_available()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    scratch = Path(tempfile.mkdtemp(prefix="device-check-"))
    missing = [name for name in ("pydantic", "thop", "yaml", "tabulate", "scipy", "pluggy", "matplotlib", "numpy") if importlib.util.find_spec(name) is None]
    report: dict[str, Any] = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cuda_available": cuda,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else [],
        "cpu_count": os.cpu_count(),
        "budget_s": args.budget_s,
        "scratch": str(scratch),
        "missing_modules": missing,
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain")),
        "steps": [],
    }
    steps: list[dict[str, Any]] = report["steps"]
    print(f"device check: torch {torch.__version__} (CUDA {torch.version.cuda}), Python {platform.python_version()}, {os.cpu_count()} CPUs")
    if cuda:
        print(f"CUDA devices: {', '.join(report['gpus'])}")
    else:
        print("no CUDA device is present (torch.cuda.is_available() is False): the GPU parts are skipped, the CPU parts run")
    if missing:
        print(f"missing Python modules: {', '.join(missing)}; carry them as wheels, see benchmarks/device_wheels.txt")
        report["exit_code"] = 1
        _write(report, args.json)
        return 1

    python = sys.executable
    pytest = [python, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"]
    # 1. the CUDA tests (skipped, and reported so, without CUDA)
    run_step(steps, budget, "pytest -m gpu", [*pytest, "-m", "gpu", "tests/gpu"], 180, env, parse_pytest)

    # 2. the smoke suite at each --cells-per-gpu
    seeds = args.smoke_seeds or (4 if cuda else 1)
    suite = smoke_suite(scratch, seeds)
    report["smoke"] = {"seeds": seeds, "cells": 3 * seeds}
    for k in args.cells_per_gpu:
        out = scratch / f"smoke-k{k}"
        command = [python, "-m", "nasbench_rss.cli", "run", str(suite), "--out", str(out), "--plain", "--cells-per-gpu", str(k)]
        name = f"smoke --cells-per-gpu {k}"
        if cuda or k == 1:
            record = run_step(steps, budget, name, command, 150, env, minimum=30)
            if (out / "manifest.json").exists():
                try:
                    read_smoke(out, record)
                except (OSError, ValueError, KeyError) as error:
                    record["parse_error"] = f"{type(error).__name__}: {error}"
                print(f"    {record.get('summary', '')}")
        else:  # without CUDA, K > 1 must be refused before anything runs (exit code 4)
            record = run_step(
                steps, budget, f"{name} (refused without CUDA)", command, 60, env,
                expect=lambda code, output: code == 4 and NO_CUDA_REFUSAL in output and not out.exists(), minimum=10,
            )  # fmt: skip
            record["summary"] = "refused, exit 4, nothing written" if record["status"] == "ok" else "NOT refused as it should be"
            said = [line for line in record.get("output_tail", "").splitlines() if NO_CUDA_REFUSAL in line]
            print(f"    {said[-1] if said else record.get('output_tail', '').strip()[-300:]}")

    # 3. the benchmarks on CUDA
    if args.skip_benchmarks or not cuda:
        why = "--skip-benchmarks" if args.skip_benchmarks else "no CUDA device (the README's CPU figures come from full runs)"
        for name in ("bench_roofline", "bench_train_throughput", "bench_evaluate", "bench_stand_alone"):
            _note(steps, budget, {"name": name, "status": "skipped", "detail": why, "seconds": 0.0})
    else:
        run_step(
            steps, budget, "bench_roofline",
            [python, "benchmarks/bench_roofline.py", "--device", "cuda", "--batch", "256", "--steps", "20", "--gemm", "4096"],
            90, env, parse_roofline, minimum=30,
        )  # fmt: skip
        data_problem = problem = fashion_mnist_ready(args.fashion_mnist, scratch, env)
        if problem is None and importlib.util.find_spec("ofa") is None:
            problem = "OFA's `ofa` package is not installed (carry its wheel, see benchmarks/device_wheels.txt)"
        if problem:
            for name in ("bench_train_throughput", "bench_evaluate"):
                _note(steps, budget, {"name": name, "status": "skipped", "detail": problem, "seconds": 0.0})
        else:
            run_step(
                steps, budget, "bench_train_throughput",
                [python, "benchmarks/bench_train_throughput.py", "--device", "cuda", "--epochs", "2", "--train-subset", "2560", "--workers", "0"],
                120, env, parse_throughput, minimum=40,
            )  # fmt: skip
            run_step(
                steps, budget, "bench_evaluate",
                [python, "benchmarks/bench_evaluate.py", "--device", "cuda", "--subnets", "2", "--threads", "4"],
                120, env, parse_evaluate, minimum=40,
            )  # fmt: skip
        if data_problem:
            _note(steps, budget, {"name": "bench_stand_alone", "status": "skipped", "detail": data_problem, "seconds": 0.0})
        else:
            run_step(
                steps, budget, "bench_stand_alone",
                [python, "benchmarks/bench_stand_alone.py", "--device", "cuda", "--epochs", "4", "--train-images", "10000", "--threads", "4"],
                150, env, parse_stand_alone, minimum=60,
            )  # fmt: skip

    # 4. CPU sanity
    run_step(steps, budget, "pytest CPU sanity", [*pytest, "-m", "not gpu", "tests/run/test_cells_per_gpu.py", "tests/run/test_run_units.py"], 90, env, parse_pytest)

    bad = [s["name"] for s in steps if s["status"] in ("failed", "timeout")]
    report["seconds"] = round(budget.elapsed(), 1)
    report["exit_code"] = 1 if bad else 0
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
        report["scratch"] = None
    _write(report, args.json)
    _table(steps)
    verdict = f"FAILED: {', '.join(bad)}" if bad else "all steps passed or were skipped"
    print(f"\n{verdict}; {report['seconds']:.0f} s in all; JSON: {args.json}")
    if not cuda:
        print("no CUDA device was present: only the CPU parts ran (exit code 0 when they passed)")
    return report["exit_code"]


def _table(steps: list[dict[str, Any]]) -> None:
    from tabulate import tabulate

    rows = [[s["name"], s["status"], f"{s['seconds']:.1f}", s.get("summary", s.get("detail", ""))[:110]] for s in steps]
    print()
    print(tabulate(rows, headers=["step", "status", "seconds", "figures"]))


def _write(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def _git(*words: str) -> str | None:
    try:
        done = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


if __name__ == "__main__":
    sys.exit(main())
