"""The event indexer: every event of every manifest contract into SQL, reorg-safe and crash-safe (docs/indexer.md)."""
