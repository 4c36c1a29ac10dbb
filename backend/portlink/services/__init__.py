"""Domain services: read the index, write through the chain client; what the API and CLI call."""
