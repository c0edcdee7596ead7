"""Trust between members who work together, behind one small interface (ODD 7.5).

Members work in working groups of at most `working_group_size` organisations (a `Params`
constant), as members of large partnerships work in task groups and sprint teams rather than
with every other member: a member observes, and trusts or distrusts, only the others in its
group. At workshop size (no more members than one group holds) there is a single group, so
every member works with every other, as in the original all-pairs matrix.

State, for G groups of k = min(working_group_size, organisations) slots each:

    members[g, s]         the organisation (row) in slot s of group g, or -1 for an empty slot
    group_level[g, a, b]  trust of the member in slot a in the member in slot b, in [0, cap]
    group_cap[g, a, b]    the most that trust can recover to after breaches (a scar,
                          Schweitzer et al. 2006)

and per organisation its group and slot (`group_of`, `slot_of`; -1 outside the partnership).
Memory and weekly work grow with members x k, not organisations squared: the recruitment pool
costs two integers an organisation, and only current members hold slots. `group_level` is
zero on the diagonal and in every row and column of an empty slot, so a row's sum is a
member's total trust in its partners. `level` and `cap` give the n x n picture of the
all-pairs original, for tests and inspection at workshop size.

Groups form when the partnership starts (`form_groups`: founders dealt at random into as few
groups as hold them); a newcomer joins the group with most room, and a new group opens when
all are full (`join`); a leaver vacates its slot (`leave`). So the slots hold exactly the
current members, and the `active` arguments of the interface (the model's current members)
say which rows a result is for.
"""

from __future__ import annotations

import numpy as np

DENSE_LIMIT = 5_000  # organisations up to which `dense` (tests and inspection) may build n x n


