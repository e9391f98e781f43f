"""Project names are bounded so that every bucket a project makes fits S3's 63 characters, in every region."""

from __future__ import annotations

import re

import pytest

from mlops_runtime.config import PlatformConfig
from mlops_runtime.projects.names import PLATFORM_NAME_MAX, max_project_name_length, project_name_pattern

LONG_REGIONS = ("ap-southeast-1", "ap-northeast-3", "us-gov-west-1")


def _longest_bucket(platform: str, project: str, region: str) -> str:
    return f"{platform}-{project}-modeldeploy-source-123456789012-{region}"


@pytest.mark.parametrize("platform", ["mlops", "ml", "a" * PLATFORM_NAME_MAX])
def test_the_longest_allowed_project_name_fits_every_region_and_one_more_does_not_match(platform: str) -> None:
    longest = max_project_name_length(platform)
    name = "p" * longest
    assert re.match(project_name_pattern(platform), name)
    assert not re.match(project_name_pattern(platform), name + "p")
    for region in LONG_REGIONS:
        assert len(_longest_bucket(platform, name, region)) <= 63, region
    assert len(_longest_bucket(platform, name + "p", "ap-southeast-1")) > 63 or longest == 12


def test_the_default_platform_leaves_ten_characters() -> None:
    assert max_project_name_length("mlops") == 10
    assert project_name_pattern("mlops") == r"^[a-z][a-z0-9-]{1,9}$"


def test_a_platform_name_that_leaves_no_room_for_projects_is_refused() -> None:
    PlatformConfig(project="a" * PLATFORM_NAME_MAX)
    with pytest.raises(ValueError, match=f"project must be at most {PLATFORM_NAME_MAX} characters: its SageMaker projects' bucket names"):
        PlatformConfig(project="a" * (PLATFORM_NAME_MAX + 1))
