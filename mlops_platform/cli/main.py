"""Entry point of ``mlops``: one group, one-line errors with meaningful exit codes."""

from __future__ import annotations

import os
import sys
from typing import Any

import botocore.exceptions
import click

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from mlops_platform import __version__
from mlops_platform.cli.analysts import analysts
from mlops_platform.cli.demo import demo
from mlops_platform.cli.doctor import doctor
from mlops_platform.cli.local import local
from mlops_platform.cli.model import model
from mlops_platform.cli.notebook import notebook
from mlops_platform.cli.pipeline import pipeline
from mlops_platform.cli.platform import deploy, destroy, stacks, synth
from mlops_platform.cli.project import project_group
from mlops_platform.cli.setup import setup
from mlops_platform.cli.studio import studio
from mlops_runtime.errors import MlopsError


class MlopsGroup(click.Group):
    """Turns :class:`MlopsError` into ``error: <message>`` on stderr and the error's exit code; an AWS refusal the command
    did not handle (e.g. AccessDenied for a role without the permission) into ``error: <Operation>: <Code>: <message>``
    and exit code 1, rather than a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlopsError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            click.echo(f"error: {exc.operation_name}: {error.get('Code', 'Error')}: {error.get('Message', '')}", err=True)
            ctx.exit(1)
        except botocore.exceptions.BotoCoreError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=MlopsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlops")
def cli() -> None:
    """Self-service SageMaker notebooks and governed model delivery, on AWS or on the embedded AWS."""


for command in (local, synth, deploy, destroy, stacks, setup, doctor, analysts, notebook, pipeline, model, project_group, studio, demo):
    cli.add_command(command)


def main() -> None:
    sys.exit(cli.main(prog_name="mlops"))


if __name__ == "__main__":
    main()
