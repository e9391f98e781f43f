"""The anchor's way (the AWS vending sample): one Lambda creates the notebook and blocks on a 30 s waiter.

Deployed into the embedded AWS by ``notebook_provisioning.py`` as the baseline; not platform code.
"""

import boto3


def handler(event, context):
    sagemaker, ssm = boto3.client("sagemaker"), boto3.client("ssm")
    name = f"{event['user']}-Notebook"
    sagemaker.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=event["role_arn"])
    sagemaker.get_waiter("notebook_instance_in_service").wait(NotebookInstanceName=name, WaiterConfig={"Delay": 30, "MaxAttempts": 20})
    url = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName=name)["AuthorizedUrl"]
    ssm.put_parameter(Name=f"/SageMaker/Notebooks/{name}", Value=url, Type="String", Overwrite=True)
    return {"notebook": name}
