"""Every suite in suites/ validates, and each has the shape it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

import nasbench_rss.data.torchvision_files as tvfiles
from nasbench_rss.data.options import DATA_ROOT_ENV
from nasbench_rss.suite import load_suite

SUITES_DIR = Path(__file__).resolve().parents[2] / "suites"
CLAIMS_SUITE_FILES = sorted((SUITES_DIR / "claims").glob("*.yaml"))
SUITE_FILES = sorted(SUITES_DIR.glob("*.yaml")) + CLAIMS_SUITE_FILES


def test_the_suites_are_there():
    names = {path.stem for path in SUITE_FILES}
    assert names >= {
        "smoke", "quick", "paper", "paper-fmnist", "ablation-subnets-per-step", "ablation-selection", "ablation-hparams", "proxylessnas",
        "samplers",
    }


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda path: path.name)
def test_every_shipped_suite_validates(path):
    suite = load_suite(path)
    assert suite.name == (f"claims-{path.stem}" if path.parent.name == "claims" else path.stem)
    assert suite.source == path
    cells = suite.cells()
    assert cells and len({cell.id for cell in cells}) == len(cells)
    assert suite.baseline is None or suite.baseline in suite.runs
    assert suite.description


def test_the_claims_suites_are_there():
    assert {path.stem for path in CLAIMS_SUITE_FILES} == {
        "main", "subnets-per-step", "selection", "hparams", "proxylessnas", "interference", "samplers", "ranking", "converged",
    }  # fmt: skip


@pytest.mark.parametrize("path", CLAIMS_SUITE_FILES, ids=lambda path: path.name)
def test_a_claims_suite_runs_real_fashion_mnist_at_three_seeds_and_declares_its_claims(path):
    suite = load_suite(path)
    assert suite.seeds == [0, 1, 2] and {cell.dataset for cell in suite.cells()} == {"fashion-mnist"}
    assert suite.claims and all(claim["source"] for claim in suite.claims)
    assert "Time:" in path.read_text()  # the header says how its time was measured


@pytest.mark.parametrize(
    "name", ["paper", "paper-fmnist", "ablation-subnets-per-step", "ablation-selection", "ablation-hparams", "proxylessnas", "samplers"]
)
def test_every_full_scale_suite_declares_the_papers_claims(name):
    suite = load_suite(SUITES_DIR / f"{name}.yaml")
    assert suite.claims and all(claim["source"] for claim in suite.claims)


@pytest.fixture
def no_data(tmp_path, monkeypatch) -> Path:
    """An empty data root, and no Debian Fashion-MNIST: whatever data a suite needs is missing."""
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(tvfiles, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    return tmp_path / "data"


@pytest.mark.slow
@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda path: path.name)
def test_a_shipped_suites_only_data_problems_are_missing_files_that_placeholders_satisfy(path, no_data):
    suite = load_suite(path)
    datasets = {cell.dataset for cell in suite.cells()}
    problems = suite.data_problems()
    assert len(problems) == len(datasets - {"synthetic"})
    for name in datasets - {"synthetic"}:
        spec = tvfiles.SPECS[name]
        (problem,) = [p for p in problems if f": {name}: {spec.title} files not found" in p]
        assert problem.startswith(f"{path}:") and str(spec.path(no_data)) in problem
        for file_name in spec.files:  # empty files: the check looks for them, nothing reads them
            (spec.path(no_data) / file_name).parent.mkdir(parents=True, exist_ok=True)
            (spec.path(no_data) / file_name).write_bytes(b"")
    assert load_suite(path).data_problems() == []


def test_data_problems_are_those_of_the_cells_asked_about(no_data):
    suite = load_suite(SUITES_DIR / "paper.yaml")
    mnist = [cell for cell in suite.cells() if cell.dataset == "mnist"]
    (problem,) = suite.data_problems(mnist)
    assert ": matrix.dataset[0]: mnist: MNIST files not found" in problem
    assert suite.data_problems([]) == []
    assert len(suite.data_problems()) == 4


def test_validate_of_the_paper_suite_without_its_data_is_valid_and_require_data_refuses_it(no_data, capsys):
    """Validating on a laptop without CIFAR: exit 0 with a warning per missing dataset; --require-data: exit 4."""
    import io

    from nasbench_rss.cli import main
    from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_OK

    path = str(SUITES_DIR / "paper.yaml")
    assert main(["validate", path], out=io.StringIO()) == EXIT_OK
    warnings = [line for line in capsys.readouterr().err.splitlines() if ": warning: " in line]
    assert len(warnings) == 4 and all("files not found" in line for line in warnings)  # mnist, fashion-mnist, cifar10, cifar100
    assert main(["validate", path, "--require-data"], out=io.StringIO()) == EXIT_INVALID
    assert capsys.readouterr().err.splitlines()[-1] == f"nasbench-rss validate: {path}: 4 problems; nothing would run"


def cells_by_run(name: str) -> dict[tuple[str, str], int]:
    suite = load_suite(SUITES_DIR / f"{name}.yaml")
    return {(cell.dataset, cell.run): cell.config.epochs for cell in suite.cells() if cell.seed == suite.seeds[0]}


def test_paper_grid_has_table_1_epochs():
    suite = load_suite(SUITES_DIR / "paper.yaml")
    assert len(suite.cells()) == 4 * 3 * 3
    assert cells_by_run("paper") == {
        ("mnist", "ofa"): 37, ("mnist", "rss"): 37, ("mnist", "rss-short"): 10,
        ("fashion-mnist", "ofa"): 82, ("fashion-mnist", "rss"): 82, ("fashion-mnist", "rss-short"): 25,
        ("cifar10", "ofa"): 590, ("cifar10", "rss"): 590, ("cifar10", "rss-short"): 180,
        ("cifar100", "ofa"): 590, ("cifar100", "rss"): 590, ("cifar100", "rss-short"): 180,
    }
    train = suite.cells()[0].config.train
    assert (train.lr, train.lr_schedule, train.batch_size, train.momentum, train.weight_decay, train.dropout) == (0.01, "cosine", 64, 0.9, 3e-5, 0.1)


def test_smoke_is_synthetic_and_tiny():
    suite = load_suite(SUITES_DIR / "smoke.yaml")
    cells = suite.cells()
    assert {cell.config.dataset for cell in cells} == {"synthetic"}
    assert len(cells) <= 3 and suite.seeds == [0]
    assert all(cell.config.dataset_options["train_size"] <= 256 for cell in cells)
    assert sum(cell.config.epochs for cell in cells) <= 16


def test_quick_is_fashion_mnist_subset_with_ofa_rss_and_rss_short():
    suite = load_suite(SUITES_DIR / "quick.yaml")
    cells = suite.cells()
    assert [cell.run for cell in cells] == ["ofa", "rss", "rss-short"]
    assert {cell.config.dataset for cell in cells} == {"fashion-mnist"}
    assert suite.seeds == [0] and suite.baseline == "ofa"
    assert all(cell.config.train_subset is not None for cell in cells)
    epochs = {cell.run: cell.config.epochs for cell in cells}
    assert epochs["ofa"] == epochs["rss"] > epochs["rss-short"]


def test_a_smoke_cell_config_trains_as_planned(tmp_path):
    """A PlannedCell's config goes to train_cell unchanged (it resolves and checks the options again)."""
    from nasbench_rss.cell.directory import CONFIG_FILE
    from nasbench_rss.run.runner import RunnerEvents, train_cell

    suite = load_suite(SUITES_DIR / "smoke.yaml")
    cell = next(cell for cell in suite.cells() if cell.config.epochs == 1)
    result = train_cell(cell.config, tmp_path / cell.directory, device="cpu", events=RunnerEvents(quiet=True))
    assert result is not None and len(result["epoch_seconds"]) == 1
    import json

    recorded = json.loads((tmp_path / cell.directory / CONFIG_FILE).read_text())
    assert recorded == cell.config.model_dump(mode="json")


@pytest.mark.slow
def test_the_interference_suite_probes_every_cell_and_the_samplers_suite_has_every_builtin_of_the_field():
    interference = load_suite(SUITES_DIR / "claims" / "interference.yaml")
    for cell in interference.cells():
        ((name, options),) = cell.observers
        assert name == "interference" and options["every"] == 8
    assert all(claim["kind"] == "interference" for claim in interference.claims)
    field = {"sandwich", "strict-fair", "compound", "attentive", "bucket-balanced"}
    for name in ("samplers.yaml", "claims/samplers.yaml"):
        suite = load_suite(SUITES_DIR / name)
        assert {cell.config.sampler for cell in suite.cells()} >= field | {"rss", "progressive-shrinking"}
