"""The model registry announces changes: ``SageMaker Model Package State Change`` events, as SageMaker sends them.

moto 5.2.5 emits nothing when a model package is created or its approval status changes, so a rule
that deploys approved models never fires. Here CreateModelPackage and UpdateModelPackage put the
event on the account's default bus (detail: group, version, ARN, approval and package status, ...).
UpdateModelPackage also changes only the fields it is given (moto clears the approval description
and customer metadata when they are omitted).
"""

from __future__ import annotations

import json
from typing import Any

from moto.events.models import events_backends
from moto.sagemaker.models import ModelPackage, SageMakerModelBackend

from embedded_aws.extensions.base import Extension, Patcher

EVENT_SOURCE = "aws.sagemaker"
EVENT_DETAIL_TYPE = "SageMaker Model Package State Change"
DETAIL_KEYS = ("ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn", "ModelPackageName", "ModelPackageDescription",
               "InferenceSpecification", "ModelPackageStatus", "ModelApprovalStatus", "ApprovalDescription", "ModelMetrics",
               "CustomerMetadataProperties", "CertifyForMarketplace")


def state_change_event(package: ModelPackage) -> dict[str, Any]:
    """The EventBridge entry for the package as it is now."""
    described = package.gen_response_object()
    detail = {key: described[key] for key in DETAIL_KEYS if described.get(key) is not None}
    detail["ModelPackageName"] = package.model_package_name
    detail["CreationTime"] = int(package.creation_time.timestamp() * 1000) if hasattr(package.creation_time, "timestamp") \
        else package.creation_time
    return {"Source": EVENT_SOURCE, "DetailType": EVENT_DETAIL_TYPE, "Resources": [package.arn],
            "Detail": json.dumps(detail, default=str)}


def announce(backend: SageMakerModelBackend, arn: str) -> None:
    package = backend.model_packages[backend.model_package_name_mapping.get(arn, arn)]
    events_backends[backend.account_id][backend.region_name].put_events([state_change_event(package)])


class ModelPackageEvents(Extension):
    name = "sagemaker-model-package-events"
    summary = "CreateModelPackage and UpdateModelPackage emit SageMaker Model Package State Change events; updates keep omitted fields"

    def install(self, patcher: Patcher) -> None:
        original_create = SageMakerModelBackend.create_model_package
        original_update = SageMakerModelBackend.update_model_package

        def create_model_package(self: SageMakerModelBackend, *args: Any, **kwargs: Any) -> str:
            arn = original_create(self, *args, **kwargs)
            announce(self, arn)
            return arn

        def update_model_package(self: SageMakerModelBackend, model_package_arn: str, model_approval_status: str | None,
                                 approval_description: str | None, customer_metadata_properties: dict[str, str] | None,
                                 customer_metadata_properties_to_remove: list[str],
                                 additional_inference_specifications_to_add: list[Any] | None) -> str:
            package = self.model_packages.get(self.model_package_name_mapping.get(model_package_arn, model_package_arn))
            keep_description = package.approval_description if package is not None and approval_description is None else None
            merged = dict((package.customer_metadata_properties or {}) if package is not None else {})
            merged.update(customer_metadata_properties or {})
            properties = merged if merged or customer_metadata_properties_to_remove else None
            arn = original_update(self, model_package_arn, model_approval_status, approval_description,
                                  properties, customer_metadata_properties_to_remove, additional_inference_specifications_to_add)
            if keep_description is not None:
                self.model_packages[arn].approval_description = keep_description
            announce(self, arn)
            return arn

        patcher.replace(SageMakerModelBackend, "create_model_package", create_model_package)
        patcher.replace(SageMakerModelBackend, "update_model_package", update_model_package)
