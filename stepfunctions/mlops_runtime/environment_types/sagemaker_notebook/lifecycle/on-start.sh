#!/bin/bash
# OnStart lifecycle script (mlops platform): idle auto-stop and scheduled EBS backup.
# Runs as root at every start; must finish within 5 minutes, so work is scheduled, not done here.
# Scheduled by systemd timers (Amazon Linux 2023 notebooks have no cron), by cron where systemd is absent.
set -euo pipefail

IDLE_MINUTES="__IDLE_MINUTES__"
ROOT="${MLOPS_ROOT:-}"  # tests install into a scratch folder
install -d -m 0755 "$ROOT/usr/local/mlops"

# 1. Idle auto-stop: terminals and kernels count as activity (checked every 5 minutes).
cat > "$ROOT/usr/local/mlops/idle.py" <<'PYTHON'
__IDLE_PY__
PYTHON
chmod 0755 "$ROOT/usr/local/mlops/idle.py"

# 2. EBS backup of /home/ec2-user/SageMaker to the bucket named by the instance's tag ebs-backup-bucket.
cat > "$ROOT/usr/local/mlops/backup.sh" <<'BACKUP'
__BACKUP_SH__
BACKUP
chmod 0755 "$ROOT/usr/local/mlops/backup.sh"

PYTHON_BIN=$(command -v python3)
IDLE_CMD="$PYTHON_BIN /usr/local/mlops/idle.py $IDLE_MINUTES"
if command -v systemctl >/dev/null 2>&1; then
  UNITS="$ROOT/etc/systemd/system"
  install -d -m 0755 "$UNITS"
  schedule() {  # schedule NAME CALENDAR COMMAND LOG
    printf '[Unit]\nDescription=mlops %s\n\n[Service]\nType=oneshot\nExecStart=/bin/bash -c "%s >> %s 2>&1"\n' "$1" "$3" "$4" > "$UNITS/mlops-$1.service"
    printf '[Unit]\nDescription=mlops %s schedule\n\n[Timer]\nOnCalendar=%s\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n' "$1" "$2" > "$UNITS/mlops-$1.timer"
  }
  schedule idle "*:0/5" "$IDLE_CMD" /var/log/mlops-idle.log
  schedule backup "*:17" /usr/local/mlops/backup.sh /var/log/mlops-backup.log
  systemctl daemon-reload
  systemctl enable --now mlops-idle.timer mlops-backup.timer
else
  install -d -m 0755 "$ROOT/etc/cron.d"
  cat > "$ROOT/etc/cron.d/mlops-notebook" <<CRON
*/5 * * * * root $IDLE_CMD >> /var/log/mlops-idle.log 2>&1
17 * * * * root /usr/local/mlops/backup.sh >> /var/log/mlops-backup.log 2>&1
CRON
  chmod 0644 "$ROOT/etc/cron.d/mlops-notebook"
fi
