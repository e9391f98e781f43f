"""SageMaker Pipelines, interpreted: the definition the SDK produced, run step by step on the embedded AWS.

:mod:`.expressions` resolves what a definition computes at run time (``Get``, ``Std:Join``, ``Std:JsonGet``),
:mod:`.conditions` evaluates a ConditionStep, :mod:`.graph` reads the steps and their dependencies, and
:mod:`.executor` runs an execution through injected step runners (the extension gives it SageMaker jobs).
"""
