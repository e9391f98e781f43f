"""The pipeline engine: expressions, conditions, dependencies and the run order, with step runners faked."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from embedded_aws.pipeline_engine.api_shapes import request_for
from embedded_aws.pipeline_engine.conditions import holds
from embedded_aws.pipeline_engine.executor import EXECUTION_FAILURE, PipelineRun, StepOutcome, job_name
from embedded_aws.pipeline_engine.expressions import ExpressionError, Scope, path_segments, references, resolve
from embedded_aws.pipeline_engine.graph import read, typed_parameters

PREPROCESS = {"ProcessingOutputConfig": {"Outputs": [
    {"OutputName": "train", "S3Output": {"S3Uri": "s3://b/train"}},
    {"OutputName": "evaluation", "S3Output": {"S3Uri": "s3://b/evaluation"}}]}}


def _scope(**files: str) -> Scope:
    return Scope(parameters={"MinAccuracy": 0.9, "Trees": 100}, execution={"PipelineExecutionId": "abc123"},
                 properties={"Preprocess": PREPROCESS, "Train": {"ModelArtifacts": {"S3ModelArtifacts": "s3://b/m.tar.gz"}}},
                 read_s3=lambda uri: files[uri])


def test_paths_read_names_quotes_and_indexes() -> None:
    assert path_segments("ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri") == [
        "ProcessingOutputConfig", "Outputs", "train", "S3Output", "S3Uri"]
    assert path_segments('a["x y"][2].b') == ["a", "x y", 2, "b"]
    with pytest.raises(ExpressionError, match="cannot read property path"):
        path_segments("a..b")


def test_get_join_and_json_get_resolve_against_the_running_execution() -> None:
    scope = _scope(**{"s3://b/evaluation/evaluation.json": json.dumps({"metrics": {"accuracy": {"value": 0.95}}, "l": [1, 7]})})
    assert resolve({"Get": "Parameters.Trees"}, scope) == 100
    assert resolve({"Get": "Execution.PipelineExecutionId"}, scope) == "abc123"
    assert resolve({"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}, scope) == "s3://b/train"
    joined = {"Std:Join": {"On": "/", "Values": [
        {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"}, "evaluation.json"]}}
    assert resolve(joined, scope) == "s3://b/evaluation/evaluation.json"
    assert resolve({"Std:JsonGet": {"S3Uri": joined, "Path": "metrics.accuracy.value"}}, scope) == 0.95
    assert resolve({"Std:JsonGet": {"S3Uri": joined, "Path": "l[1]"}}, scope) == 7
    assert resolve({"A": [{"Get": "Parameters.MinAccuracy"}]}, scope) == {"A": [0.9]}


@pytest.mark.parametrize(("expression", "message"), [
    ({"Get": "Parameters.Nope"}, "the pipeline has no parameter 'Nope'"),
    ({"Get": "Steps.Evaluate.ProcessingOutputConfig"}, "step Evaluate has not run"),
    ({"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri"}, "has no item named 'test'"),
    ({"Get": "Steps.Train.ModelArtifacts.Missing"}, "step Train has no property 'Missing'"),
])
def test_a_value_that_does_not_exist_is_an_error_naming_it(expression: dict[str, Any], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        resolve(expression, _scope())


def test_conditions_compare_json_numbers_with_parameters() -> None:
    scope = _scope()
    assert holds({"Type": "GreaterThanOrEqualTo", "LeftValue": 0.9, "RightValue": {"Get": "Parameters.MinAccuracy"}}, scope)
    assert not holds({"Type": "GreaterThan", "LeftValue": 0.9, "RightValue": {"Get": "Parameters.MinAccuracy"}}, scope)
    assert holds({"Type": "LessThan", "LeftValue": "0.5", "RightValue": 0.9}, scope)
    assert holds({"Type": "In", "QueryValue": {"Get": "Parameters.Trees"}, "Values": [50, 100]}, scope)
    assert holds({"Type": "Not", "Condition": {"Type": "Equals", "LeftValue": 1, "RightValue": 2}}, scope)
    assert holds({"Type": "Or", "Conditions": [{"Type": "Equals", "LeftValue": 1, "RightValue": 2},
                                               {"Type": "Equals", "LeftValue": 2, "RightValue": 2}]}, scope)
    with pytest.raises(ExpressionError, match="unknown condition type 'Between'"):
        holds({"Type": "Between"}, scope)


DEFINITION = {
    "Parameters": [{"Name": "MinAccuracy", "Type": "Float", "DefaultValue": 0.9}, {"Name": "Trees", "Type": "Integer", "DefaultValue": 10}],
    "Steps": [
        {"Name": "Prep", "Type": "Processing", "Arguments": {"ProcessingOutputConfig": {"Outputs": []}}},
        {"Name": "Train", "Type": "Training", "Arguments": {"HyperParameters": {"n": {"Get": "Parameters.Trees"}},
                                                            "Input": {"Get": "Steps.Prep.ProcessingOutputConfig"}}},
        {"Name": "Eval", "Type": "Processing", "DependsOn": ["Train"], "Arguments": {},
         "PropertyFiles": [{"PropertyFileName": "Report", "OutputName": "evaluation", "FilePath": "evaluation.json"}]},
        {"Name": "Gate", "Type": "Condition", "Arguments": {
            "Conditions": [{"Type": "GreaterThanOrEqualTo", "RightValue": {"Get": "Parameters.MinAccuracy"},
                            "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"},
                                                          "Path": "accuracy"}}}],
            "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {"Model": {"Get": "Steps.Train.ModelArtifacts"}}}],
            "ElseSteps": [{"Name": "TooInaccurate", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Join": {
                "On": " ", "Values": ["accuracy below", {"Get": "Parameters.MinAccuracy"}]}}}}]}},
    ],
}


def test_dependencies_come_from_depends_on_references_and_branches() -> None:
    graph = read(json.dumps(DEFINITION))
    waits = {name: step.waits_for for name, step in graph.steps.items()}
    assert waits == {"Prep": set(), "Train": {"Prep"}, "Eval": {"Train"}, "Gate": {"Eval"}, "Register": {"Gate", "Train"},
                     "TooInaccurate": {"Gate"}}
    assert graph.steps["Register"].branch == ("Gate", "If") and graph.steps["TooInaccurate"].branch == ("Gate", "Else")
    broken = {"Steps": [{"Name": "A", "Type": "Fail", "DependsOn": ["Ghost"], "Arguments": {}}]}
    with pytest.raises(ExpressionError, match="step A depends on Ghost"):
        read(broken)
    assert references({"x": [{"Get": "Steps.Z.Y"}, {"Get": "Parameters.P"}]}) == {"Z"}


def test_parameters_are_typed_from_the_definition() -> None:
    declared = DEFINITION["Parameters"]
    assert typed_parameters(declared, {"Trees": "25"}) == {"MinAccuracy": 0.9, "Trees": 25}
    with pytest.raises(ExpressionError, match="parameter Trees must be Integer, got 'many'"):
        typed_parameters(declared, {"Trees": "many"})


def test_requests_take_the_types_the_api_declares() -> None:
    request = request_for("sagemaker", "CreateTrainingJob", {"HyperParameters": {"n": 100, "lr": 0.1, "on": True},
                                                             "ResourceConfig": {"InstanceCount": "1", "VolumeSizeInGB": 30}})
    assert request == {"HyperParameters": {"n": "100", "lr": "0.1", "on": "true"},
                       "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30}}


class FakeRunner:
    """Jobs succeed (or fail by name); the evaluation report says ``accuracy``."""

    def __init__(self, accuracy: float = 0.95, failing: str = "") -> None:
        self.accuracy, self.failing = accuracy, failing
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def run_job(self, kind: str, request: dict[str, Any]) -> StepOutcome:
        with self.lock:
            self.requests.append((kind, request))
        name = request.get("TrainingJobName") or request.get("ProcessingJobName")
        if self.failing and f"-{self.failing}-" in name:
            return StepOutcome(False, failure_reason="AlgorithmError: boom, exit code: 1")
        properties = {"ProcessingOutputConfig": {"Outputs": [{"OutputName": "evaluation", "S3Output": {"S3Uri": "s3://b/eval"}}]},
                      "ModelArtifacts": {"S3ModelArtifacts": f"s3://b/{name}/model.tar.gz"}}
        return StepOutcome(True, properties, {kind: {"Arn": name}})

    def register_model(self, request: dict[str, Any]) -> StepOutcome:
        with self.lock:
            self.requests.append(("register", request))
        return StepOutcome(True, {"ModelPackageArn": "arn:package/1"}, {"RegisterModel": {"Arn": "arn:package/1"}})

    def read_s3(self, uri: str) -> str:
        assert uri == "s3://b/eval/evaluation.json"
        return json.dumps({"accuracy": self.accuracy})


def _run(runner: FakeRunner, **parameters: Any) -> tuple[PipelineRun, tuple[str, str | None]]:
    graph = read(DEFINITION)
    run = PipelineRun(graph, typed_parameters(graph.parameters, parameters), {"PipelineExecutionId": "exec1"}, runner)
    return run, run.run()


def test_a_passing_model_is_registered_with_what_earlier_steps_produced() -> None:
    runner = FakeRunner(accuracy=0.95)
    run, result = _run(runner, Trees="7")
    assert result == ("Succeeded", None)
    assert [(r.name, r.status) for r in run.records] == [("Prep", "Succeeded"), ("Train", "Succeeded"), ("Eval", "Succeeded"),
                                                         ("Gate", "Succeeded"), ("Register", "Succeeded")]
    train = next(request for kind, request in runner.requests if kind == "training")
    assert train["HyperParameters"] == {"n": 7} and train["TrainingJobName"].startswith("pipelines-exec1-Train-")
    assert ("register", {"Model": {"S3ModelArtifacts": f"s3://b/{train['TrainingJobName']}/model.tar.gz"}}) in runner.requests
    assert run.records[3].metadata == {"Condition": {"Outcome": "true"}}


def test_an_inaccurate_model_takes_the_fail_branch_and_registers_nothing() -> None:
    runner = FakeRunner(accuracy=0.5)
    run, result = _run(runner)
    assert result == ("Failed", EXECUTION_FAILURE)
    assert [(r.name, r.status, r.failure_reason) for r in run.records[-2:]] == [
        ("Gate", "Succeeded", None), ("TooInaccurate", "Failed", "accuracy below 0.9")]
    assert run.records[-1].metadata == {"Fail": {"ErrorMessage": "accuracy below 0.9"}}
    assert all(kind != "register" for kind, _ in runner.requests)


def test_a_failed_step_stops_what_depends_on_it() -> None:
    run, result = _run(FakeRunner(failing="Train"))
    assert result == ("Failed", EXECUTION_FAILURE)
    assert [(r.name, r.status, r.failure_reason) for r in run.records] == [
        ("Prep", "Succeeded", None), ("Train", "Failed", "AlgorithmError: boom, exit code: 1")]


def test_an_unresolvable_reference_fails_the_step_with_a_client_error() -> None:
    definition = {"Steps": [{"Name": "A", "Type": "Training", "Arguments": {"X": {"Get": "Parameters.Missing"}}}]}
    run = PipelineRun(read(definition), {}, {"PipelineExecutionId": "e"}, FakeRunner())
    assert run.run() == ("Failed", EXECUTION_FAILURE)
    assert run.records[0].failure_reason == "ClientError: the pipeline has no parameter 'Missing'"


def test_a_step_type_the_engine_does_not_run_fails_naming_it() -> None:
    definition = {"Steps": [{"Name": "Batch", "Type": "Transform", "Arguments": {"TransformJobName": "t"}}]}
    runner = FakeRunner()
    run = PipelineRun(read(definition), {}, {"PipelineExecutionId": "e"}, runner)
    assert run.run() == ("Failed", EXECUTION_FAILURE)
    assert (run.records[0].status, run.records[0].failure_reason) == ("Failed", "ClientError: step type Transform is not run by the embedded AWS")
    assert runner.requests == []


def test_job_names_fit_sagemaker_limits() -> None:
    name = job_name("e" * 12, "S" * 80)
    assert len(name) <= 63 and name.startswith("pipelines-eeeeeeeeeeee-SSS") and not name.endswith("--")
