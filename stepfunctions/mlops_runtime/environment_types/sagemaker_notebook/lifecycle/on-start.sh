#!/bin/bash
# OnStart lifecycle script (mlops platform): idle auto-stop and scheduled EBS backup.
# Runs as root at every start; must finish within 5 minutes, so work is scheduled, not done here.
set -euo pipefail

IDLE_MINUTES="__IDLE_MINUTES__"
install -d -m 0755 /usr/local/mlops

# 1. Idle auto-stop: terminals and kernels count as activity (checked every 5 minutes).
cat > /usr/local/mlops/idle.py <<'PYTHON'
__IDLE_PY__
PYTHON
chmod 0755 /usr/local/mlops/idle.py

# 2. EBS backup of /home/ec2-user/SageMaker to the bucket named by the instance's tag ebs-backup-bucket.
cat > /usr/local/mlops/backup.sh <<'BACKUP'
__BACKUP_SH__
BACKUP
chmod 0755 /usr/local/mlops/backup.sh

PYTHON_BIN=$(command -v python3)
cat > /etc/cron.d/mlops-notebook <<CRON
*/5 * * * * root $PYTHON_BIN /usr/local/mlops/idle.py $IDLE_MINUTES >> /var/log/mlops-idle.log 2>&1
17 * * * * root /usr/local/mlops/backup.sh >> /var/log/mlops-backup.log 2>&1
CRON
chmod 0644 /etc/cron.d/mlops-notebook
