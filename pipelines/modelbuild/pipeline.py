"""Model-build pipeline (SageMaker Python SDK v3).

    Preprocess ──▶ Train ──▶ Evaluate ──▶ AccuracyGate ──▶ Register (PendingManualApproval)
                                                   └──────▶ TooInaccurate (Fail)

Every execution-time knob is a pipeline parameter; build-time knobs (names, role, bucket, VPC, KMS)
are keyword arguments of :func:`get_pipeline`. Building the definition makes no AWS call except the
SDK's upload of the step scripts to ``default_bucket`` when the definition is rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sagemaker.core import image_uris
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.network import NetworkConfig
from sagemaker.core.processing import ScriptProcessor
from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output
from sagemaker.core.workflow import (
    ConditionGreaterThanOrEqualTo,
    Join,
    JsonGet,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
    PropertyFile,
)
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow import ConditionStep, FailStep, ModelStep, Pipeline, ProcessingStep, TrainingStep
from sagemaker.serve import ModelBuilder
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, InputData, Networking, OutputDataConfig, SourceCode

from pipelines.modelbuild.defaults import default_input_data_url

HERE = Path(__file__).resolve().parent
SKLEARN_VERSION = "1.2-1"
PROCESSING = "/opt/ml/processing"


def _s3_output(name: str, bucket: str, prefix: str) -> ProcessingOutput:
    return ProcessingOutput(output_name=name, s3_output=ProcessingS3Output(
        s3_uri=f"s3://{bucket}/{prefix}/{name}", local_path=f"{PROCESSING}/{name}", s3_upload_mode="EndOfJob"))


def _s3_input(name: str, source: Any, destination: str) -> ProcessingInput:
    return ProcessingInput(input_name=name, s3_input=ProcessingS3Input(
        s3_uri=source, local_path=destination, s3_data_type="S3Prefix", s3_input_mode="File"))


def _repack_settings(bucket: str, prefix: str, subnets: list[str] | None, security_group_ids: list[str] | None,
                    kms_key: str | None) -> dict[str, Any]:
    """The SDK's repack job (inference code packed into the model) gets the same VPC and KMS as the other jobs."""
    settings: dict[str, Any] = {
        "base_job_name": f"{prefix.split('/')[0]}-repack",
        "output_data_config": OutputDataConfig(s3_output_path=f"s3://{bucket}/{prefix}/packed-model", kms_key_id=kms_key)}
    if subnets:
        settings.update(subnets=subnets, security_group_ids=security_group_ids)
    return settings


def _encrypt_repack_volume(register: ModelStep, kms_key: str | None) -> None:
    """The SDK builds the repack job's compute itself, without a volume key: add it to that job's trainer."""
    for step in register.steps:
        if step is not register and step.step_args is not None:
            step.step_args.func_args[0].compute.volume_kms_key_id = kms_key


