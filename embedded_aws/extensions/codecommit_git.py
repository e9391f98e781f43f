"""CodeCommit repositories take ``git push`` and ``git clone``: Git smart HTTP on the embedded endpoint.

moto 5.2.5 keeps CodeCommit repositories as names only: nothing can be pushed to them. Here each repository is a bare
Git repository served by ``git http-backend`` at its ``cloneUrlHttp``,
``http://127.0.0.1:<port>/codecommit/<region>/v1/repos/<name>``. As on CodeCommit, Git authenticates over HTTPS Basic
and IAM authorizes ``codecommit:GitPull`` (fetch, clone) and ``codecommit:GitPush`` on the repository's ARN; the
embedded AWS takes an IAM user's access key id and secret as the Git user name and password (where CodeCommit issues
service-specific Git credentials or signs with the credential helper). A push that moves a branch or tag emits
``CodeCommit Repository State Change`` (``referenceCreated``/``referenceUpdated``/``referenceDeleted``) to EventBridge,
the event CodePipeline's CodeCommit source rule listens for. ``AWS::CodeCommit::Repository`` is created through the API,
its ``Code`` (a zip in S3) committed as the first commit of its branch.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.codecommit.models import CodeCommit, CodeCommitBackend, codecommit_backends
from moto.events.models import events_backends
from moto.s3.models import s3_backends
from moto.settings import moto_server_port

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import ApiResource, register_resource_types
from embedded_aws.extensions.iam_authorization import AUTHORIZER
from embedded_aws.extensions.wsgi_routes import route_paths
from embedded_aws.git.http_backend import run_backend
from embedded_aws.iam.actions import Authorization
from embedded_aws.iam.principals import DIRECTORY, USER, credentials_of

PATH = re.compile(r"^/codecommit/(?P<region>[a-z0-9-]+)/v1/repos/(?P<name>[\w.-]+?)(?:\.git)?(?P<rest>/.*)$")
REALM = 'Basic realm="embedded CodeCommit"'


def clone_url(region: str, name: str) -> str:
    return f"http://127.0.0.1:{moto_server_port()}/codecommit/{region}/v1/repos/{name}"


class BareRepositories:
    """The bare repositories on disk, one per account/region/name, created on first use."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()

    def path(self, account: str, region: str, name: str) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="embedded-codecommit-"))
            folder = self._root / account / region / f"{name}.git"
            if not folder.exists():
                folder.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(folder)], check=True,
                               capture_output=True)
                subprocess.run(["git", "-C", str(folder), "config", "http.receivepack", "true"], check=True)
            return folder

    def remove(self, account: str, region: str, name: str) -> None:
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root / account / region / f"{name}.git", ignore_errors=True)

    def forget(self) -> None:
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None


REPOSITORIES = BareRepositories()


def references(folder: Path) -> dict[str, str]:
    """Ref name → commit of every branch and tag."""
    listed = subprocess.run(["git", "-C", str(folder), "for-each-ref", "--format=%(refname) %(objectname)"],
                            capture_output=True, text=True, check=True).stdout
    pairs = (line.split(" ", 1) for line in listed.splitlines() if line)
    return {ref: commit for ref, commit in pairs}


def tip(account: str, region: str, name: str, branch: str) -> str | None:
    """The commit at the tip of ``branch`` of an existing repository; None when the branch has none."""
    folder = REPOSITORIES.path(account, region, name)
    found = subprocess.run(["git", "-C", str(folder), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"],
                           capture_output=True, text=True, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def archive(account: str, region: str, name: str, commit: str) -> tuple[str, bytes]:
    """``(subject, zip of the tree)`` of ``commit``."""
    folder = REPOSITORIES.path(account, region, name)
    subject = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%s", commit], capture_output=True, text=True,
                             check=True).stdout.strip()
    body = subprocess.run(["git", "-C", str(folder), "archive", "--format=zip", commit], capture_output=True, check=True).stdout
    return subject, body


def _answer(start_response: Any, status: str, text: str, headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), *(headers or [])])
    return [text.encode()]


def _basic_credentials(environ: dict[str, Any]) -> tuple[str, str] | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _announce(repository: CodeCommit, region: str, caller_arn: str, before: dict[str, str], after: dict[str, str]) -> None:
    metadata = repository.repository_metadata
    entries = []
    for ref in sorted(set(before) | set(after)):
        if before.get(ref) == after.get(ref):
            continue
        event = "referenceCreated" if ref not in before else "referenceDeleted" if ref not in after else "referenceUpdated"
        kind = "branch" if ref.startswith("refs/heads/") else "tag" if ref.startswith("refs/tags/") else "reference"
        detail = {"callerUserArn": caller_arn, "event": event, "referenceFullName": ref,
                  "referenceName": ref.split("/", 2)[-1], "referenceType": kind, "repositoryId": metadata["repositoryId"],
                  "repositoryName": metadata["repositoryName"]}
        if ref in after:
            detail["commitId"] = after[ref]
        if ref in before:
            detail["oldCommitId"] = before[ref]
        entries.append({"Source": "aws.codecommit", "DetailType": "CodeCommit Repository State Change",
                        "Resources": [metadata["Arn"]], "Detail": json.dumps(detail)})
    if entries:
        events_backends[metadata["accountId"]][region].put_events(entries)


