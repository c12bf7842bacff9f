"""The three kinds of agent on the strategic triangle (004:46-64).

Agents give identity, a place on the network and something to inspect or draw. Their changing
state lives in the Locality's numpy arrays (index ``idx``) so that a step is a handful of array
operations rather than a Python call per agent; the properties below read those arrays.
"""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

from .network import LAYERS, ROLE_NAMES


class TriangleAgent(FixedAgent):
    corner: str = ""

    def __init__(self, model, idx: int, cell):
        super().__init__(model)
        self.idx = idx
        self.cell = cell

    @property
    def role(self) -> str:
        return ROLE_NAMES[self.model.state.role[self.idx]]

    @property
    def layer(self) -> str:
        return LAYERS[self.model.state.layer[self.idx]]

    @property
    def field(self) -> str:
        f = int(self.model.state.field[self.idx])
        return "all" if f < 0 else self.model.fields[f]

    @property
    def level(self) -> float:
        """This agent's current contribution to its corner, in [0, 1]."""
        return float(self.model.state.x[self.idx])

    @property
    def in_core_clique(self) -> bool:
        return bool(self.model.state.clique[self.idx])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.role}, field={self.field}, level={self.level:.2f})"


class AuthorityAgent(TriangleAgent):
    """Politicians, senior officers, central government and inspectors."""

    corner = "authority"

    @property
    def drive(self) -> float:
        return float(self.model.state.drive[self.idx])

    @property
    def risk_appetite(self) -> float:
        return float(self.model.state.risk[self.idx])

    @property
    def tenure(self) -> int:
        return int(self.model.state.tenure[self.idx])


class CapacityAgent(TriangleAgent):
    """Middle managers, frontline teams and partner organisations."""

    corner = "capacity"

    @property
    def skill(self) -> float:
        return float(self.model.state.skill[self.idx])

    @property
    def slack(self) -> float:
        return float(self.model.state.slack[self.idx])

    @property
    def openness(self) -> float:
        return float(self.model.state.openness[self.idx])


class ValueAgent(TriangleAgent):
    """Residents, service users and community groups."""

    corner = "value"

    @property
    def voice(self) -> float:
        return float(self.model.state.voice[self.idx])


AGENT_CLASSES = (AuthorityAgent, CapacityAgent, ValueAgent)
