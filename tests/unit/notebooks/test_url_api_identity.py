"""Who the URL API serves: IAM users, and sessions of the analyst persona as the user their name binds."""

from __future__ import annotations

import pytest

from mlops_runtime.errors import ApiError
from mlops_runtime.notebooks.url_api import caller_user


@pytest.mark.parametrize(("arn", "user"), [
    ("arn:aws:iam::123456789012:user/ana", "ana"),
    ("arn:aws:iam::123456789012:user/analysts/bo", "bo"),
    ("arn:aws:sts::123456789012:assumed-role/mlops-analyst/ana", "ana"),
    ("arn:aws-cn:sts::123456789012:assumed-role/mlops-analyst/li", "li"),
])
def test_analysts_are_recognized(arn: str, user: str) -> None:
    assert caller_user(arn, "mlops-analyst") == user


@pytest.mark.parametrize(("arn", "analyst_role"), [
    ("arn:aws:sts::123456789012:assumed-role/mlops-data-scientist/ana", "mlops-analyst"),  # another role, same session name
    ("arn:aws:sts::123456789012:assumed-role/mlops-analyst/ana", None),  # no environment: no persona
    ("arn:aws:iam::123456789012:root", "mlops-analyst"),
    (None, "mlops-analyst"),
])
def test_anyone_else_is_refused(arn: str | None, analyst_role: str | None) -> None:
    with pytest.raises(ApiError) as raised:
        caller_user(arn, analyst_role)
    assert (raised.value.status, str(raised.value)) == (403, "only analysts (IAM users or the analyst persona) have notebooks")
