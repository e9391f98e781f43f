"""The tooling (dev) account's platform stack."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from mlops_infra.constructs.api_gateway_account import ApiGatewayAccount
from mlops_infra.constructs.artifact_store import ArtifactStore
from mlops_infra.constructs.connection_repository import ConnectionRepository
from mlops_infra.constructs.environment_catalog import EnvironmentCatalog
from mlops_infra.constructs.environment_status import EnvironmentStatus
from mlops_infra.constructs.environment_table import EnvironmentTable
from mlops_infra.constructs.management_trail import ManagementTrail
from mlops_infra.constructs.model_build import SOURCE_KEY, ModelBuild
from mlops_infra.constructs.model_deploy import SOURCE_KEY as SOURCE_KEY_DEPLOY
from mlops_infra.constructs.model_deploy import DeployStage, ModelDeploy
from mlops_infra.constructs.network_placement import NetworkPlacement
from mlops_infra.constructs.notebook_backups import NotebookBackups
from mlops_infra.constructs.notebook_catalog import NotebookCatalog
from mlops_infra.constructs.notebook_lifecycle import NotebookLifecycle
from mlops_infra.constructs.notebook_provisioning import NotebookProvisioning
from mlops_infra.constructs.notebook_settings import NotebookSettings
from mlops_infra.constructs.notebook_url_api import NotebookUrlApi
from mlops_infra.constructs.personas import persona_name
from mlops_infra.constructs.project_catalog import ProjectCatalog, ProjectProduct
from mlops_infra.constructs.project_seeder import ProjectSeeder
from mlops_infra.constructs.project_template import ProjectTemplate
from mlops_infra.constructs.stackset_roles import StackSetAdministrationRole
from mlops_infra.constructs.studio_domain import StudioDomain
from mlops_infra.constructs.studio_url_api import StudioUrlApi
from mlops_infra.stacks.ml_environment import MlEnvironmentProduct
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import JWT_LAYER_PARAMETER, PLATFORM_ADMIN_PARAMETER
from mlops_runtime.environment_types import get_type

ACCOUNT_ID_PATTERN = r"^\d{12}$"
NOTEBOOK_TYPE = "sagemaker-notebook"
URL_PARAMETER_PREFIX = "/SageMaker/Notebooks/"
TRAIL_RETENTION_DAYS = 90
LAYER_VERSION_ARN_PATTERN = r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$"


class ToolingStack(cdk.Stack):
    """Artifact store, environment table, notebook self-service, StackSet administration role."""

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        staging = cdk.CfnParameter(self, "StagingAccountId", allowed_pattern=ACCOUNT_ID_PATTERN,
                                   description="Account that receives models before production")
        prod = cdk.CfnParameter(self, "ProdAccountId", allowed_pattern=ACCOUNT_ID_PATTERN,
                                description="Production account")
        create_launch_role = cdk.CfnParameter(
            self, "CreateProjectLaunchRole", allowed_values=["true", "false"], default="true",
            description="Create AmazonSageMakerServiceCatalogProductsLaunchRole (mlops deploy passes false when the account has it)")
        admin = cdk.CfnParameter(
            self, PLATFORM_ADMIN_PARAMETER, default="", allowed_pattern=r"^(arn:aws[a-z-]*:iam::\d{12}:(user|role)/.+)?$",
            description="IAM user or role that may create projects (mlops deploy passes the deploying principal)")
        removal = cdk.RemovalPolicy.RETAIN if config.retain_data else cdk.RemovalPolicy.DESTROY
        # first: the functions and builds created below find it and run in the private network
        placement = NetworkPlacement(self, platform=config.project) if config.network_cidr else None

        store = ArtifactStore(self, "Artifacts", project=config.project, removal_policy=removal)
        environments = EnvironmentTable(self, "Environments", table_name=f"{config.project}-environments",
                                        key=store.key, removal_policy=removal)
        notebook_type = get_type(NOTEBOOK_TYPE)
        catalog = NotebookCatalog(self, "NotebookCatalog", project=config.project, product_name=notebook_type.product_name,
                                  product_version=notebook_type.product_version, template=notebook_type.template_for(config.project),
                                  key=store.key, url_parameter_prefix=URL_PARAMETER_PREFIX)
        backups = NotebookBackups(self, "NotebookBackups", project=config.project, access_logs=store.access_logs,
                                  notebook_role=catalog.notebook_role, retention_days=config.notebook_backup_days, removal_policy=removal)
        lifecycle = NotebookLifecycle(self, "NotebookLifecycle", project=config.project, idle_minutes=config.notebook_idle_minutes)
        settings = NotebookSettings(self, "NotebookSettings", names=notebook_type.platform_settings(config.project), values={
            "NotebookRoleArn": catalog.notebook_role.role_arn, "KmsKeyId": store.key.key_arn,
            "LifecycleConfigName": lifecycle.name, "BackupBucket": backups.bucket.bucket_name})
        settings.node.add_dependency(lifecycle)
        settings.grant_read(catalog.launch_role)
        provisioning = NotebookProvisioning(self, "NotebookProvisioning", project=config.project, table=environments.table,
                                            key=store.key, product=catalog.product, product_version=notebook_type.product_version,
                                            url_parameter_prefix=URL_PARAMETER_PREFIX,
                                            poll_seconds=config.notebook_poll_seconds, max_polls=config.notebook_max_polls,
                                            session_seconds=config.notebook_session_seconds)
        provisioning.node.add_dependency(settings)
        if config.management_trail:  # console launches reach EventBridge only through a logging trail
            ManagementTrail(self, "ManagementTrail", project=config.project, access_logs=store.access_logs,
                            retention_days=TRAIL_RETENTION_DAYS, removal_policy=removal)
        # ProvisionProduct needs a launch path: the state machine provisions on the analysts' behalf, so its role is a
        # principal of the portfolio beside the analysts group (console launches)
        catalog.portfolio.give_access_to_role(provisioning.state_machine.role)
        api_logging = ApiGatewayAccount(self, "ApiGatewayAccount", removal_policy=removal)
        url_api = NotebookUrlApi(self, "NotebookUrlApi", project=config.project, table=environments.table, key=store.key,
                                 url_parameter_prefix=URL_PARAMETER_PREFIX, analysts=catalog.analysts,
                                 session_seconds=config.notebook_session_seconds)
        api_logging.logs_for(url_api.api)
        EnvironmentStatus(self, "EnvironmentStatus", project=config.project, table=environments.table,
                          event_sources=[(m.source, m.detail_types) for m in notebook_type.events],
                          waiting_state_machine_names=[provisioning.state_machine_name], url_parameter_prefix=URL_PARAMETER_PREFIX)
        connection, branch = config.modelbuild_connection_arn, config.modelbuild_branch
        in_codecommit = config.repository_source == "codecommit"
        repository = ConnectionRepository(connection, config.modelbuild_repository or "", branch) if connection else None
        model_build = ModelBuild(self, "ModelBuild", project=config.project, bucket=store.bucket, key=store.key,
                                 access_logs=store.access_logs, model_package_group_name=config.model_package_group_name,
                                 removal_policy=removal, repository=repository, use_codecommit=in_codecommit, branch=branch)
        administration = StackSetAdministrationRole(
            self, "StackSetAdministration",
            role_name=config.stackset_administration_role_name,
            execution_role_name=config.stackset_execution_role_name,
            target_account_ids=[staging.value_as_string, prod.value_as_string],
        )

        model_deploy = ModelDeploy(
            self, "ModelDeploy", project=config.project, bucket=store.bucket, key=store.key, access_logs=store.access_logs,
            model_package_group_name=config.model_package_group_name,
            stages=[DeployStage("staging", staging.value_as_string, config.stage_stack_set_name("staging")),
                    DeployStage("prod", prod.value_as_string, config.stage_stack_set_name("prod"))],
            administration_role_arn=administration.role.role_arn, execution_role_name=config.stackset_execution_role_name,
            verifier_role_name=config.deploy_verifier_role_name, verify_role_name=config.modeldeploy_verify_role_name, platform=config.project,
            removal_policy=removal, use_codecommit=in_codecommit, branch=branch,
            repository=ConnectionRepository(connection, config.modeldeploy_repository, branch)
            if connection and config.modeldeploy_repository else None)

        studio_roles: list[iam.IRole] = [iam.Role.from_role_arn(self, f"StudioRole{index}", arn, mutable=False)
                                         for index, arn in enumerate(config.studio_execution_role_arns)]
        if config.creates_studio_domain:
            # a VPC given explicitly wins; otherwise the domain lives in the environment with the Studio group
            home = placement if placement is not None and not config.studio_domain_vpc_id else None
            domain = StudioDomain(
                self, "StudioDomain", project=config.project, key=store.key, bucket=store.bucket,
                vpc_id=home.vpc_id if home else str(config.studio_domain_vpc_id),
                subnet_ids=home.subnet_ids if home else config.studio_domain_subnet_ids,
                security_group_ids=home.notebook_security_group_ids if home else None,
                user_profiles=config.studio_user_profiles, idle_minutes=config.studio_idle_minutes)
            studio_roles.append(domain.role)
            cdk.CfnOutput(self, "StudioDomainId", value=domain.domain.attr_domain_id)
        seeder = ProjectSeeder(self, "ProjectSeeder", project=config.project, with_function=not in_codecommit)
        products = [
            ProjectProduct("Product", f"{config.project} model build and deploy",
                           "Model build (push → SageMaker pipeline → registry) and model deploy (approval → staging → prod, blue/green) "
                           "to a staging and a prod account", ProjectTemplate(self, "ProjectTemplate", config=config, seeds=seeder.seeds)),
            ProjectProduct("UnitsProduct", f"{config.project} model build and deploy to organizational units",
                           "The same, deploying each stage to every member account of an organizational unit (service-managed "
                           "stack sets; launch from the management or delegated-administrator account)",
                           ProjectTemplate(self, "ProjectUnitsTemplate", config=config, seeds=seeder.seeds, targets="units"))]
        projects = ProjectCatalog(
            self, "ProjectCatalog", project=config.project, products=products,
            studio_roles=studio_roles, verify_role_name=config.modeldeploy_verify_role_name,
            seed_code=list(seeder.seeds.values()) if in_codecommit else [],
            create_launch_role=cdk.CfnCondition(self, "CreatesProjectLaunchRole",
                                                expression=cdk.Fn.condition_equals(create_launch_role.value_as_string, "true")))
        # CreateProject needs a launch path: the platform admin's, beside the Studio execution roles
        admin_access = servicecatalog.CfnPortfolioPrincipalAssociation(
            self, "ProjectPortfolioAdmin", portfolio_id=projects.portfolio.portfolio_id,
            principal_arn=admin.value_as_string, principal_type="IAM")
        admin_access.cfn_options.condition = cdk.CfnCondition(
            self, "HasPlatformAdmin", expression=cdk.Fn.condition_not(cdk.Fn.condition_equals(admin.value_as_string, "")))
        cdk.CfnOutput(self, "ProjectPortfolioId", value=projects.portfolio.portfolio_id)
        cdk.CfnOutput(self, "ProjectProductId", value=projects.products["Product"].product_id)
        cdk.CfnOutput(self, "ProjectUnitsProductId", value=projects.products["UnitsProduct"].product_id)
        for key, output in (("Product", "ProjectTemplateUrl"), ("UnitsProduct", "ProjectUnitsTemplateUrl")):
            cdk.CfnOutput(self, output, value=projects.template_url(key),
                          description="The template in S3, for CreateProject(TemplateProviders=[...]) without Service Catalog")
        if config.network_cidr:  # the platform's own environment exists (deployed first): DS admins launch more from here
            # its data scientists push the model-build source (the source lives here, their role there)
            model_build.grant_push(iam.Role.from_role_name(self, "DataScientistPersona", persona_name(config.project, "data-scientist")))
            environments_catalog = EnvironmentCatalog(self, "EnvironmentCatalog", project=config.project,
                                                      template=MlEnvironmentProduct(self, "MlEnvironmentTemplate", config=config))
            cdk.CfnOutput(self, "EnvironmentPortfolioId", value=environments_catalog.portfolio.portfolio_id)
            cdk.CfnOutput(self, "EnvironmentProductId", value=environments_catalog.product.product_id)
        if config.studio_token_issuer:
            jwt_layer = cdk.CfnParameter(self, JWT_LAYER_PARAMETER, allowed_pattern=LAYER_VERSION_ARN_PATTERN,
                                         description="PyJWT layer of the token authorizer (mlops deploy builds and publishes it)")
            studio = StudioUrlApi(
                self, "StudioUrlApi", project=config.project, key=store.key, issuer=config.studio_token_issuer,
                audience=config.studio_token_audience or "", token_use=config.studio_token_use, jwks_url=config.studio_jwks,
                api_vpc_endpoint_ids=config.studio_api_vpc_endpoint_ids, url_vpc_endpoint_ids=config.studio_url_vpc_endpoint_ids,
                allowed_cidrs=config.studio_allowed_cidrs, removal_policy=removal, jwt_layer_arn=jwt_layer.value_as_string)
            api_logging.logs_for(studio.api)
            cdk.CfnOutput(self, "StudioUrlApiId", value=studio.api.rest_api_id)
            cdk.CfnOutput(self, "StudioProfileTableName", value=studio.table.table_name)

        cdk.CfnOutput(self, "ArtifactsBucketName", value=store.bucket.bucket_name)
        cdk.CfnOutput(self, "NotebookSessionSeconds", value=str(config.notebook_session_seconds))
        cdk.CfnOutput(self, "ArtifactsKeyArn", value=store.key.key_arn)
        cdk.CfnOutput(self, "EnvironmentTableName", value=environments.table.table_name)
        cdk.CfnOutput(self, "StackSetAdministrationRoleArn", value=administration.role.role_arn)
        cdk.CfnOutput(self, "NotebookProvisioningStateMachineArn", value=provisioning.state_machine.state_machine_arn)
        cdk.CfnOutput(self, "NotebookPortfolioId", value=catalog.portfolio.portfolio_id)
        cdk.CfnOutput(self, "NotebookProductId", value=catalog.product.product_id)
        cdk.CfnOutput(self, "AnalystsGroupName", value=catalog.analysts.group_name)
        cdk.CfnOutput(self, "NotebookUrlApiId", value=url_api.api.rest_api_id)
        cdk.CfnOutput(self, "NotebookUrlApiUrl", value=url_api.api.url)
        cdk.CfnOutput(self, "ModelPackageGroupName", value=model_build.model_package_group_name)
        cdk.CfnOutput(self, "SageMakerPipelineName", value=model_build.pipeline_name)
        cdk.CfnOutput(self, "SageMakerPipelineRoleArn", value=model_build.pipeline_role.role_arn)
        cdk.CfnOutput(self, "ModelBuildPipelineName", value=model_build.pipeline.pipeline_name)
        cdk.CfnOutput(self, "ModelBuildProjectName", value=model_build.build_project.project_name)
        cdk.CfnOutput(self, "ModelDeployPipelineName", value=model_deploy.pipeline.pipeline_name)
        if model_deploy.source is not None:
            cdk.CfnOutput(self, "ModelDeploySourceBucketName", value=model_deploy.source.bucket.bucket_name)
            cdk.CfnOutput(self, "ModelDeploySourceKey", value=SOURCE_KEY_DEPLOY)
        cdk.CfnOutput(self, "StagingStackSetName", value=config.stage_stack_set_name("staging"))
        cdk.CfnOutput(self, "ProdStackSetName", value=config.stage_stack_set_name("prod"))
        if model_build.source_bucket is not None:
            cdk.CfnOutput(self, "ModelBuildSourceBucketName", value=model_build.source_bucket.bucket_name)
            cdk.CfnOutput(self, "ModelBuildSourceKey", value=SOURCE_KEY)
        for kind, code in (("ModelBuild", model_build.code_repository), ("ModelDeploy", model_deploy.code_repository)):
            if code is not None:
                cdk.CfnOutput(self, f"{kind}RepositoryName", value=code.name)
                cdk.CfnOutput(self, f"{kind}RepositoryCloneUrl", value=code.clone_url)
        if model_build.code_repository is not None or model_deploy.code_repository is not None:
            cdk.CfnOutput(self, "RepositoryBranch", value=config.modelbuild_branch, description="The branch a push to starts the pipelines")
