"""The lifecycle configuration every platform notebook gets: idle auto-stop, backup, restore."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from mlops_runtime.notebooks.lifecycle import render_on_create, render_on_start


class NotebookLifecycle(Construct):
    """``<project>-notebook-lifecycle`` built from the scripts shipped in the environment type folder."""

    def __init__(self, scope: Construct, id_: str, *, project: str, idle_minutes: int) -> None:
        super().__init__(scope, id_)
        self.name = f"{project}-notebook-lifecycle"
        self.config = sagemaker.CfnNotebookInstanceLifecycleConfig(
            self, "Config", notebook_instance_lifecycle_config_name=self.name,
            on_start=[sagemaker.CfnNotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHookProperty(
                content=cdk.Fn.base64(render_on_start(idle_minutes)))],
            on_create=[sagemaker.CfnNotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHookProperty(
                content=cdk.Fn.base64(render_on_create()))],
        )
