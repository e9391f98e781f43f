"""CloudFormation KMS keys accept the template's ``Tags`` and keep their ``KeyPolicy`` as JSON.

moto 5.2.5 passes CloudFormation's ``[{Key, Value}]`` tags straight to the KMS tagger, which
expects ``[{TagKey, TagValue}]``, so any tagged ``AWS::KMS::Key`` fails with ``KeyError: 'TagKey'``.
"""

from __future__ import annotations

import json
from typing import Any

from moto.kms.models import Key

from embedded_aws.extensions.base import Extension, Patcher


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
        create = Key.create_from_cloudformation_json

        def create_from_cloudformation_json(
            cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
        ) -> Any:
            converted = {**cloudformation_json, "Properties": kms_properties(cloudformation_json["Properties"])}
            return create(resource_name, converted, account_id, region_name, **kwargs)

        patcher.replace(Key, "create_from_cloudformation_json", classmethod(create_from_cloudformation_json))
