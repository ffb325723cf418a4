"""The web server of `salesbot serve`: channels, board, health and metrics."""