def get_pipeline(
    region: str,
    role: str,
    default_bucket: str,
    pipeline_name: str = "mlops-model-build",
    model_package_group_name: str = "mlops-models",
    base_job_prefix: str = "mlops",
    sagemaker_session: PipelineSession | None = None,
    subnets: list[str] | None = None,
    security_group_ids: list[str] | None = None,
    kms_key: str | None = None,
) -> Pipeline:
    """The model-build pipeline; VPC settings and the KMS key reach every step that runs a job."""
    session = sagemaker_session or PipelineSession(default_bucket=default_bucket)
    prefix = f"{base_job_prefix}/{pipeline_name}"

    input_data = ParameterString(name="InputDataUrl", default_value=default_input_data_url(default_bucket, base_job_prefix))
    processing_type = ParameterString(name="ProcessingInstanceType", default_value="ml.m5.xlarge")
    training_type = ParameterString(name="TrainingInstanceType", default_value="ml.m5.xlarge")
    n_estimators = ParameterInteger(name="NumberOfTrees", default_value=100)
    learning_rate = ParameterFloat(name="LearningRate", default_value=0.1)
    min_accuracy = ParameterFloat(name="MinAccuracy", default_value=0.9)
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    parameters = [input_data, processing_type, training_type, n_estimators, learning_rate, min_accuracy, approval]

    image = image_uris.retrieve("sklearn", region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")
    network = NetworkConfig(subnets=subnets, security_group_ids=security_group_ids) if subnets else None

    def processor(name: str) -> ScriptProcessor:
        return ScriptProcessor(role=role, image_uri=image, command=["python3"], instance_count=1, instance_type=processing_type,
                               base_job_name=f"{base_job_prefix}-{name}", sagemaker_session=session, volume_kms_key=kms_key,
                               output_kms_key=kms_key, network_config=network)

    preprocess = ProcessingStep(name="Preprocess", step_args=processor("preprocess").run(
        code=str(HERE / "preprocess.py"),
        inputs=[_s3_input("data", input_data, f"{PROCESSING}/input")],
        outputs=[_s3_output(name, default_bucket, prefix) for name in ("train", "validation", "test")]))

    trainer = ModelTrainer(
        training_image=image, role=role, sagemaker_session=session, base_job_name=f"{base_job_prefix}-train",
        source_code=SourceCode(source_dir=str(HERE), entry_script="train.py"),
        compute=Compute(instance_type=training_type, instance_count=1, volume_kms_key_id=kms_key),
        networking=Networking(subnets=subnets, security_group_ids=security_group_ids) if subnets else None,
        output_data_config=OutputDataConfig(s3_output_path=f"s3://{default_bucket}/{prefix}/model", kms_key_id=kms_key),
        hyperparameters={"n_estimators": n_estimators, "learning_rate": learning_rate},
    )
    train_outputs = preprocess.properties.ProcessingOutputConfig.Outputs
    train = TrainingStep(name="Train", step_args=trainer.train(input_data_config=[
        InputData(channel_name="train", data_source=train_outputs["train"].S3Output.S3Uri)]))

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(name="Evaluate", property_files=[report], step_args=processor("evaluate").run(
        code=str(HERE / "evaluate.py"),
        inputs=[_s3_input("model", train.properties.ModelArtifacts.S3ModelArtifacts, f"{PROCESSING}/model"),
                _s3_input("test", train_outputs["test"].S3Output.S3Uri, f"{PROCESSING}/test")],
        outputs=[_s3_output("evaluation", default_bucket, prefix)]))

    evaluation_url = Join(on="/", values=[
        evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri, "evaluation.json"])
    model = ModelBuilder(
        s3_model_data_url=train.properties.ModelArtifacts.S3ModelArtifacts, image_uri=image, role_arn=role,
        sagemaker_session=session, source_code=SourceCode(source_dir=str(HERE), entry_script="inference.py"))
    model.model_name = "Model"  # a fixed name keeps the repack step's name (Register-RepackModel-<name>) stable
    register = ModelStep(
        name="Register",
        step_args=model.register(
            model_package_group_name=model_package_group_name, approval_status=approval,
            content_types=["text/csv"], response_types=["text/csv"],
            inference_instances=["ml.m5.large", "ml.m5.xlarge"], transform_instances=["ml.m5.xlarge"],
            model_metrics=ModelMetrics(model_statistics=MetricsSource(s3_uri=evaluation_url, content_type="application/json"))),
        repack_model_step_settings=_repack_settings(default_bucket, prefix, subnets, security_group_ids, kms_key))
    _encrypt_repack_volume(register, kms_key)
    gate = ConditionStep(
        name="AccuracyGate",
        conditions=[ConditionGreaterThanOrEqualTo(
            left=JsonGet(step_name=evaluate.name, property_file=report, json_path="binary_classification_metrics.accuracy.value"),
            right=min_accuracy)],
        if_steps=[register],
        else_steps=[FailStep(name="TooInaccurate", error_message="Accuracy below the MinAccuracy threshold")],
    )
    return Pipeline(name=pipeline_name, parameters=parameters, steps=[preprocess, train, evaluate, gate], sagemaker_session=session)
