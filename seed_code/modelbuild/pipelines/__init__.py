"""SageMaker Pipelines of the platform (import package ``pipelines``, the SageMaker project seed-code contract).

``pipelines.<name>.pipeline.get_pipeline(**kwargs)`` builds a pipeline; step scripts beside it run
inside SageMaker containers and, unchanged, on a laptop.
"""

__version__ = "0.1.0"
