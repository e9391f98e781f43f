"""A CodeCommit repository as a pipeline's source: ``git push`` to its branch starts the pipeline.

    git push ──▶ CodeCommit Repository State Change (branch) ──▶ rule <name>-on-push ──▶ pipeline
                                                                 Source: the branch tip (CodeCommit action)

The rule is named (``<repository>-on-push``) rather than left to CloudFormation, so a launch role scoped to
the platform's names may create it. With ``seed`` the repository is created holding that zip as its
first commit on the branch (CloudFormation's ``Code``; the caller reads the zip), and the pipeline's
first execution, which CodePipeline starts when it creates the pipeline, builds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct


@dataclass(frozen=True)
class SeedCode:
    """A zip in S3 a new repository starts with (its first commit)."""

    bucket: str
    key: str


class CodeRepository(Construct):
    """Repository ``name`` (optionally seeded), its source action and the push rule that starts a pipeline."""

    def __init__(self, scope: Construct, id_: str, *, name: str, description: str, branch: str,
                 removal_policy: cdk.RemovalPolicy, seed: SeedCode | None = None) -> None:
        super().__init__(scope, id_)
        self.branch, self.rule_name = branch, f"{name}-on-push"
        self.repository = codecommit.Repository(self, "Repository", repository_name=name, description=description)
        self.repository.apply_removal_policy(removal_policy)
        if seed is not None:
            resource = self.repository.node.default_child
            assert isinstance(resource, codecommit.CfnRepository)
            resource.code = codecommit.CfnRepository.CodeProperty(
                branch_name=branch, s3=codecommit.CfnRepository.S3Property(bucket=seed.bucket, key=seed.key))

    @property
    def name(self) -> str:
        return self.repository.repository_name

    @property
    def clone_url(self) -> str:
        return self.repository.repository_clone_url_http

    def source_action(self, output: codepipeline.Artifact) -> actions.CodeCommitSourceAction:
        """The pipeline's source action: the branch tip (no polling, no CDK-made rule: ``trigger`` is the trigger)."""
        return actions.CodeCommitSourceAction(action_name="Code", repository=self.repository, branch=self.branch, output=output,
                                              trigger=actions.CodeCommitTrigger.NONE)

    def trigger(self, pipeline: codepipeline.IPipeline, description: str) -> events.Rule:
        """Rule ``<repository>-on-push``: a push creating or moving the branch starts ``pipeline``."""
        return self.repository.on_commit("OnPush", rule_name=self.rule_name, branches=[self.branch],
                                         description=description, target=targets.CodePipeline(pipeline))
