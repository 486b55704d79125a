"""`polise deploy` and `polise rollback`: deploy a stack to Docker Swarm and tell, honestly,
whether it converged or Swarm rolled it back; record the outcome in Polise.

Plain Python (no Django): it runs in a CI runner next to the Docker CLI.
"""

from polise.gitops.deploy.record import DeployReport
from polise.gitops.deploy.run import DeployOptions, run_deploy

__all__ = ["DeployOptions", "DeployReport", "run_deploy"]
