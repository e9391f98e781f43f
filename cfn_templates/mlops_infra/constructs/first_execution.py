"""CodePipeline starts a pipeline's first execution when it creates the pipeline: that run must have its permissions.

CDK creates a pipeline after its own role's policy, but not after the policies of its actions' roles, so
the creation run can reach its source action before the action role may read the source — and a seeded
repository's first build fails on a permission error. :func:`after_action_policies` orders the pipeline
after every action role's policy.
"""

from __future__ import annotations

from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam

ACTION_ROLE_ID = "CodePipelineActionRole"


def after_action_policies(pipeline: codepipeline.Pipeline) -> list[str]:
    """Make ``pipeline`` (with all its stages added) depend on its action roles' policies; their construct paths."""
    resource = pipeline.node.default_child
    assert isinstance(resource, codepipeline.CfnPipeline)
    ordered = []
    for construct in pipeline.node.find_all():
        if isinstance(construct, iam.CfnPolicy) and any(scope.node.id == ACTION_ROLE_ID for scope in construct.node.scopes):
            resource.node.add_dependency(construct)
            ordered.append(construct.node.path)
    return ordered
