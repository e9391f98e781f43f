"""Git repositories of the embedded CodeCommit, served over smart HTTP by git's own ``git http-backend``."""
