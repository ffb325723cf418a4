"""Parsing a channel's settings section into its model, with errors that name the variable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from channels.base import ChannelConfigError

M = TypeVar("M", bound=BaseModel)


def parse_section(model: type[M], values: Mapping[str, Any], env_prefix: str) -> M:
    """`values` as a `model`; a bad field raises `ChannelConfigError` naming `<env_prefix><FIELD>`."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "__".join(str(part) for part in first["loc"]).upper()
        raise ChannelConfigError(f"{env_prefix}{where}: {first['msg']}") from None
