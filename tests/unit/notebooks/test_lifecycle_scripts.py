"""Lifecycle configuration scripts: within SageMaker's limits, valid shell, correct idle logic."""

from __future__ import annotations

import datetime
import importlib.util
import subprocess
from pathlib import Path

import pytest

from mlops_runtime.notebooks.lifecycle import MAX_SCRIPT_CHARS, lifecycle_dir, render_on_create, render_on_start

spec = importlib.util.spec_from_file_location("idle", lifecycle_dir() / "idle.py")
idle = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(idle)  # type: ignore[union-attr]

NOW = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.timezone.utc)
STARTED = NOW - datetime.timedelta(hours=3)


def _ago(minutes: int) -> str:
    return (NOW - datetime.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(("kernels", "terminals", "expected"), [
    ([], [], True),
    ([{"execution_state": "busy", "last_activity": _ago(500)}], [], False),
    ([{"execution_state": "idle", "last_activity": _ago(10)}], [], False),
    ([{"execution_state": "idle", "last_activity": _ago(90)}], [], True),
    ([], [{"name": "1", "last_activity": _ago(5)}], False),
    ([{"execution_state": "idle", "last_activity": _ago(90)}], [{"name": "1", "last_activity": _ago(61)}], True),
], ids=["nothing-open", "busy-kernel", "recent-kernel", "old-kernel", "recent-terminal", "all-old"])
def test_idle_logic_counts_kernels_and_terminals(kernels: list, terminals: list, expected: bool) -> None:
    assert idle.is_idle(kernels, terminals, STARTED, NOW, 60) is expected


def test_fresh_instance_is_not_idle_before_the_threshold() -> None:
    assert idle.is_idle([], [], NOW - datetime.timedelta(minutes=30), NOW, 60) is False


@pytest.mark.parametrize("script", [render_on_start(60), render_on_create()], ids=["on-start", "on-create"])
def test_scripts_are_valid_bash_within_the_size_limit(script: str, tmp_path: Path) -> None:
    assert len(script) <= MAX_SCRIPT_CHARS
    path = tmp_path / "script.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True).returncode == 0
    assert "__" not in script.replace("__name__", "").replace("__main__", "").replace("__future__", "")


def test_on_start_inlines_the_checker_and_schedules_it() -> None:
    script = render_on_start(45)
    assert (lifecycle_dir() / "idle.py").read_text().rstrip("\n") in script
    assert "/usr/local/mlops/idle.py $IDLE_MINUTES" in script and 'IDLE_MINUTES="45"' in script
    assert "nohup" not in script  # nothing long runs inside the 5-minute window


def test_sync_refuses_a_snapshot_without_completion_marker() -> None:
    script = render_on_create()
    assert 'head-object --bucket "$BUCKET" --key "$SNAPSHOT/BACKUP_COMPLETE"' in script
    marker_check = script.index("BACKUP_COMPLETE")
    assert "exit 1" in script[marker_check:marker_check + 200]
    assert script.index("aws s3 sync") < script.index("touch /home/ec2-user/SageMaker/.SYNC_COMPLETE")


def test_idle_minutes_are_bounded() -> None:
    with pytest.raises(ValueError, match="between 5 and 1440"):
        render_on_start(2)


def _tools(tmp_path: Path, with_systemd: bool) -> str:
    """A PATH holding only what the script may use, and (optionally) a systemctl that records its calls."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("python3", "install", "chmod", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    if with_systemd:
        (bin_dir / "systemctl").write_text(f'#!/bin/bash\necho "$@" >> {tmp_path}/systemctl.calls\n')
        (bin_dir / "systemctl").chmod(0o755)
    return str(bin_dir)


def _run_on_start(tmp_path: Path, with_systemd: bool) -> Path:
    import os

    root = tmp_path / "root"
    script = tmp_path / "on-start.sh"
    script.write_text(render_on_start(45))
    result = subprocess.run(["/bin/bash", str(script)], capture_output=True, text=True,
                            env={"PATH": _tools(tmp_path, with_systemd), "MLOPS_ROOT": str(root), "HOME": os.environ.get("HOME", "/root")})
    assert result.returncode == 0, result.stderr
    assert (root / "usr/local/mlops/idle.py").read_text().rstrip("\n") == (lifecycle_dir() / "idle.py").read_text().rstrip("\n")
    return root


def test_on_start_schedules_with_systemd_timers_where_there_is_no_cron(tmp_path: Path) -> None:
    root = _run_on_start(tmp_path, with_systemd=True)
    units = root / "etc/systemd/system"
    assert sorted(p.name for p in units.iterdir()) == ["mlops-backup.service", "mlops-backup.timer", "mlops-idle.service", "mlops-idle.timer"]
    assert "OnCalendar=*:0/5\n" in (units / "mlops-idle.timer").read_text()
    assert "OnCalendar=*:17\n" in (units / "mlops-backup.timer").read_text()
    assert "/usr/local/mlops/idle.py 45 >> /var/log/mlops-idle.log 2>&1" in (units / "mlops-idle.service").read_text()
    assert (tmp_path / "systemctl.calls").read_text().splitlines() == ["daemon-reload", "enable --now mlops-idle.timer mlops-backup.timer"]
    assert not (root / "etc/cron.d").exists()


def test_on_start_falls_back_to_cron_without_systemd(tmp_path: Path) -> None:
    root = _run_on_start(tmp_path, with_systemd=False)
    cron = (root / "etc/cron.d/mlops-notebook").read_text().splitlines()
    assert cron[0].startswith("*/5 * * * * root ") and cron[0].endswith("/usr/local/mlops/idle.py 45 >> /var/log/mlops-idle.log 2>&1")
    assert cron[1] == "17 * * * * root /usr/local/mlops/backup.sh >> /var/log/mlops-backup.log 2>&1"
    assert not (root / "etc/systemd").exists()
