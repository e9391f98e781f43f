"""Settings the CDK app is built from (no AWS lookups: everything is passed in)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mlops_runtime.projects.names import PLATFORM_NAME_MAX

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
_REPOSITORY = re.compile(r"^[\w.-]+/[\w.-]+$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SUBNET = re.compile(r"^subnet-[0-9a-f]{8,17}$")


_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


def _check_cidr(cidr: str) -> None:
    try:
        network = ipaddress.ip_network(cidr)
    except ValueError as exc:
        raise ValueError(f"network_cidr must be an IPv4 CIDR block, got {cidr!r}") from exc
    if network.version != 4 or not 16 <= network.prefixlen <= 20 or not network.is_private:
        raise ValueError(f"network_cidr must be a private IPv4 block of size /16 to /20, got {cidr!r}")


@dataclass(frozen=True)
class PlatformConfig:
    """Names and tags shared by every stack.

    ``project`` prefixes physical names, so two platforms can share an account.
    """

    project: str = "mlops"
    owner: str = "platform-team"
    environment: str = "dev"
    #: Keep the KMS key, buckets and table when the stack is deleted (production default).
    retain_data: bool = True
    #: Notebook provisioning: poll fallback interval and how many polls before giving up.
    notebook_poll_seconds: int = 60
    notebook_max_polls: int = 45
    #: How long a notebook session opened from a presigned URL lasts (SageMaker allows 1800-43200 s); the URL itself
    #: must be opened within 5 minutes of its issue.
    notebook_session_seconds: int = 43200
    #: Notebooks stop themselves after this many minutes without kernel or terminal activity.
    notebook_idle_minutes: int = 60
    #: Days notebook backups are kept.
    notebook_backup_days: int = 30
    #: Create a trail of management write events in the tooling region, from which EventBridge receives the
    #: Service Catalog launches the platform adopts (notebooks launched from the console); false when the account
    #: already has a trail logging management write events here (an organization trail counts).
    management_trail: bool = True
    #: Where the model-build and model-deploy repositories live, the platform's and every project's: S3 source buckets
    #: whose zip upload is the push (``s3``), or CodeCommit repositories ``<name>-modelbuild``/``<name>-modeldeploy``
    #: that ``git push`` reaches (``codecommit``, where the account has CodeCommit; projects' are seeded with the seed code).
    repository_source: str = "s3"
    #: The platform's model build (and, with ``modeldeploy_repository``, its model deploy) from CodeConnections repositories
    #: (GitHub, GitLab, Bitbucket) instead: the connection, the ``owner/name`` repositories and the branch (the branch of
    #: the CodeCommit repositories too).
    modelbuild_connection_arn: str | None = None
    modelbuild_repository: str | None = None
    modeldeploy_repository: str | None = None
    modelbuild_branch: str = "main"
    #: Studio URL API (created when an issuer is set): the OIDC issuer (a Cognito user pool URL or any OIDC
    #: provider), the audience (app client id), Cognito's ``token_use`` (id/access), the JWKS URL (default
    #: ``<issuer>/.well-known/jwks.json``), the execute-api VPC endpoints the private API admits, and the Studio
    #: VPC endpoints / CIDRs from which issued URLs may be used.
    studio_token_issuer: str | None = None
    studio_token_audience: str | None = None
    studio_token_use: str | None = None
    studio_jwks_url: str | None = None
    studio_api_vpc_endpoint_ids: tuple[str, ...] = ()
    studio_url_vpc_endpoint_ids: tuple[str, ...] = ()
    studio_allowed_cidrs: tuple[str, ...] = ()
    #: Optional Studio domain (VPC-only): in the secure ML environment (``studio_domain`` with ``network_cidr``) or in
    #: the given VPC and private subnets; the user profiles to create, idle shutdown.
    studio_domain: bool = False
    studio_domain_vpc_id: str | None = None
    studio_domain_subnet_ids: tuple[str, ...] = ()
    studio_user_profiles: tuple[str, ...] = ()
    studio_idle_minutes: int = 60
    #: Optional private ML network (stack ``<project>-ml-environment``): its CIDR (a /16 to /20), and whether it gets a NAT gateway.
    network_cidr: str | None = None
    network_nat: bool = False
    #: Execution roles of existing Studio domains whose users see the project templates (the optional domain's role is added).
    studio_execution_role_arns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1800 <= self.notebook_session_seconds <= 43200:
            raise ValueError(f"notebook_session_seconds must be 1800-43200 (SageMaker's limits), got {self.notebook_session_seconds}")
        for field_name in ("project", "environment"):
            value = getattr(self, field_name)
            if not _NAME.match(value):
                raise ValueError(f"{field_name} must be 2-21 lowercase letters, digits or '-', starting with a letter: {value!r}")
        if len(self.project) > PLATFORM_NAME_MAX:
            raise ValueError(f"project must be at most {PLATFORM_NAME_MAX} characters: its SageMaker projects' bucket names "
                             "(<project>-<name>-modeldeploy-source-<account>-<region>) must fit S3's 63 in every region, "
                             f"got {self.project!r}")
        if not self.owner.strip():
            raise ValueError("owner must not be empty")
        if self.repository_source not in ("s3", "codecommit"):
            raise ValueError(f"repository_source must be 's3' or 'codecommit', got {self.repository_source!r}")
        if self.modelbuild_connection_arn and self.repository_source == "codecommit":
            raise ValueError("repository_source 'codecommit' and modelbuild_connection_arn exclude each other: pick one source")
        if self.modelbuild_connection_arn and not _REPOSITORY.match(self.modelbuild_repository or ""):
            raise ValueError(f"a CodeConnections source needs modelbuild_repository as owner/name, got {self.modelbuild_repository!r}")
        if self.modeldeploy_repository and not (self.modelbuild_connection_arn and _REPOSITORY.match(self.modeldeploy_repository)):
            raise ValueError("modeldeploy_repository is an owner/name repository reached through modelbuild_connection_arn, got "
                             f"{self.modeldeploy_repository!r}" + ("" if self.modelbuild_connection_arn else " without a connection"))
        if self.studio_domain_vpc_id and not _VPC.match(self.studio_domain_vpc_id):
            raise ValueError(f"studio_domain_vpc_id must look like vpc-0123456789abcdef0, got {self.studio_domain_vpc_id!r}")
        if any(not _SUBNET.match(s) for s in self.studio_domain_subnet_ids):
            raise ValueError(f"studio_domain_subnet_ids must look like subnet-0123456789abcdef0, got {self.studio_domain_subnet_ids!r}")
        if self.studio_domain_vpc_id and not self.studio_domain_subnet_ids:
            raise ValueError("a VPC-only Studio domain needs studio_domain_subnet_ids (private subnets of studio_domain_vpc_id)")
        if self.network_cidr is not None:
            _check_cidr(self.network_cidr)
        if self.studio_domain and not (self.network_cidr or self.studio_domain_vpc_id):
            raise ValueError("studio_domain needs a network: network_cidr (the secure ML environment) or studio_domain_vpc_id")
        if any(not _ROLE_ARN.match(arn) for arn in self.studio_execution_role_arns):
            raise ValueError(f"studio_execution_role_arns must be IAM role ARNs, got {list(self.studio_execution_role_arns)!r}")
        if not 60 <= self.studio_idle_minutes <= 525600:
            raise ValueError(f"studio_idle_minutes must be 60-525600 (SageMaker's idle timeout range), got {self.studio_idle_minutes}")
        if self.studio_token_issuer:
            if not self.studio_token_issuer.startswith("https://"):
                raise ValueError(f"studio_token_issuer must be an https URL, got {self.studio_token_issuer!r}")
            if not self.studio_token_audience:
                raise ValueError("the Studio URL API needs studio_token_audience (the app client id)")
            if not self.studio_api_vpc_endpoint_ids:
                raise ValueError("the Studio URL API is private: give studio_api_vpc_endpoint_ids (execute-api VPC endpoints)")
            if not (self.studio_url_vpc_endpoint_ids or self.studio_allowed_cidrs):
                raise ValueError("give studio_url_vpc_endpoint_ids or studio_allowed_cidrs: where issued Studio URLs may be used")
            if self.studio_jwks_url and not self.studio_jwks_url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
                raise ValueError(f"studio_jwks_url must be https (or loopback for the embedded AWS), got {self.studio_jwks_url!r}")
            if self.studio_token_use not in (None, "id", "access"):
                raise ValueError(f"studio_token_use must be id or access, got {self.studio_token_use!r}")

    @property
    def creates_studio_domain(self) -> bool:
        return bool(self.studio_domain_vpc_id or self.studio_domain)

    @property
    def tags(self) -> dict[str, str]:
        """Tags every resource carries."""
        return {"owner": self.owner, "project": self.project, "environment": self.environment}

    # Physical names that cross stack or account boundaries -------------------------------
    @property
    def tooling_stack_name(self) -> str:
        return f"{self.project}-tooling"

    @property
    def target_stack_name(self) -> str:
        return f"{self.project}-target-account"

    @property
    def ml_environment_stack_name(self) -> str:
        """The optional secure ML environment (network, data stores, personas), present with ``network_cidr``."""
        return f"{self.project}-ml-environment"

    @property
    def cloudformation_execution_role_name(self) -> str:
        """The environment's role CloudFormation acts as for the platform admin persona (``<project>-cloudformation-execution``)."""
        return f"{self.project}-cloudformation-execution"

    @property
    def model_package_group_name(self) -> str:
        return f"{self.project}-models"

    @property
    def stackset_administration_role_name(self) -> str:
        return f"{self.project}-stackset-administration"

    @property
    def stackset_execution_role_name(self) -> str:
        return f"{self.project}-stackset-execution"

    @property
    def deploy_verifier_role_name(self) -> str:
        """Read-only role in each target account the deploy pipeline's verify step assumes."""
        return f"{self.project}-deploy-verifier"

    @property
    def modeldeploy_verify_role_name(self) -> str:
        """Role of the verify CodeBuild project in the tooling account (trusted by the verifier roles)."""
        return f"{self.project}-modeldeploy-verify"

    def asset_bucket_name(self, account_id: str, region: str) -> str:
        """Where ``mlops deploy`` publishes the stacks' file assets in an account (CloudFormation form in app.py)."""
        return f"{self.project}-cdk-assets-{account_id}-{region}"

    @property
    def studio_jwks(self) -> str:
        return self.studio_jwks_url or f"{(self.studio_token_issuer or '').rstrip('/')}/.well-known/jwks.json"

    def stage_stack_set_name(self, stage: str) -> str:
        """One stack set per stage, so that updating staging can never touch prod."""
        return f"{self.project}-{stage}"
