"""The PyJWT layer is published once per content on the (embedded) AWS and reused while nothing changes."""

from __future__ import annotations

from embedded_aws import EmbeddedAws
from mlops_platform.deploy.layers import publish_layer


def test_the_same_content_reuses_the_version_and_new_content_publishes_the_next(aws: EmbeddedAws) -> None:
    s3, lam = aws.client("s3"), aws.client("lambda")
    s3.create_bucket(Bucket="assets")
    first = publish_layer(lam, s3, "assets", "mlops-pyjwt", b"PK\x05\x06" + b"\x00" * 18)
    assert first.endswith(":layer:mlops-pyjwt:1")
    assert publish_layer(lam, s3, "assets", "mlops-pyjwt", b"PK\x05\x06" + b"\x00" * 18) == first
    second = publish_layer(lam, s3, "assets", "mlops-pyjwt", b"PK\x05\x06" + b"\x00" * 17 + b"\x01")
    assert second.endswith(":layer:mlops-pyjwt:2")
    [version] = [v for v in lam.list_layer_versions(LayerName="mlops-pyjwt")["LayerVersions"] if v["LayerVersionArn"] == second]
    assert version["CompatibleRuntimes"] == ["python3.11"]
    assert [o["Key"].startswith("layers/mlops-pyjwt-") for o in s3.list_objects_v2(Bucket="assets")["Contents"]] == [True, True]
