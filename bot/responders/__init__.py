"""Responders: the offline one (rules over retrieval and the catalog); Claude comes later."""
