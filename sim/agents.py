"""Organisation: the Mesa agent that is a member's handle (ODD 2).

A member's state lives in the model's arrays (`sim.partnership.Organisations`), where the weekly
mechanisms update every member at once; the agent is what a person inspects, what the app
draws and what Mesa's DataCollector reads.
"""

from __future__ import annotations

import mesa
import numpy as np

from .partnership import MEMBER
from .sectors import SECTORS


class Organisation(mesa.Agent):
    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def _orgs(self):
        return self.model.orgs

    @property
    def sector(self) -> str:
        return SECTORS[self._orgs.sector[self.row]]

    @property
    def active(self) -> bool:
        return bool(self._orgs.status[self.row] == MEMBER)

    @property
    def engagement(self) -> float:
        return float(self._orgs.engagement[self.row])

    @property
    def contribution(self) -> float:
        return float(self._orgs.contribution[self.row])

    @property
    def trust_in_group(self) -> float:
        if not self.active:
            return 0.0
        return float(self.model.trust_matrix.group_trust(np.array([self.row]))[0])

    def __repr__(self) -> str:
        state = "member" if self.active else "left"
        return f"Organisation({self.unique_id}, {self.sector}, {state}, e={self.engagement:.2f})"
