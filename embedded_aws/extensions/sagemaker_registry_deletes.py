"""The model registry can delete: DeleteModelPackage and DeleteModelPackageGroup (absent from moto 5.2.5).

As in SageMaker, a group that still holds versions cannot be deleted; the packages go first.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ConflictException, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from embedded_aws.extensions.base import Extension, Patcher


def delete_model_package(backend: SageMakerModelBackend, name: str) -> None:
    arn = backend.model_package_name_mapping.get(name, name)
    package = backend.model_packages.pop(arn, None)
    if package is None:
        raise ValidationError(f"Model package {name} not found")
    for alias, target in list(backend.model_package_name_mapping.items()):
        if target == arn:
            del backend.model_package_name_mapping[alias]


def delete_model_package_group(backend: SageMakerModelBackend, name: str) -> None:
    name = name.rsplit("/", 1)[-1]
    if name not in backend.model_package_groups:
        raise ValidationError(f"Model Package Group {name} does not exist.")
    if any(p.model_package_group_name == name for p in backend.model_packages.values()):
        raise ConflictException(f"Model Package Group {name} still holds model packages; delete them first.")
    del backend.model_package_groups[name]


class _Api:
    @staticmethod
    def delete_model_package(self: Any) -> ActionResult:
        delete_model_package(self.sagemaker_backend, json.loads(self.body)["ModelPackageName"])
        return ActionResult({})

    @staticmethod
    def delete_model_package_group(self: Any) -> ActionResult:
        delete_model_package_group(self.sagemaker_backend, json.loads(self.body)["ModelPackageGroupName"])
        return ActionResult({})


class RegistryDeletes(Extension):
    name = "sagemaker-registry-deletes"
    summary = "DeleteModelPackage and DeleteModelPackageGroup exist; a group with versions cannot be deleted"

    def install(self, patcher: Patcher) -> None:
        for name in ("delete_model_package", "delete_model_package_group"):
            patcher.replace(SageMakerResponse, name, getattr(_Api, name))
