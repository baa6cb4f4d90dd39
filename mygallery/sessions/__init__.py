"""Conversations: the session manager (table, cap, turns, expiry) and the stores it writes through to
(memory, SQLite, Redis). Uses the engine's nothing and the web layer's nothing (tests/test_layers.py checks)."""
