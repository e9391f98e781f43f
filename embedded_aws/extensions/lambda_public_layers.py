"""Functions may reference AWS-published public layers, such as Powertools for AWS Lambda.

moto 5.2.5 only knows layers published in the embedded AWS, so a function using the public
Powertools layer fails with ``One or more LayerVersion does not exist``. The layer's content is
what the embedded Python runtime already provides (the platform's own environment).
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

from embedded_aws.extensions.base import Extension, Patcher

#: Accounts AWS publishes public layers from: Powertools for AWS Lambda (Python).
PUBLIC_LAYER_ACCOUNTS = ("017000801446",)


def is_public_layer(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) >= 8 and parts[2] == "lambda" and parts[4] in PUBLIC_LAYER_ACCOUNTS and parts[5] == "layer"


class PublicLayers(Extension):
    name = "lambda-public-layers"
    summary = "Functions can use AWS-published public layers (Powertools), provided by the embedded runtime"

    def install(self, patcher: Patcher) -> None:
        original = LambdaFunction._get_layers_data

        def _get_layers_data(self: Any, layers_versions_arns: list[str]) -> list[dict[str, Any]]:
            public: list[Any] = [{"Arn": arn, "CodeSize": 0} for arn in layers_versions_arns if is_public_layer(arn)]
            private = [arn for arn in layers_versions_arns if not is_public_layer(arn)]
            return public + (original(self, private) if private else [])

        patcher.replace(LambdaFunction, "_get_layers_data", _get_layers_data)
