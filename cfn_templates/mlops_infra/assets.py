"""The folders the CDK app packs as assets, found the same way in a checkout and in an installed wheel.

- The functions' code: the ``mlops_runtime`` package, whole, wherever it is installed.
- The seed repositories: ``seed_code/`` of the checkout, or the copy a wheel carries as package data of this package
  (``mlops_infra/seed_code``, written by the build).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import mlops_runtime

#: What never ships: caches and build leftovers.
IGNORED = ("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info", ".venv", "build", "dist")
#: The folder of the checkout this package sits in (``cfn_templates/mlops_infra`` → the repository).
CHECKOUT = Path(__file__).resolve().parents[2]


def seed_root(packaged: Path | None = None, checkout: Path | None = None) -> Path:
    """``seed_code/``: the wheel's copy when installed from one, else the checkout's."""
    packaged = packaged or Path(str(resources.files("mlops_infra") / "seed_code"))
    if packaged.is_dir():
        return packaged
    checkout = checkout or CHECKOUT / "seed_code"
    if not checkout.is_dir():
        raise FileNotFoundError(f"no seed repositories: neither {packaged} nor {checkout} exists")
    return checkout


@functools.cache
def runtime_code_root() -> Path:
    """The functions' code asset root for this process's ``mlops_runtime`` (found once: every function shares it)."""
    return stage_runtime(Path(mlops_runtime.__file__).resolve().parent, Path(tempfile.gettempdir()))


def stage_runtime(package: Path, staging: Path) -> Path:
    """A folder holding only the runtime ``package``.

    In a checkout that is ``stepfunctions/`` as it is (what else is there is excluded by the asset); installed, the
    package sits among every other distribution, so its files are staged once per content into ``staging``.
    """
    if package.parent.name == "stepfunctions":
        return package.parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and not _ignored(p.relative_to(package)))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    staged = staging / f"mlops-runtime-{digest.hexdigest()[:16]}"
    if not (staged / package.name).is_dir():
        work = Path(tempfile.mkdtemp(prefix="mlops-runtime-", dir=staging))
        shutil.copytree(package, work / package.name, ignore=shutil.ignore_patterns(*IGNORED))
        try:
            work.rename(staged)
        except OSError:  # another synthesis staged the same content first
            shutil.rmtree(work, ignore_errors=True)
    return staged


def _ignored(relative: Path) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in IGNORED)
