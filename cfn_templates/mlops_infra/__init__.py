"""CDK app of the platform: the only package that imports ``aws_cdk``.

Stacks compose constructs (one per file); synthesis needs no AWS call and no npm CLI.
"""
