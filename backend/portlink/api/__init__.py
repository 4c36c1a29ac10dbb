"""The port-system REST API (FastAPI): what port, customs and bank systems call and what auditors read."""
