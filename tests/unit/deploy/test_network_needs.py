"""Which endpoint services a function's role lets it call (what ``mlops doctor`` holds against its network)."""

from __future__ import annotations

from mlops_platform.deploy.platform_checks import called_services


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_allowed_actions_name_their_endpoint_services() -> None:
    role = [_policy({"Effect": "Allow", "Action": ["sagemaker:DescribeNotebookInstance", "servicecatalog:DescribeRecord"], "Resource": "*"},
                    {"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint", "Resource": "*"}),
            _policy({"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "*"})]
    assert called_services(role) == {"sagemaker.api", "sagemaker.runtime", "servicecatalog", "ssm"}


def test_what_lambda_does_for_the_function_denials_and_pass_role_need_no_route() -> None:
    role = [_policy({"Effect": "Allow", "Action": ["logs:PutLogEvents", "ec2:CreateNetworkInterface", "xray:PutTraceSegments"], "Resource": "*"},
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                    {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"})]
    assert called_services(role) == set()


def test_a_single_statement_and_a_single_action_are_read_as_lists() -> None:
    assert called_services([{"Statement": {"Effect": "Allow", "Action": "states:SendTaskSuccess", "Resource": "*"}}]) == {"states"}
