"""Lifecycle configuration scripts shipped with the platform (never downloaded at run time).

``on-start.sh`` embeds the idle auto-stop checker and the backup script; ``on-create.sh``
restores a backup into a new instance. Each rendered script must stay within SageMaker's
16,384-character limit and finish within 5 minutes (long work is scheduled or backgrounded).
"""

from __future__ import annotations

from pathlib import Path

from mlops_runtime.environment_types import get_type

MAX_SCRIPT_CHARS = 16384


def lifecycle_dir() -> Path:
    return get_type("sagemaker-notebook").folder / "lifecycle"


def _read(name: str) -> str:
    return (lifecycle_dir() / name).read_text()


def render_on_start(idle_minutes: int) -> str:
    """The OnStart script with the idle checker and backup script inlined."""
    if not 5 <= idle_minutes <= 24 * 60:
        raise ValueError(f"idle minutes must be between 5 and 1440, got {idle_minutes}")
    script = (_read("on-start.sh")
              .replace("__IDLE_MINUTES__", str(idle_minutes))
              .replace("__IDLE_PY__", _read("idle.py").rstrip("\n"))
              .replace("__BACKUP_SH__", _read("backup.sh").rstrip("\n")))
    return _checked("on-start.sh", script)


def render_on_create() -> str:
    return _checked("on-create.sh", _read("on-create.sh"))


def _checked(name: str, script: str) -> str:
    if len(script) > MAX_SCRIPT_CHARS:
        raise ValueError(f"{name} is {len(script)} characters; SageMaker allows {MAX_SCRIPT_CHARS}")
    return script
