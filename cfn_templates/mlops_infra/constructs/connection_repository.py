"""A repository on GitHub, GitLab or Bitbucket, reached through a CodeConnections connection, as a pipeline's source.

    git push (branch) ──▶ CodeConnections ──▶ V2 pipeline trigger (push filter: the branch) ──▶ pipeline

The connection is created (and authorized in the console) outside the platform; the pipeline's source action
uses it, and CodePipeline's own trigger, filtered to the branch, starts the pipeline on a push.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions


@dataclass
class ConnectionRepository:
    """A CodeConnections repository (``owner/name``) and the branch its pipeline builds."""

    connection_arn: str
    repository: str
    branch: str = "main"
    _action: actions.CodeStarConnectionsSourceAction | None = field(default=None, init=False, repr=False)

    def source_action(self, output: codepipeline.Artifact) -> actions.CodeStarConnectionsSourceAction:
        """The pipeline's source action: the branch tip through the connection."""
        owner, name = self.repository.split("/", 1)
        self._action = actions.CodeStarConnectionsSourceAction(
            action_name="Code", connection_arn=self.connection_arn, owner=owner, repo=name, branch=self.branch, output=output,
            trigger_on_push=True)
        return self._action

    def trigger(self, pipeline: codepipeline.Pipeline, description: str = "") -> None:
        """A push to the branch starts ``pipeline``: a V2 trigger on the source action (which has no description)."""
        assert self._action is not None, "add the source action to the pipeline first"
        pipeline.add_trigger(provider_type=codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
                             git_configuration=codepipeline.GitConfiguration(
                                 source_action=self._action, push_filter=[codepipeline.GitPushFilter(branches_includes=[self.branch])]))
