"""Domain vocabulary shared by every layer: consortium roles, port codes, validation."""
