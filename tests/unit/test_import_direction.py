"""Dependencies between the platform's packages point one way: operator → CDK app → runtime contracts.

Read from the source (every ``import``, at any depth, lazy ones included), so a cycle cannot hide in a function body.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "mlops_runtime": ROOT / "stepfunctions" / "mlops_runtime",
    "mlops_infra": ROOT / "cfn_templates" / "mlops_infra",
    "mlops_platform": ROOT / "mlops_platform",
    "embedded_aws": ROOT / "embedded_aws",
    "pipelines": ROOT / "pipelines",
}
#: package → the platform packages it may import (besides itself)
ALLOWED = {
    "mlops_runtime": set(),
    "mlops_infra": {"mlops_runtime"},
    "pipelines": set(),
    "embedded_aws": set(),
    "mlops_platform": {"mlops_runtime", "mlops_infra", "pipelines", "embedded_aws"},
}


def imported_packages(folder: Path, root: Path = ROOT) -> dict[str, set[str]]:
    """Platform package → the modules of ``folder`` importing it (paths relative to ``root``)."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top in PACKAGES:
                    found.setdefault(top, set()).add(str(path.relative_to(root)))
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_imports_only_what_it_may(package: str) -> None:
    imports = imported_packages(PACKAGES[package])
    forbidden = {name: sorted(modules) for name, modules in imports.items() if name != package and name not in ALLOWED[package]}
    assert forbidden == {}, f"{package} must not import these packages (importing modules listed)"


def test_the_allowed_graph_has_no_cycle() -> None:
    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})) for nxt in ALLOWED[start])

    assert [name for name in ALLOWED if reaches(name, name)] == []


def test_the_checker_sees_lazy_imports_and_ignores_relative_and_foreign_ones(tmp_path: Path) -> None:
    (tmp_path / "lazy.py").write_text("import boto3\nfrom . import sibling\n\n\ndef f():\n"
                                      "    from mlops_platform.cli import main\n    import mlops_infra.synth\n")
    assert imported_packages(tmp_path, root=tmp_path) == {"mlops_platform": {"lazy.py"}, "mlops_infra": {"lazy.py"}}


def test_the_function_asset_needs_only_what_lambda_provides() -> None:
    # the runtime package ships whole as the functions' code: Lambda's Python gives boto3, the Powertools layer gives
    # aws_lambda_powertools, the PyJWT layer gives jwt; anything else would fail at import on AWS
    import sys

    provided = set(sys.stdlib_module_names) | {"boto3", "botocore", "aws_lambda_powertools", "jwt", "mlops_runtime"}
    third_party = set()
    for path in PACKAGES["mlops_runtime"].rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                third_party |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                third_party.add(node.module.split(".")[0])
    assert sorted(third_party - provided) == []
