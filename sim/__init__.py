"""Cross-sector partnership simulator: Mesa agents of four sectors working on a wicked problem."""

from .model import PartnershipModel
from .params import ParameterError, Params

__all__ = ["PartnershipModel", "Params", "ParameterError"]