def serve(environ: dict[str, Any], start_response: Any, found: re.Match[str]) -> list[bytes]:
    """Authenticate, authorize and hand the request to ``git http-backend``."""
    region, name, rest = found["region"], found["name"], found["rest"]
    credentials = _basic_credentials(environ)
    issued = credentials_of(credentials[0]) if credentials else None
    caller = DIRECTORY.caller(credentials[0]) if credentials else None
    # Git credentials belong to an IAM user: a role session's key would need its token, which Git cannot send here
    if credentials is None or issued is None or issued[0] != credentials[1] or caller is None or caller.kind != USER:
        return _answer(start_response, "401 Unauthorized", "authentication required", [("WWW-Authenticate", REALM)])
    repository = codecommit_backends[caller.account][region].repositories.get(name)
    if repository is None:
        return _answer(start_response, "404 Not Found", f"repository {name} does not exist in {caller.account} ({region})")
    pushing = rest.endswith("/git-receive-pack") or "service=git-receive-pack" in environ.get("QUERY_STRING", "")
    action = "codecommit:GitPush" if pushing else "codecommit:GitPull"
    refusal = AUTHORIZER.check(credentials[0], Authorization(action, (repository.repository_metadata["Arn"],)))
    if refusal is not None:
        return _answer(start_response, "403 Forbidden", refusal.message)
    folder = REPOSITORIES.path(caller.account, region, name)
    receiving = pushing and environ.get("REQUEST_METHOD") == "POST"
    before = references(folder) if receiving else {}
    status, headers, body = run_backend(environ, folder.parent, f"/{folder.name}{rest}", caller.arn)
    if receiving and status.startswith("200"):
        _announce(repository, region, caller.arn, before, references(folder))
    start_response(status, headers)
    return [body]


def initial_commit(account: str, region: str, name: str, code: dict[str, Any]) -> str:
    """The repository's first commit from the zip at ``Code.S3`` on ``Code.BranchName`` (``main``); its id."""
    source = code["S3"]
    found = s3_backends[account]["global"].get_object(source["Bucket"], source["Key"], version_id=source.get("ObjectVersion"))
    if found is None:
        raise LookupError(f"Code: no object s3://{source['Bucket']}/{source['Key']}")
    branch = code.get("BranchName") or "main"
    folder = REPOSITORIES.path(account, region, name)
    with tempfile.TemporaryDirectory(prefix="embedded-codecommit-code-") as work:
        with zipfile.ZipFile(io.BytesIO(found.value)) as archive:
            archive.extractall(work)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": work, "GIT_AUTHOR_NAME": "AWS CloudFormation",
               "GIT_AUTHOR_EMAIL": "cloudformation@amazonaws.com", "GIT_COMMITTER_NAME": "AWS CloudFormation",
               "GIT_COMMITTER_EMAIL": "cloudformation@amazonaws.com"}
        for args in (["init", "-q", f"--initial-branch={branch}", "."], ["add", "-A"], ["commit", "-q", "--allow-empty", "-m", "Initial commit"],
                     ["push", "-q", str(folder), f"HEAD:refs/heads/{branch}"]):
            subprocess.run(["git", *args], cwd=work, env=env, capture_output=True, check=True)
        subprocess.run(["git", "-C", str(folder), "symbolic-ref", "HEAD", f"refs/heads/{branch}"], check=True)
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()


class RepositoryResource(ApiResource):
    TYPE = "AWS::CodeCommit::Repository"
    SERVICE = "codecommit"
    NAME_PROPERTY = "RepositoryName"
    ATTRIBUTES = ("Arn", "CloneUrlHttp", "CloneUrlSsh", "Name")

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if properties.get("Triggers"):
            raise ValidationError(message=f"{name} ({cls.TYPE}): the embedded AWS creates repositories without Triggers")
        code = properties.get("Code")
        if code is not None and not (code.get("S3") or {}).get("Bucket"):
            raise ValidationError(message=f"{name} ({cls.TYPE}): Code needs S3 with Bucket and Key")
        request: dict[str, Any] = {"repositoryName": name}
        if properties.get("RepositoryDescription"):
            request["repositoryDescription"] = properties["RepositoryDescription"]
        described = client.create_repository(**request)["repositoryMetadata"]
        if code is not None:
            try:
                initial_commit(described["accountId"], client.meta.region_name, name, code)
            except (LookupError, zipfile.BadZipFile) as exc:
                client.delete_repository(repositoryName=name)
                raise ValidationError(message=f"{name} ({cls.TYPE}): {exc}") from exc
        return described["repositoryId"], {"Arn": described["Arn"], "CloneUrlHttp": described["cloneUrlHttp"],
                                           "CloneUrlSsh": described["cloneUrlSsh"], "Name": name}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_repository(repositoryName=properties["RepositoryName"])  # Ref is the id; the name is required


class CodeCommitGit(Extension):
    name = "codecommit-git"
    summary = ("CodeCommit repositories are served over Git smart HTTP (clone, push) with IAM GitPull/GitPush, and a push "
               "emits CodeCommit Repository State Change events (moto keeps names only)")

    def install(self, patcher: Patcher) -> None:
        original_init = CodeCommit.__init__
        original_delete = CodeCommitBackend.delete_repository

        def __init__(self: CodeCommit, account_id: str, region: str, repository_description: str,  # noqa: N807 - moto's constructor
                     repository_name: str) -> None:
            original_init(self, account_id, region, repository_description, repository_name)
            self.repository_metadata["cloneUrlHttp"] = clone_url(region, repository_name)

        def delete_repository(self: Any, repository_name: str) -> str | None:
            REPOSITORIES.remove(self.account_id, self.region_name, repository_name)
            return original_delete(self, repository_name)

        patcher.replace(CodeCommit, "__init__", __init__)
        patcher.replace(CodeCommitBackend, "delete_repository", delete_repository)
        route_paths(patcher, PATH, serve)
        register_resource_types(patcher, RepositoryResource)

    def reset(self) -> None:
        REPOSITORIES.forget()

    def shutdown(self) -> None:
        REPOSITORIES.forget()
