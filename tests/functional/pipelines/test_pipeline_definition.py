"""The model-build pipeline definition (SageMaker SDK v3), rendered against the embedded AWS."""

from __future__ import annotations

import json

import pytest

from embedded_aws import EmbeddedAws

ROLE = "arn:aws:iam::123456789012:role/pipeline"

def _definition(**kwargs: object) -> dict:
    from pipelines.modelbuild.pipeline import get_pipeline

    return json.loads(get_pipeline("us-east-1", ROLE, "artifacts", **kwargs).definition())


def test_steps_parameters_and_gate(sdk_env: EmbeddedAws) -> None:
    definition = _definition()
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("Preprocess", "Processing"), ("Train", "Training"), ("Evaluate", "Processing"), ("AccuracyGate", "Condition"),
        ("Register-RepackModel-Model", "Training")]
    assert {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]} == {
        "InputDataUrl": "s3://artifacts/mlops/data/data.csv", "ProcessingInstanceType": "ml.m5.xlarge",
        "TrainingInstanceType": "ml.m5.xlarge", "NumberOfTrees": 100, "LearningRate": 0.1, "MinAccuracy": 0.9,
        "ModelApprovalStatus": "PendingManualApproval"}
    gate = definition["Steps"][3]["Arguments"]
    [condition] = gate["Conditions"]
    assert condition["Type"] == "GreaterThanOrEqualTo" and condition["RightValue"] == {"Get": "Parameters.MinAccuracy"}
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == "binary_classification_metrics.accuracy.value"
    assert [s["Name"] for s in gate["IfSteps"]] == ["Register"] and [s["Type"] for s in gate["ElseSteps"]] == ["Fail"]
    register = gate["IfSteps"][0]["Arguments"]
    assert register["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    assert register["ModelPackageGroupName"] == "mlops-models"
    assert register["ModelMetrics"]["ModelQuality"]["Statistics"] == {"ContentType": "application/json", "S3Uri": {"Std:Join": {
        "On": "/", "Values": [{"Get": "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"}, "evaluation.json"]}}}
    [container] = register["InferenceSpecification"]["Containers"]
    assert container["ModelDataUrl"] == {"Get": "Steps.Register-RepackModel-Model.ModelArtifacts.S3ModelArtifacts"}
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"


def test_tunables_are_parameters_not_literals(sdk_env: EmbeddedAws) -> None:
    steps = {s["Name"]: s["Arguments"] for s in _definition()["Steps"]}
    assert steps["Train"]["HyperParameters"] == {"n_estimators": {"Get": "Parameters.NumberOfTrees"},
                                                 "learning_rate": {"Get": "Parameters.LearningRate"}}
    assert steps["Train"]["ResourceConfig"]["InstanceType"] == {"Get": "Parameters.TrainingInstanceType"}
    assert steps["Preprocess"]["ProcessingResources"]["ClusterConfig"]["InstanceType"] == {"Get": "Parameters.ProcessingInstanceType"}
    evaluate_inputs = {i["InputName"]: i["S3Input"]["S3Uri"] for i in steps["Evaluate"]["ProcessingInputs"]}
    assert evaluate_inputs["model"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}


def test_vpc_and_kms_reach_every_job(sdk_env: EmbeddedAws) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    steps = {s["Name"]: s["Arguments"] for s in _definition(subnets=["subnet-1"], security_group_ids=["sg-1"], kms_key=key)["Steps"]}
    for name in ("Preprocess", "Evaluate"):
        assert steps[name]["NetworkConfig"]["VpcConfig"] == {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
        assert steps[name]["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == key
        assert steps[name]["ProcessingOutputConfig"]["KmsKeyId"] == key
    assert steps["Train"]["VpcConfig"] == {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    assert steps["Train"]["OutputDataConfig"]["KmsKeyId"] == key
    assert steps["Train"]["ResourceConfig"]["VolumeKmsKeyId"] == key
    repack = steps["Register-RepackModel-Model"]
    assert repack["VpcConfig"] == {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    assert repack["OutputDataConfig"]["KmsKeyId"] == key and repack["ResourceConfig"]["VolumeKmsKeyId"] == key


def test_get_pipeline_definition_writes_json(sdk_env: EmbeddedAws, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from pipelines.get_pipeline_definition import main

    target = tmp_path / "definition.json"
    kwargs = json.dumps({"region": "us-east-1", "role": ROLE, "default_bucket": "artifacts", "pipeline_name": "p1"})
    assert main(["--kwargs", kwargs, "--file-name", str(target)]) == 0
    assert [s["Name"] for s in json.loads(target.read_text())["Steps"]][:2] == ["Preprocess", "Train"]


@pytest.mark.parametrize(("kwargs", "message"), [("[1]", "--kwargs must be a JSON object, got list"),
                                                 ('{"region": "us-east-1", "nope": 1}', "unexpected keyword argument 'nope'")])
def test_get_pipeline_definition_errors(kwargs: str, message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from pipelines.get_pipeline_definition import main

    assert main(["--kwargs", kwargs]) == 2
    assert message in capsys.readouterr().err
