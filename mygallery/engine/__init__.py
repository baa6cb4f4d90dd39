"""The knowledge engine: documents in, answers out — loaders, chunking, the hybrid index, ingest, evaluation
and the answerers. It knows nothing of HTTP, sessions or operations (tests/test_layers.py checks)."""
