"""Cross-sector partnership simulator: Mesa agents of four sectors working on a wicked problem."""

from typing import Any

from .model import PartnershipModel
from .params import AS_IN_0_1, ParameterError, Params

__all__ = ["AS_IN_0_1", "PartnershipModel", "Params", "ParameterError", "__version__"]


def __getattr__(name: str) -> Any:
    # `sim.__version__`, looked up when asked for: importing sim reads no file
    if name == "__version__":
        from .provenance import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
