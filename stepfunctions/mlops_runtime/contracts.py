"""Names and patterns the deployer, the CDK app and the functions must agree on (one definition each)."""

from __future__ import annotations

from typing import Any

#: The tooling stack's parameter taking the PyJWT layer (present when the Studio URL API is on).
JWT_LAYER_PARAMETER = "JwtLayerArn"
#: The model registry's approval status that releases a version to the deploy pipeline.
MODEL_APPROVED = "Approved"


def approval_event_pattern(model_package_group: str) -> dict[str, Any]:
    """EventBridge pattern: a package of this group became (or was created) ``Approved`` — nothing else.

    The anchors trigger on any state change of the group, so a rejection or a new pending version
    redeploys; this pattern matches approvals only.
    """
    return {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
            "detail": {"ModelPackageGroupName": [model_package_group], "ModelApprovalStatus": [MODEL_APPROVED]}}
