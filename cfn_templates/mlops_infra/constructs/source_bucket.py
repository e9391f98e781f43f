"""A repository stand-in on S3: uploading ``<name>.zip`` is the push, and the push starts a pipeline."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


class SourceBucket(Construct):
    """Versioned KMS bucket emitting Object Created to EventBridge, and the rule that starts ``pipeline`` on ``object_key``."""

    def __init__(self, scope: Construct, id_: str, *, bucket_name: str, object_key: str, key: kms.IKey, access_logs: s3.IBucket,
                 rule_name: str, access_log_prefix: str, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        self.object_key = object_key
        self.rule_name = rule_name
        self.bucket = s3.Bucket(
            self, "Bucket", bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS, encryption_key=key, bucket_key_enabled=True, versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            server_access_logs_bucket=access_logs, server_access_logs_prefix=access_log_prefix,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90))],
            removal_policy=removal_policy, auto_delete_objects=False)
        # S3 → EventBridge as a bucket property (CDK's event_bridge_enabled adds a custom-resource Lambda instead).
        bucket_resource = self.bucket.node.default_child
        assert isinstance(bucket_resource, s3.CfnBucket)
        bucket_resource.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True))

    def source_action(self, output: codepipeline.Artifact) -> actions.S3SourceAction:
        """The pipeline's source action (no polling, no CloudTrail: the EventBridge rule is the trigger)."""
        return actions.S3SourceAction(action_name="Code", bucket=self.bucket, bucket_key=self.object_key, output=output,
                                      trigger=actions.S3Trigger.NONE)

    def trigger(self, pipeline: codepipeline.IPipeline, description: str) -> events.Rule:
        """Rule: a new ``object_key`` in the bucket starts ``pipeline``."""
        return events.Rule(
            self, "OnPush", rule_name=self.rule_name, description=description,
            event_pattern=events.EventPattern(source=["aws.s3"], detail_type=["Object Created"], detail={
                "bucket": {"name": [self.bucket.bucket_name]}, "object": {"key": [self.object_key]}}),
            targets=[targets.CodePipeline(pipeline)])
