"""CloudFormation KMS keys accept the template's ``Tags`` and keep their ``KeyPolicy`` as JSON.

moto 5.2.5 passes CloudFormation's ``[{Key, Value}]`` tags straight to the KMS tagger, which
expects ``[{TagKey, TagValue}]``, so any tagged ``AWS::KMS::Key`` fails with ``KeyError: 'TagKey'``.
"""

from __future__ import annotations

import json
from typing import Any

from moto.kms.models import Key

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import transform_cfn_properties


def kms_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties with KMS-shaped tags and a JSON string policy."""
    converted = dict(properties)
    converted["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags") or []]
    if isinstance(converted.get("KeyPolicy"), dict):
        converted["KeyPolicy"] = json.dumps(converted["KeyPolicy"])
    return converted


class KmsKeyResource(Extension):
    name = "cfn-kms-key"
    summary = "Tagged AWS::KMS::Key resources are created (moto expects KMS-style tags from templates)"

    def install(self, patcher: Patcher) -> None:
        transform_cfn_properties(patcher, Key, kms_properties)
