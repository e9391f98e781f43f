#!/bin/bash
# OnCreate lifecycle script (mlops platform): restore a backup into a new instance (migration).
# Tags ebs-backup-bucket and backup-snapshot name the backup ("none": nothing to restore). A missing or incomplete snapshot
# is an error: the instance fails to create instead of reporting a sync that never happened.
set -euo pipefail
ARN=$(python3 -c 'import json; print(json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceArn"])')
tag() { aws sagemaker list-tags --resource-arn "$ARN" --query "Tags[?Key=='$1'].Value" --output text; }
BUCKET=$(tag ebs-backup-bucket)
SNAPSHOT=$(tag backup-snapshot)
if [ -z "$SNAPSHOT" ] || [ "$SNAPSHOT" = "None" ] || [ "$SNAPSHOT" = "none" ]; then
  echo "no backup-snapshot tag: new, empty notebook"; exit 0
fi
if ! aws s3api head-object --bucket "$BUCKET" --key "$SNAPSHOT/BACKUP_COMPLETE" > /dev/null 2>&1; then
  echo "snapshot s3://$BUCKET/$SNAPSHOT has no BACKUP_COMPLETE marker: refusing to sync" >&2
  exit 1
fi
# The copy can outlast the 5-minute limit: run it in the background; SYNC_COMPLETE only on success.
nohup bash -c "
  set -euo pipefail
  aws s3 sync 's3://$BUCKET/$SNAPSHOT/' /home/ec2-user/SageMaker/ --exclude BACKUP_COMPLETE --only-show-errors
  chown -R ec2-user:ec2-user /home/ec2-user/SageMaker
  touch /home/ec2-user/SageMaker/.SYNC_COMPLETE
" > /var/log/mlops-sync.log 2>&1 &
