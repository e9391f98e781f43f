"""The embedded AWS's network: what a function placed in a VPC can reach (:mod:`.reach`, decided from EC2's state)
and the routing of its connections inside its worker process (:mod:`.guard`)."""
