"""Session store backends: in-process (`memory`) and shared (`redis`).

Both implement `bot.ports.SessionStore`. Import the Redis backend from
`bot.sessions.redis` so the in-process default never needs the client.
"""

from bot.sessions.memory import MemorySessionStore

__all__ = ["MemorySessionStore"]
