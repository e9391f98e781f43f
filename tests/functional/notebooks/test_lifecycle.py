"""Environment lifecycle on the embedded AWS: refresh, stop, start, terminate, with state guards."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from mlops_runtime.notebooks.requests import NotebookRequest
from mlops_runtime.notebooks.service import InvalidTransition, NotebookNotFound
from support import Platform, wait_for


def _status_becomes(platform: Platform, user: str, status: str) -> str:
    return wait_for(lambda: platform.service.status(user)["status"] == status and status, timeout=15)


def test_full_lifecycle_request_refresh_stop_start_terminate(platform: Platform) -> None:
    service, user = platform.service, "eve"
    service.request(NotebookRequest(user=user, request_id="req-eve"))
    first = service.url(user).url

    refreshed = service.refresh(user)
    assert refreshed.url != first and service.url(user).url == refreshed.url

    service.stop(user)
    _status_becomes(platform, user, "STOPPED")
    with pytest.raises(InvalidTransition, match=r"cannot stop eve-Notebook: it is STOPPED \(needs COMPLETED\)"):
        service.stop(user)
    with pytest.raises(InvalidTransition, match="cannot refresh the URL of eve-Notebook: it is STOPPED"):
        service.refresh(user)

    service.start(user)
    assert _status_becomes(platform, user, "COMPLETED")
    history = [service.status(user)["status"]]
    assert history == ["COMPLETED"]

    service.terminate(user)
    assert _status_becomes(platform, user, "TERMINATED")
    with pytest.raises(NotebookNotFound):
        service.url(user)
    with pytest.raises(ClientError):
        platform.client("sagemaker").describe_notebook_instance(NotebookInstanceName="eve-Notebook")
    assert platform.client("servicecatalog").search_provisioned_products(Filters={"SearchQuery": ["name:eve-Notebook"]})["TotalResultsCount"] == 0
    with pytest.raises(InvalidTransition, match="already TERMINATED"):
        service.terminate(user)


def test_a_terminated_user_can_request_again(platform: Platform) -> None:
    service, user = platform.service, "fay"
    service.request(NotebookRequest(user=user, request_id="req-fay-1"))
    service.terminate(user)
    _status_becomes(platform, user, "TERMINATED")
    again = service.request(NotebookRequest(user=user, request_id="req-fay-2"))
    assert (again["status"], again["request_id"]) == ("COMPLETED", "req-fay-2")


def test_unknown_environment_is_a_clear_error(platform: Platform) -> None:
    with pytest.raises(NotebookNotFound, match="'gus' has no notebook environment"):
        platform.service.stop("gus")


def test_list_filters_by_owner(platform: Platform) -> None:
    platform.service.request(NotebookRequest(user="gus", request_id="req-gus"))
    assert [r["environment_id"] for r in platform.service.list("gus")] == ["gus-Notebook"]
    assert "gus-Notebook" in [r["environment_id"] for r in platform.service.list()]


def test_migrate_moves_the_platform_and_issues_a_new_url(platform: Platform) -> None:
    service, user = platform.service, "hal"
    service.request(NotebookRequest(user=user, platform_identifier="notebook-al2-v3", request_id="req-hal"))
    before = service.url(user)
    steps: list[str] = []
    result = service.migrate(user, "notebook-al2023-v1", steps.append)
    assert (result["previous_platform_identifier"], result["platform_identifier"], result["status"]) == (
        "notebook-al2-v3", "notebook-al2023-v1", "COMPLETED")
    assert steps[0] == "stopping hal-Notebook" and steps[-1] == "starting hal-Notebook"
    described = platform.client("sagemaker").describe_notebook_instance(NotebookInstanceName="hal-Notebook")
    assert (described["PlatformIdentifier"], described["NotebookInstanceStatus"]) == ("notebook-al2023-v1", "InService")
    assert service.url(user) != before
    from mlops_runtime.notebooks.requests import InvalidRequest

    with pytest.raises(InvalidRequest, match="already runs on notebook-al2023-v1"):
        service.migrate(user, "notebook-al2023-v1")
    with pytest.raises(InvalidRequest, match="platform identifier 'notebook-al2-v1' is not allowed"):
        service.migrate(user, "notebook-al2-v1")


def test_the_seeds_automation_terminate_event_ends_the_environment_and_its_url(platform: Platform) -> None:
    """Service Workbench's SSM automation announces a termination it did itself: the platform follows its vocabulary."""
    import json

    platform.service.request(NotebookRequest(user="ivy", request_id="req-ivy"))
    ssm = platform.client("ssm")
    assert ssm.get_parameter(Name="/SageMaker/Notebooks/ivy-Notebook")["Parameter"]["Type"] == "SecureString"
    detail = {"EnvId": "ivy-Notebook", "ProvisionedProductId": "pp-ivy", "RecordId": "rec-ivy", "EnvType": "sagemaker-notebook",
              "Operation": "Terminate", "Status": "TERMINATED"}
    platform.client("events").put_events(Entries=[{"Source": "automation", "DetailType": "Terminate", "Detail": json.dumps(detail)}])
    _status_becomes(platform, "ivy", "TERMINATED")
    url = [{"Key": "Name", "Values": ["/SageMaker/Notebooks/ivy-Notebook"]}]
    wait_for(lambda: not ssm.describe_parameters(ParameterFilters=url)["Parameters"])  # removed right after the record changed


def test_a_url_read_after_it_expired_is_a_newly_minted_one(platform: Platform) -> None:
    import datetime

    from mlops_runtime.notebooks.service import NotebookService

    service = platform.service
    service.request(NotebookRequest(user="dee", request_id="req-dee"))
    fresh = service.url("dee")
    assert service.url("dee") == fresh  # still openable: the stored one
    later = NotebookService(service.client, service.platform, now=lambda: fresh.issued_at + datetime.timedelta(minutes=6))
    minted = later.url("dee")
    assert minted.url != fresh.url and minted.issued_at == fresh.issued_at + datetime.timedelta(minutes=6)
    assert minted.expires_at == minted.issued_at + datetime.timedelta(minutes=5)
    ssm = platform.client("ssm")
    assert ssm.get_parameter(Name="/SageMaker/Notebooks/dee-Notebook", WithDecryption=True)["Parameter"]["Value"] == minted.url
    [described] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/SageMaker/Notebooks/dee-Notebook"]}])["Parameters"]
    assert described["Description"].startswith(f"Presigned URL of dee-Notebook issued {minted.issued_at.isoformat(timespec='seconds')}")
