#!/bin/bash
# Back up /home/ec2-user/SageMaker to s3://<ebs-backup-bucket>/<instance>_<timestamp>/ (mlops platform).
# The BACKUP_COMPLETE marker is written only after every file is uploaded; an event announces it.
set -euo pipefail
NAME=$(python3 -c 'import json; print(json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceName"])')
ARN=$(python3 -c 'import json; print(json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceArn"])')
BUCKET=$(aws sagemaker list-tags --resource-arn "$ARN" --query "Tags[?Key=='ebs-backup-bucket'].Value" --output text)
if [ -z "$BUCKET" ] || [ "$BUCKET" = "None" ] || [ "$BUCKET" = "none" ]; then
  echo "no ebs-backup-bucket tag: nothing to back up"; exit 0
fi
SNAPSHOT="${NAME}_$(date -u +%Y-%m-%d-%H-%M-%S)"
aws s3 sync /home/ec2-user/SageMaker "s3://$BUCKET/$SNAPSHOT/" --only-show-errors --exclude "*/.ipynb_checkpoints/*"
COUNT=$(find /home/ec2-user/SageMaker -type f -not -path "*/.ipynb_checkpoints/*" | wc -l)
printf '{"snapshot": "%s", "files": %s}\n' "$SNAPSHOT" "$COUNT" | aws s3 cp - "s3://$BUCKET/$SNAPSHOT/BACKUP_COMPLETE"
aws events put-events --entries "[{\"Source\": \"mlops.notebooks\", \"DetailType\": \"Notebook Backup Completed\", \"Detail\": \"{\\\"notebook\\\": \\\"$NAME\\\", \\\"bucket\\\": \\\"$BUCKET\\\", \\\"snapshot\\\": \\\"$SNAPSHOT\\\"}\"}]"
echo "backup $SNAPSHOT complete ($COUNT files)"
