"""CloudFormation custom resource ``Custom::ProjectSeed``: seed a new project's source buckets."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.aws.custom_resources import answer_request
from mlops_runtime.projects.seed import SeedLocation, on_request

logger = Logger(service="project-seed")


def _seeds() -> dict[str, SeedLocation]:
    bucket = os.environ["SEED_BUCKET"]
    return {"ModelBuild": SeedLocation(bucket, os.environ["MODELBUILD_SEED_KEY"]),
            "ModelDeploy": SeedLocation(bucket, os.environ["MODELDEPLOY_SEED_KEY"])}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer_request(event, lambda request: on_request(client("s3"), request, _seeds()))
