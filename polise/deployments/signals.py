"""What other apps may hear about deploys without the deployments app knowing them."""

from django.dispatch import Signal

# Sent once the transaction that recorded it commits, when a deploy finishes successfully;
# keyword argument `record` (a DeployRecord). News uses it to publish what the deploy shipped.
deploy_succeeded = Signal()
