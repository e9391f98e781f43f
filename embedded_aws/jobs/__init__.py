"""SageMaker processing and training jobs, run on this machine with the container conventions.

Each job gets its own root folder standing in for the container's ``/opt/ml``: inputs are downloaded there with the
job role's credentials, the container's entrypoint runs with this machine's Python (the image is not pulled), and
outputs are uploaded from there. :mod:`.container` maps ``/opt/ml`` to that root, :mod:`.s3_data` moves the data,
:mod:`.processing` and :mod:`.training` follow each job type's contract.
"""