class TrustMatrix:
    """Trust within working groups; `level` and `cap` give the whole n x n picture."""

    def __init__(self, n: int, group_size: int | None = None):
        self.n = n
        self.group_size = max(1, min(group_size or n, n))
        self.group_of = np.full(n, -1)
        self.slot_of = np.full(n, -1)
        self.members = np.full((0, self.group_size), -1)
        self.group_level = np.zeros((0, self.group_size, self.group_size))
        self.group_cap = np.ones((0, self.group_size, self.group_size))
        self._partner_pairs: np.ndarray | None = None  # caches, cleared when members move
        self._cross_pairs: np.ndarray | None = None

    # ------------------------------------------------------------------ membership
    def form_groups(self, founders: np.ndarray, rng: np.random.Generator) -> None:
        """Place the founding members: one group if they fit, else dealt at random (from the
        model's `network` stream) into as few groups as hold them, so groups mix sectors."""
        founders = np.asarray(founders)
        groups = -(-founders.size // self.group_size)
        if groups > 1:
            founders = rng.permutation(founders)
        first = self._open_groups(groups)
        deal = np.arange(founders.size)
        self._place(founders, first + deal % max(groups, 1), deal // max(groups, 1))

    def join(self, i: int) -> np.ndarray:
        """Organisation i takes a slot (founders have one already) and meets its partners.

        A newcomer joins the group with most room (the first such), or a new group when all
        are full. Returns the rows of its partners, the other members of its group.
        """
        if self.group_of[i] < 0:
            size = self.group_sizes()
            open_groups = np.flatnonzero(size < self.group_size)
            if open_groups.size:
                g = int(open_groups[np.argmin(size[open_groups])])
            else:
                g = self._open_groups(1)
            slot = int(np.flatnonzero(self.members[g] < 0)[0])
            self._place(np.array([i]), np.array([g]), np.array([slot]))
        return self.partners(i)

    def leave(self, rows: np.ndarray) -> None:
        """Members leave: their slots are emptied, and with them their partners' trust in them."""
        rows = np.asarray(rows)
        rows = rows[self.group_of[rows] >= 0]
        g, s = self.group_of[rows], self.slot_of[rows]
        self._reset_slots(g, s)
        self.members[g, s] = -1
        self.group_of[rows] = self.slot_of[rows] = -1
        self._members_moved()

    def partners(self, i: int) -> np.ndarray:
        """Rows of the other members of i's working group."""
        g = self.group_of[i]
        if g < 0:
            return np.empty(0, dtype=int)
        group = self.members[g]
        return group[(group >= 0) & (group != i)]

    def group_sizes(self) -> np.ndarray:
        """Members in each working group."""
        return (self.members >= 0).sum(axis=1)

    def seed(self, i: int | np.ndarray, others: np.ndarray, prior: np.ndarray) -> None:
        """Set starting trust between i and `others`, both ways (i may be an array of rows,
        one per pair). Organisations not yet in a working group join one first; each pair
        must share a group."""
        i, others = np.asarray(i), np.asarray(others)
        involved = np.union1d(i, others)
        for j in involved[self.group_of[involved] < 0]:
            self.join(int(j))
        g = self.group_of[i]
        if np.any(self.group_of[others] != g):
            raise ValueError(f"organisation {i} and {others} are not all in one working group")
        a, b = self.slot_of[i], self.slot_of[others]
        self.group_level[g, a, b] = prior
        self.group_level[g, b, a] = prior

    # ------------------------------------------------------------------ the weekly update
    def update(
        self,
        active: np.ndarray,
        delivered: np.ndarray,
        shortfall: np.ndarray,
        visibility: float,
        gain: float,
        loss_ratio: float,
        loss_scale: float,
        breach_shortfall: float,
        scar_depth: float,
        cap_floor: float,
    ) -> None:
        """One week of partners observing each other's contribution (ODD 7.5,
        `TrustMatrix.update`), in every working group at once.

        delivered[j] (0-1) is how much of what partners hope for member active[j] was seen to
        contribute: it raises their trust in it towards the cap. shortfall[j] (0-1) is how far
        it fell behind what the others did: it lowers trust `loss_ratio` times as fast, and
        beyond `breach_shortfall` it also lowers the cap for good.
        """
        if active.size < 2:
            return
        shortfall = self._by_slot(active, shortfall)[:, None, :]  # of the member observed
        up = visibility * gain * self._by_slot(active, delivered)[:, None, :]
        down = visibility * gain * loss_ratio * loss_scale * shortfall
        level, cap = self.group_level, self.group_cap
        g, b = np.nonzero(shortfall[:, 0, :] > breach_shortfall)
        if g.size:  # partners' trust in a member in breach can never again recover fully
            cap[g, :, b] = np.maximum(cap[g, :, b] - scar_depth * visibility, cap_floor)
        # level + up * (cap - level) - down * level, in place: at scale, every temporary the
        # size of all pairs costs more than the arithmetic
        gained = cap - level
        gained *= up
        level *= 1.0 - down
        level += gained
        np.minimum(level, cap, out=level)
        np.maximum(level, 0.0, out=level)
        # nobody rates itself, and an empty slot has no trust to give
        level.reshape(level.shape[0], -1)[:, :: self.group_size + 1] = 0.0
        level[self.members < 0] = 0.0

    def lose_trust_in(self, i: int, share: float) -> np.ndarray:
        """Every working partner's trust in member i falls at once by `share` of its level (a
        scandal at i, ODD 7.17); i's trust in them and the caps stay as they were. Returns the
        rows of the partners."""
        g, s = self.group_of[i], self.slot_of[i]
        if g < 0:
            return np.empty(0, dtype=int)
        # column s of the group is its partners' trust in i (0 on the diagonal and empty slots)
        self.group_level[g, :, s] *= 1.0 - share
        return self.partners(i)

    # ------------------------------------------------------------------ what is observed
    def group_trust(self, active: np.ndarray) -> np.ndarray:
        """Each of these members' mean trust in its working partners (0 if it has none)."""
        g, s = self.group_of[active], self.slot_of[active]
        partners = self.group_sizes()[g] - 1
        total = np.einsum("gab->ga", self.group_level)[g, s]  # faster than sum(axis=2)
        return np.where(partners > 0, total / np.maximum(partners, 1), 0.0)

    def mean(self, active: np.ndarray) -> float:
        if active.size < 2:
            return 0.0
        return float(self.group_trust(active).mean())

    def cross_sector_mean(self, active: np.ndarray, sector: np.ndarray) -> float:
        """Mean trust between working partners of different sectors."""
        cross = self._cross_sector_pairs(sector)
        pairs = np.count_nonzero(cross)
        return float(np.einsum("gab,gab->", self.group_level, cross) / pairs) if pairs else 0.0

    def ties(self, active: np.ndarray, sector: np.ndarray, threshold: float) -> int:
        """Cross-sector pairs of working partners whose trust both ways is at least
        `threshold`."""
        trusting = self.group_level >= threshold
        mutual = trusting & trusting.transpose(0, 2, 1)
        return int(np.count_nonzero(mutual & self._cross_sector_pairs(sector))) // 2  # both ends

    def edges(self, active: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Working relationships as arrays (i, j, trust of i in j), each pair both ways, for
        drawing: all of them, or those between members in `active`."""
        g, a, b = np.nonzero(self._pairs())
        i, j, trust = self.members[g, a], self.members[g, b], self.group_level[g, a, b]
        if active is not None:
            keep = np.isin(i, active) & np.isin(j, active)
            i, j, trust = i[keep], j[keep], trust[keep]
        return i, j, trust

    # ------------------------------------------------------------------ the n x n picture
    @property
    def level(self) -> np.ndarray:
        """Trust of every organisation in every other as a dense n x n copy (0 between
        organisations that do not work together): for tests and inspection at small n."""
        return self.dense(self.group_level, 0.0)

    @property
    def cap(self) -> np.ndarray:
        """The trust caps as a dense n x n copy (1 between organisations not working
        together): for tests and inspection at small n."""
        return self.dense(self.group_cap, 1.0)

    def dense(self, values: np.ndarray, fill: float) -> np.ndarray:
        """`values` (per group and slot pair) as an n x n array, `fill` where no pair is."""
        if self.n > DENSE_LIMIT:
            raise MemoryError(
                f"a dense view of {self.n} organisations needs n x n memory; "
                "use edges() or group_trust() instead"
            )
        out = np.full((self.n, self.n), fill)
        occupied = self.members >= 0
        g, a, b = np.nonzero(occupied[:, :, None] & occupied[:, None, :])
        out[self.members[g, a], self.members[g, b]] = values[g, a, b]
        return out

    # ------------------------------------------------------------------ helpers
    def _open_groups(self, count: int) -> int:
        """Add `count` empty groups; return the index of the first."""
        first, k = self.members.shape[0], self.group_size
        self.members = np.vstack([self.members, np.full((count, k), -1)])
        self.group_level = np.concatenate([self.group_level, np.zeros((count, k, k))])
        self.group_cap = np.concatenate([self.group_cap, np.ones((count, k, k))])
        self._members_moved()
        return first

    def _place(self, rows: np.ndarray, groups: np.ndarray, slots: np.ndarray) -> None:
        self._reset_slots(groups, slots)
        self.members[groups, slots] = rows
        self.group_of[rows], self.slot_of[rows] = groups, slots
        self._members_moved()

    def _reset_slots(self, groups: np.ndarray, slots: np.ndarray) -> None:
        """No trust to or from these slots, and no scar: a fresh start for whoever takes them."""
        self.group_level[groups, slots, :] = 0.0
        self.group_level[groups, :, slots] = 0.0
        self.group_cap[groups, slots, :] = 1.0
        self.group_cap[groups, :, slots] = 1.0

    def _pairs(self) -> np.ndarray:
        """(G, k, k) mask of slot pairs holding two different members: working partners."""
        if self._partner_pairs is None:
            occupied = self.members >= 0
            pairs = occupied[:, :, None] & occupied[:, None, :]
            pairs &= ~np.eye(self.group_size, dtype=bool)
            self._partner_pairs = pairs
        return self._partner_pairs

    def _by_slot(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """(G, k) array of `values` of `rows` in their slots; 0 in other slots."""
        out = np.zeros(self.members.shape)
        out[self.group_of[rows], self.slot_of[rows]] = values
        return out

    def _cross_sector_pairs(self, sector: np.ndarray) -> np.ndarray:
        """(G, k, k) mask of working partners of different sectors (`sector[i]` is
        organisation i's, which never changes)."""
        if self._cross_pairs is None:
            s = sector[self.members]
            self._cross_pairs = self._pairs() & (s[:, :, None] != s[:, None, :])
        return self._cross_pairs

    def _members_moved(self) -> None:
        self._partner_pairs = self._cross_pairs = None
