"""The pilot: a seeded replay of the Shekou-Shunde pilot through the API on a local chain, and its report."""
