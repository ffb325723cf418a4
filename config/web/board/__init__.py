"""The local leads board at /board: server-rendered pages behind a login token.

`create_app` mounts `router` and puts `load_auth(settings)` in `app.state.board_auth`.
"""

from config.web.board.auth import BoardAuth, load_auth
from config.web.board.routes import router

__all__ = ["BoardAuth", "load_auth", "router"]
