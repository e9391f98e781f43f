"""The platform's extensions to moto 5.2.5, one module each, applied together by :func:`apply_all`.

Each extension fills a gap listed in ``shared/research/spike.md``; each can be removed again, so
tests prove that the behaviour they check comes from the extension and not from moto.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from embedded_aws.extensions.apigateway_execute import ApiGatewayExecute
from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_apigateway_stage import ApiGatewayStageResource
from embedded_aws.extensions.cfn_cloudwatch_alarm import CloudWatchAlarmResource
from embedded_aws.extensions.cfn_codebuild import CodeBuildProjectResource
from embedded_aws.extensions.cfn_codepipeline import CodePipelineResource
from embedded_aws.extensions.cfn_create_order import CfnCreateOrder
from embedded_aws.extensions.cfn_custom_resources import CustomResources
from embedded_aws.extensions.cfn_delete_order import CfnDeleteOrder
from embedded_aws.extensions.cfn_ec2_network import Ec2NetworkResources
from embedded_aws.extensions.cfn_failed_operations import CfnFailedOperations
from embedded_aws.extensions.cfn_iam_group import IamGroupResource
from embedded_aws.extensions.cfn_iam_managed_policies import TemplateManagedPolicies
from embedded_aws.extensions.cfn_kms_key import KmsKeyResource
from embedded_aws.extensions.cfn_parameter_constraints import CfnParameterConstraints
from embedded_aws.extensions.cfn_s3_bucket_policy import BucketPolicyResource
from embedded_aws.extensions.cfn_s3_bucket_settings import BucketSettings
from embedded_aws.extensions.cfn_sagemaker_endpoints import CfnSageMakerEndpoints
from embedded_aws.extensions.cfn_sagemaker_notebooks import CfnNotebookInstances
from embedded_aws.extensions.cfn_sagemaker_registry import SageMakerRegistryResources
from embedded_aws.extensions.cfn_sagemaker_studio import StudioResources
from embedded_aws.extensions.cfn_service_catalog import ServiceCatalogResources
from embedded_aws.extensions.cfn_ssm_parameter_tags import SsmParameterTags
from embedded_aws.extensions.cfn_stack_principal import CfnStackPrincipal
from embedded_aws.extensions.cfn_stackset import StackSetResource
from embedded_aws.extensions.cfn_stackset_operations import StackSetOperations
from embedded_aws.extensions.cfn_update_rollback import CfnUpdateRollback
from embedded_aws.extensions.cloudtrail_events import CloudTrailEvents
from embedded_aws.extensions.cloudwatch_alarm_evaluation import AlarmEvaluation
from embedded_aws.extensions.codebuild_runner import CodeBuildRunner
from embedded_aws.extensions.codecommit_git import CodeCommitGit
from embedded_aws.extensions.codepipeline_execution import CodePipelineExecutions
from embedded_aws.extensions.codepipeline_stacksets import CodePipelineStackSets
from embedded_aws.extensions.events_targets import EventTargetsDelivery
from embedded_aws.extensions.fault_injection import FaultInjection
from embedded_aws.extensions.iam_authorization import IamAuthorization
from embedded_aws.extensions.iam_policy_simulator import IamPolicySimulator
from embedded_aws.extensions.lambda_public_layers import PublicLayers
from embedded_aws.extensions.lambda_runtime import PythonLambdaRuntime
from embedded_aws.extensions.lambda_vpc_networking import LambdaVpcNetworking
from embedded_aws.extensions.not_implemented import NotImplementedErrors
from embedded_aws.extensions.organizations_members import OrganizationInvitations
from embedded_aws.extensions.s3_secure_transport import S3SecureTransport
from embedded_aws.extensions.sagemaker_blue_green import BlueGreenEndpoints
from embedded_aws.extensions.sagemaker_domain_storage import DomainHomeStorage
from embedded_aws.extensions.sagemaker_jobs import SageMakerJobs
from embedded_aws.extensions.sagemaker_model_package_events import ModelPackageEvents
from embedded_aws.extensions.sagemaker_notebooks import NotebookLifecycle
from embedded_aws.extensions.sagemaker_pipelines import PipelineExecutions
from embedded_aws.extensions.sagemaker_projects import SageMakerProjects
from embedded_aws.extensions.sagemaker_registry_deletes import RegistryDeletes
from embedded_aws.extensions.sagemaker_runtime_invoke import InvokeEndpoints
from embedded_aws.extensions.sagemaker_studio import StudioProfiles
from embedded_aws.extensions.service_catalog_api import ServiceCatalogAdminApi
from embedded_aws.extensions.service_catalog_provisioning import ServiceCatalogProvisioning
from embedded_aws.extensions.sfn_cfn_state_machines import CfnStateMachines
from embedded_aws.extensions.sfn_execution_names import UniqueExecutionNames
from embedded_aws.extensions.sfn_json_results import JsonSafeTaskResults
from embedded_aws.extensions.sfn_sdk_error_names import SdkErrorNames
from embedded_aws.extensions.sfn_task_credentials import TaskCredentials
from embedded_aws.extensions.sfn_task_failure_cause import TaskFailureCause
from embedded_aws.extensions.sts_trust import AssumeRoleTrust

ALL: tuple[Extension, ...] = (
    NotImplementedErrors(),
    FaultInjection(),
    JsonSafeTaskResults(),
    UniqueExecutionNames(),
    CfnStateMachines(),
    TaskFailureCause(),
    PythonLambdaRuntime(),
    LambdaVpcNetworking(),
    PublicLayers(),
    CustomResources(),
    EventTargetsDelivery(),
    ServiceCatalogAdminApi(),
    ServiceCatalogResources(),
    ServiceCatalogProvisioning(),
    CloudTrailEvents(),
    CodeBuildProjectResource(),
    CodeBuildRunner(),
    CodeCommitGit(),
    CodePipelineResource(),
    CodePipelineExecutions(),
    OrganizationInvitations(),
    StackSetResource(),
    StackSetOperations(),
    CodePipelineStackSets(),
    CloudWatchAlarmResource(),
    AlarmEvaluation(),
    KmsKeyResource(),
    SsmParameterTags(),
    Ec2NetworkResources(),
    CfnCreateOrder(),
    CfnDeleteOrder(),
    CfnUpdateRollback(),
    CfnFailedOperations(),
    IamGroupResource(),
    TemplateManagedPolicies(),
    CfnParameterConstraints(),
    BucketPolicyResource(),
    BucketSettings(),
    S3SecureTransport(),
    AssumeRoleTrust(),
    NotebookLifecycle(),
    CfnNotebookInstances(),
    RegistryDeletes(),
    ModelPackageEvents(),
    SageMakerJobs(),
    PipelineExecutions(),
    BlueGreenEndpoints(),
    InvokeEndpoints(),
    StudioProfiles(),
    DomainHomeStorage(),
    SageMakerProjects(),
    StudioResources(),
    CfnSageMakerEndpoints(),
    SageMakerRegistryResources(),
    ApiGatewayStageResource(),
    ApiGatewayExecute(),
    IamAuthorization(),
    CfnStackPrincipal(),
    IamPolicySimulator(),
    TaskCredentials(),
    SdkErrorNames(),
)

_lock = threading.RLock()
_patchers: dict[str, Patcher] = {}


def by_name(name: str) -> Extension:
    """Return the extension called ``name``."""
    for extension in ALL:
        if extension.name == name:
            return extension
    raise KeyError(f"no embedded AWS extension named {name!r}; known: {', '.join(e.name for e in ALL)}")


def apply(name: str) -> None:
    """Install one extension (no-op when already installed)."""
    with _lock:
        if name in _patchers:
            return
        for requirement in by_name(name).requires:
            apply(requirement)
        patcher = Patcher()
        try:
            by_name(name).install(patcher)
        except Exception:
            patcher.undo()
            raise
        _patchers[name] = patcher


def remove(name: str) -> None:
    """Uninstall one extension, restoring what it patched to what was there when it was installed."""
    with _lock:
        patcher = _patchers.pop(name, None)
        if patcher is not None:
            by_name(name).shutdown()
            patcher.undo()


def _requires(name: str, other: str) -> bool:
    """Whether extension ``name`` needs ``other``, directly or through its own requirements."""
    return any(r == other or _requires(r, other) for r in by_name(name).requires)


def apply_all() -> None:
    """Install every extension (idempotent)."""
    for extension in ALL:
        apply(extension.name)


def installed() -> list[str]:
    """Names of the installed extensions."""
    with _lock:
        return [e.name for e in ALL if e.name in _patchers]


def reset_all() -> None:
    """Clear the state extensions keep next to moto's backends."""
    for extension in ALL:
        extension.reset()


def shutdown_all() -> None:
    """Stop worker processes and threads started by extensions."""
    for extension in ALL:
        extension.shutdown()


@contextlib.contextmanager
def disabled(name: str) -> Iterator[None]:
    """Run a block with one extension removed (for tests that show what moto alone does).

    Extensions installed after it may wrap what it patched (the same moto method or WSGI entry):
    they are taken off first and put back on top of moto's own behaviour, so that only ``name`` is
    missing in the block, and afterwards everything is reinstalled in the original order. Those
    that require ``name`` stay off during the block.
    """
    with _lock:
        order = list(_patchers)
    if name not in order:
        yield
        return
    later = order[order.index(name) + 1:]
    for other in reversed(later):
        remove(other)
    remove(name)
    kept = [other for other in later if not _requires(other, name)]
    for other in kept:
        apply(other)
    try:
        yield
    finally:
        for other in reversed(kept):
            remove(other)
        apply(name)
        for other in later:
            apply(other)
