"""Deploying the contracts, seeding the consortium and recording it all in the deployment manifest."""
