"""The HTTP service: request parsing, connections, the server, routes, chat, admin, the OpenAI-compatible API,
static files, metrics, rate limits and where answers are computed. Uses the engine and sessions layers."""
