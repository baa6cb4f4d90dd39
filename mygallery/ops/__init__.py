"""Operations: backup and restore, the monitor and its alerts, the load tester, the local LLM server. Uses the
engine and sessions layers, never the web server's internals (tests/test_layers.py checks)."""
