"""Small-cell suppression for survey reports: what is hidden, and why nothing hidden can be rebuilt.

Published per wave (a wave with fewer than K responses is not published at all):
* group sizes n(v, g) for each profile variable v and value g, summing to n(all). Skipping a profile
  question counts as `na` (prefer not to say), a group like any other;
* per question version, one table per v: rows = the groups of v and the `all` row, columns = the
  options and `answered` (count / share gives it). Column sums: `all` = sum of the group rows, for
  every option and for `answered`. Row sums (single, likert): options add up to `answered`;
  multi-select rows only satisfy max(option) <= answered <= sum(options);
* index rows per group: n (summing to n(all)), mean and interval;
* the reason of each hidden cell: `primary: n<K` tells the value is 1..K-1 (a hidden row: its count
  is below K), `complementary` that it is not 1..K-1 (only non-zero cells are chosen, so >= K).

The brief's rule (one small group: also hide the next smallest; one small option cell: also hide
the next smallest in its row) is the start, but it is not enough: option cells are also summed
down the groups of each variable, two small groups can together still be below K, and the reasons
themselves leak (a hidden 1 next to a hidden K with total K+1 is pinned). Hence, per wave:

1. Groups, per variable: primary if 1 <= n < K; then, while the hidden groups hold fewer than K
   people together or one of them has no partner, hide the smallest visible group. A partner is a
   second hidden group such that moving one person between them keeps both sizes within what their
   reasons say. That move changes nothing published (both groups are hidden everywhere), so it is a
   certificate that the size is not determined. If hiding every group is not enough, the breakdown
   by that variable is left out for the wave.
2. Index rows, per variable: hidden with their group, or primary when 1 <= n < K; the same rule.
3. Question tables, per question version:
   a. fewer than K answered overall: the question is shown for the wave only as suppressed;
   b. rows of hidden groups are hidden; a visible group with 1..K-1 answers has all its cells hidden
      (primary); while the hidden rows hold 1..K-1 answers together, the smallest row goes too;
   c. cells with 1..K-1 in the `all` row and in visible rows are hidden (primary);
   d. audit until it passes: each hidden cell needs a certificate, a set of +-1 changes to hidden
      cells that keeps every published number and every reason's bounds (and multi-select rows
      realisable), so that the cell's value is not the only one possible. Certificates are found
      as paths in a small graph (rows and columns are nodes, a hidden cell is an arc in each
      direction it can move, with the `all` row fixed, or changing two hidden `all` cells and
      following them in every variable's table), or as the person move of step 1 for a hidden
      group; each is then checked as a whole (`_consistent`), so the search may miss certificates
      but cannot accept a wrong one. A zero is also accepted when its column leaves nothing over
      (the `all` cell minus the visible cells is 0): it says what a published 0 says, about the
      K or more answers of the hidden rows. A cell without certificate gets a complementary
      neighbour: the smallest visible cell that gives it one (its row and column first, then the
      rest of the table, whole rows, the `all` row), else the smallest in its row or column, and
      the audit starts again. Every step hides more, so it ends; if nothing is left to hide, the
      variable's table (or, for the `all` row, the question) is left out for the wave.
   The audit assumes the reader knows `answered` for every visible group (shares give it; where
   everyone answered it is the group size), which only makes it stricter.

The claim, for the counts (aggregates.csv, index.csv n, the same numbers in report.html): every
suppressed value has a certificate, another set of tables that agrees with everything published
and with every stated reason, in which that value differs, except zeros implied by published
totals over K or more answers. So no suppressed value can be computed from the published ones.
Checked offline: an integer solver (scipy `milp`), minimising and maximising every hidden value of
whole waves of random small data under all published sums, bounds and reasons, found no other
determined value. Two things are outside the claim and the report says so: the index mean and
interval of a visible group are a weighted sum of its answers (so they are rounded to whole
points), and answers.csv is row-level: it protects people (no rare profile combination, no value
of a hidden group), but small answer counts can be counted in it. It is for researchers under a
data-sharing agreement, not for publication next to the tables.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.surveys.aggregate import ALL, Family, IndexStats, WaveData

COMPLEMENTARY = "complementary"
INF = 10**15
Row = tuple[str, str]  # (group variable, group value)
A: Row = (ALL, ALL)
Change = tuple[Row, int, int]  # (row, column, +1 or -1)
Arcs = dict[object, list[tuple[object, tuple[Change, ...]]]]


def primary(k: int) -> str:
    return f"primary: n<{k}"


@dataclass
class TableLabels:
    withheld: bool = False  # fewer than K answered overall: only the `all` row, suppressed
    dropped: bool = False  # no certificate possible: nothing of this question in this wave
    rows: dict[Row, str] = field(default_factory=dict)
    cells: dict[tuple[Row, int], str] = field(default_factory=dict)
    vars_dropped: set[str] = field(default_factory=set)

    def label(self, row: Row, option: int) -> str:
        return self.rows.get(row) or self.cells.get((row, option), "")


@dataclass
class WaveLabels:
    withheld: bool = False  # fewer than K responses: nothing of the wave is published
    groups: dict[Row, str] = field(default_factory=dict)
    vars_dropped: set[str] = field(default_factory=set)
    index: dict[Row, str] = field(default_factory=dict)
    index_withheld: bool = False
    index_vars_dropped: set[str] = field(default_factory=set)
    tables: dict[str, TableLabels] = field(default_factory=dict)  # by question key


def protect_wave(wave: WaveData, variables: list[str], k: int) -> WaveLabels:
    if k < 3:
        raise ValueError("K must be at least 3 (with K=2 'n<K' alone would say n=1)")
    out = WaveLabels()
    if wave.n < k:
        out.withheld = True
        return out
    p = primary(k)
    for var in variables:
        sizes = wave.groups.get(var, {})
        labels = _partition(sizes, {g: p for g, n in sizes.items() if 0 < n < k},
                            lambda g, lab: (1, k - 1) if lab == p else (k, INF), k)
        if labels is None:
            out.vars_dropped.add(var)
        else:
            out.groups.update({(var, g): lab for g, lab in labels.items()})
    _protect_index(wave, variables, k, out)
    for fam in wave.families:
        if fam.question.profile:
            out.tables[fam.key] = _profile_table(fam, out)
        else:
            out.tables[fam.key] = _Table(fam, wave, out, [v for v in variables if v not in out.vars_dropped],
                                         k).run()
    return out


def _partition(values: dict[str, int], labels: dict[str, str],
               bounds: Callable[[str, str], tuple[int, int]], k: int) -> dict[str, str] | None:
    """Complementary suppression of one sum (parts add up to a published total)."""
    labels = dict(labels)
    while True:
        hidden = [g for g in values if labels.get(g)]
        residual = sum(values[g] for g in hidden)
        if residual == 0 or (residual >= k and all(_has_partner(g, hidden, values, labels, bounds)
                                                    for g in hidden)):
            return labels
        # Ties go by the group's id, never by the order the answers came in.
        visible = sorted((values[g], g) for g in values if not labels.get(g) and values[g] > 0)
        if not visible:
            return None
        labels[visible[0][1]] = COMPLEMENTARY


def _has_partner(g: str, hidden: list[str], values: dict[str, int], labels: dict[str, str],
                 bounds: Callable[[str, str], tuple[int, int]]) -> bool:
    def moves(h: str) -> tuple[bool, bool]:
        lo, hi = bounds(h, labels[h])
        return values[h] + 1 <= hi, values[h] - 1 >= lo

    up, down = moves(g)
    for other in hidden:
        if other != g:
            up2, down2 = moves(other)
            if (up and down2) or (down and up2):
                return True
    return False


def _protect_index(wave: WaveData, variables: list[str], k: int, out: WaveLabels) -> None:
    p = primary(k)
    overall = wave.index.get(ALL, {}).get(ALL, IndexStats())
    if overall.n < k:
        out.index_withheld = overall.n > 0
        return
    for var in variables:
        if var in out.vars_dropped:
            continue
        sizes = wave.groups.get(var, {})
        stats = wave.index.get(var, {})
        values = {g: stats.get(g, IndexStats()).n for g in sizes}
        labels = {g: out.groups.get((var, g)) or (p if 0 < n < k else "") for g, n in values.items()}

        def bounds(g: str, lab: str, var: str = var, sizes: dict[str, int] = sizes) -> tuple[int, int]:
            group_label = out.groups.get((var, g))
            if group_label:
                return (0, k - 1) if group_label == p else (0, INF)
            return (1, min(k - 1, sizes[g])) if lab == p else (k, sizes[g])

        result = _partition(values, labels, bounds, k)
        if result is None:
            out.index_vars_dropped.add(var)
        else:
            out.index.update({(var, g): lab for g, lab in result.items() if lab})


def _profile_table(fam: Family, out: WaveLabels) -> TableLabels:
    """A profile question's only row is the group sizes, protected in step 1."""
    var = fam.question.id
    if var in out.vars_dropped:
        return TableLabels(dropped=True)
    labels = TableLabels()
    for n, option in enumerate(fam.options):
        if out.groups.get((var, option)):
            labels.cells[(A, n)] = out.groups[(var, option)]
    return labels


class _Table:
    """Steps 3a-3d for one question version in one wave."""

    def __init__(self, fam: Family, wave: WaveData, wl: WaveLabels, variables: list[str], k: int) -> None:
        self.k, self.p = k, primary(k)
        self.multi = fam.question.kind == "multi"
        self.width = len(fam.options)
        self.M = self.width  # the `answered` column
        self.wl = wl
        self.sizes = wave.groups
        self.vars = list(variables)
        self.rows: dict[str, list[Row]] = {v: [(v, g) for g in wave.groups.get(v, {})] for v in self.vars}
        self.x: dict[Row, list[int]] = {}
        for var in [ALL, *self.vars]:
            for g, counts in fam.counts.get(var, {}).items():
                self.x[(var, g)] = [*counts, fam.answered[var][g]]
        for var in self.vars:
            for row in self.rows[var]:
                self.x.setdefault(row, [0] * (self.width + 1))
        self.out = TableLabels()

    # --------------------------------------------------------------- driver
    def run(self) -> TableLabels:
        k, p, out = self.k, self.p, self.out
        if self.x[A][self.M] < k:
            out.withheld = True
            return out
        for col in range(self.width):
            if 0 < self.x[A][col] < k:
                out.cells[(A, col)] = p
        for var in self.vars:
            for row in self.rows[var]:
                answered = self.x[row][self.M]
                if self.wl.groups.get(row):
                    out.rows[row] = self.wl.groups[row]
                elif 0 < answered < k:
                    out.rows[row] = p
                else:
                    out.cells.update({(row, c): p for c in range(self.width) if 0 < self.x[row][c] < k})
        for var in list(self.vars):
            self._answered_residual(var)
        while not out.dropped:
            problem = self._first_uncertified()
            if problem is None:
                break
            var, cell = problem
            if var == ALL:
                self._fix_all_cell(cell[1])
            else:
                self._fix_cell(var, cell)
        return out

    def _answered_residual(self, var: str) -> None:
        while True:
            hidden = sum(self.x[r][self.M] for r in self.rows[var] if r in self.out.rows)
            if hidden == 0 or hidden >= self.k:
                return
            visible = self._smallest([(self.x[r][self.M], ("row", r)) for r in self.rows[var]
                                      if r not in self.out.rows])
            if not visible:
                self._drop_var(var)
                return
            self._apply(visible[0])

    def _first_uncertified(self) -> tuple[str, tuple[Row, int]] | None:
        for var in self.vars:
            for row in self.rows[var]:
                for col in self._hidden_cols(row):
                    if not self._certified(var, (row, col)):
                        return var, (row, col)
        for col in range(self.width):
            if (A, col) in self.out.cells and not self._all_cell_certified(col):
                return ALL, (A, col)
        return None

    # --------------------------------------------------------------- state
    # The audit assumes the reader knows `answered` of every visible group, even of a row whose
    # cells are all hidden (when everyone answered, it is the published group size anyway): only
    # the `answered` of hidden groups is an unknown.
    def _hidden(self, row: Row, col: int) -> bool:
        if col == self.M:
            return row in self.out.rows and bool(self.wl.groups.get(row))
        return row in self.out.rows or (row, col) in self.out.cells

    def _hidden_cols(self, row: Row) -> list[int]:
        if row in self.out.rows:
            return list(range(self.width + (1 if self.wl.groups.get(row) else 0)))
        return [c for c in range(self.width) if (row, c) in self.out.cells]

    def _bounds(self, row: Row, col: int) -> tuple[int, int]:
        k, p = self.k, self.p
        if row in self.out.rows:
            label = self.out.rows[row]
            if col != self.M:
                return (0, k - 1) if label == p else (0, INF)
            size = self.sizes[row[0]][row[1]]  # the row of a hidden group
            return (0, min(k - 1, size)) if label == p else (0, size)
        return (1, k - 1) if self.out.cells[(row, col)] == p else (k, INF)

    def _can(self, row: Row, col: int, step: int) -> bool:
        r = self.x[row]
        value = r[col] + step
        lo, hi = self._bounds(row, col)
        if not lo <= value <= hi:
            return False
        if not self.multi:
            return True
        # Multi-select rows have no row sum but must stay realisable: max(option) <= answered <=
        # sum(options). A simple cycle passes a row at most once (all rows are the one free node),
        # entering and leaving it by one cell each; the pairs that can occur there (-1 and +1 on
        # two options, -1 on an option and on answered, +1 on answered and on an option) keep the
        # row realisable whenever each change does on its own, which is what is checked here.
        answered, total, top = r[self.M], sum(r[: self.width]), max(r[: self.width], default=0)
        if col == self.M:
            return value <= total if step > 0 else value >= top
        return value <= answered if step > 0 else total - 1 >= answered

    # --------------------------------------------------------------- certificates
    # A certificate is a list of changes (row, column, +-1) to hidden cells. It is found as a path
    # in a small directed graph (rows and columns are nodes, a hidden cell is an arc in each
    # direction it can move) and then checked as a whole by `_consistent`, so the graph search
    # only has to find candidates, never to be trusted.
    def _arcs(self, var: str) -> Arcs:
        arcs: Arcs = defaultdict(list)
        for row in self.rows[var]:
            node = "F" if self.multi else ("r", row)
            cols = self._hidden_cols(row)
            for col in cols:
                sign = -1 if col == self.M else 1  # `answered` enters a row sum with a minus
                if self._can(row, col, sign):
                    arcs[node].append((("c", col), ((row, col, sign),)))
                if self._can(row, col, -sign):
                    arcs[("c", col)].append((node, ((row, col, -sign),)))
            if self.multi and self.M in cols:
                # one more respondent answering (or one fewer) with one option ticked
                for col in cols:
                    if col != self.M:
                        up = ((row, self.M, 1), (row, col, 1))
                        down = ((row, col, -1), (row, self.M, -1))
                        if self._consistent(up, columns=False):
                            arcs[("c", self.M)].append((("c", col), up))
                        if self._consistent(down, columns=False):
                            arcs[("c", col)].append((("c", self.M), down))
        return arcs

    def _consistent(self, changes: tuple[Change, ...] | list[Change], columns: bool = True) -> bool:
        """Would the tables with these changes still agree with everything published?"""
        deltas: dict[Row, dict[int, int]] = defaultdict(dict)
        for row, col, step in changes:
            if col in deltas[row]:
                return False
            deltas[row][col] = step
        for row, cells in deltas.items():
            new = list(self.x[row])
            for col, step in cells.items():
                if not self._hidden(row, col):
                    return False
                new[col] += step
                lo, hi = self._bounds(row, col)
                if not lo <= new[col] <= hi:
                    return False
            options = new[: self.width]
            if self.multi:
                if options and (max(options) > new[self.M] or sum(options) < new[self.M]):
                    return False
            elif sum(step for col, step in cells.items() if col != self.M) != cells.get(self.M, 0):
                return False
        if columns:
            overall = deltas.get(A, {})
            for var in self.vars:
                for col in range(self.width + 1):
                    moved = sum(deltas[r].get(col, 0) for r in self.rows[var] if r in deltas)
                    if moved != overall.get(col, 0):
                        return False
        return True

    def _certified(self, var: str, cell: tuple[Row, int]) -> bool:
        row, col = cell
        if self._forced_zero(var, row, col) or self._respondent_move(row, col):
            return True
        # the arcs that move this cell (alone, or with its row's `answered`), and all the others
        ways, arcs = [], defaultdict(list)
        for tail, out in self._arcs(var).items():
            for head, changes in out:
                if any((r, c) == cell for r, c, _ in changes):
                    ways.append((tail, head, changes))
                else:
                    arcs[tail].append((head, changes))
        # a cycle in this table with the `all` row fixed ...
        for tail, head, changes in ways:
            path = _path(arcs, head, tail)
            if path is not None and self._consistent([*changes, *path[0]]):
                return True
        # ... or one that also changes hidden `all` cells, matched in every other variable's table
        for col_a in range(self.width):
            if (A, col_a) not in self.out.cells:
                continue
            for plan in self._all_plans(col_a):
                others = [self._supports(v, col_a, plan) for v in self.vars if v != var]
                if any(p is None for p in others):
                    continue
                source, target = self._ends(col_a, plan)
                for tail, head, changes in ways:
                    first = _path(arcs, source, tail) if source != tail else ([], [source])
                    if first is None:
                        continue
                    second = _path(arcs, head, target, frozenset(first[1])) if head != target else ([], [])
                    if second is not None and self._consistent(
                            [*self._plan_changes(col_a, plan), *first[0], *changes, *second[0],
                             *(c for p in others if p for c in p)]):
                        return True
        return False

    def _forced_zero(self, var: str, row: Row, col: int) -> bool:
        if self.x[row][col] != 0 or (col != self.M and (A, col) in self.out.cells):
            return False
        visible = sum(self.x[r][col] for r in self.rows[var] if not self._hidden(r, col))
        return self.x[A][col] == visible

    def _respondent_move(self, row: Row, col: int) -> bool:
        """A hidden group: one respondent moved to or from another hidden group of the variable."""
        if not self.wl.groups.get(row):
            return False
        var = row[0]

        def moves(r: Row) -> tuple[bool, bool]:
            n = self.sizes[var][r[1]]
            lo, hi = (1, self.k - 1) if self.wl.groups[r] == self.p else (self.k, INF)
            return n + 1 <= hi, n - 1 >= lo

        up, down = moves(row)
        for other in self.rows[var]:
            if other != row and self.wl.groups.get(other):
                up2, down2 = moves(other)
                if (up and down2 and self.x[other][col] >= 1) or (down and up2 and self.x[row][col] >= 1):
                    return True
        return False

    def _all_plans(self, col: int) -> list[tuple[int, int | None]]:
        """(direction, partner `all` cell) changes of the `all` row that keep its own constraints."""
        plans: list[tuple[int, int | None]] = []
        for step in (1, -1):
            if not self._can(A, col, step):
                continue
            if self.multi:
                plans.append((step, None))
            else:
                plans += [(step, c2) for c2 in range(self.width)
                          if c2 != col and (A, c2) in self.out.cells and self._can(A, c2, -step)]
        return plans

    def _ends(self, col: int, plan: tuple[int, int | None]) -> tuple[object, object]:
        """Where a path in a variable's table must start and end to follow an `all` change."""
        step, partner = plan
        other = "F" if partner is None else ("c", partner)
        return (other, ("c", col)) if step > 0 else (("c", col), other)

    def _plan_changes(self, col: int, plan: tuple[int, int | None]) -> list[Change]:
        step, partner = plan
        return [(A, col, step)] + ([] if partner is None else [(A, partner, -step)])

    def _supports(self, var: str, col: int, plan: tuple[int, int | None]) -> list[Change] | None:
        path = _path(self._arcs(var), *self._ends(col, plan))
        return None if path is None else path[0]

    def _all_cell_certified(self, col: int) -> bool:
        for plan in self._all_plans(col):
            paths = [self._supports(v, col, plan) for v in self.vars]
            if all(p is not None for p in paths) and self._consistent(
                    [*self._plan_changes(col, plan), *(c for p in paths if p for c in p)]):
                return True
        return False

    # --------------------------------------------------------------- complementary choices
    def _smallest(self, candidates: list[tuple[int, tuple]]) -> list[tuple]:
        return [c for _, c in sorted((v, c) for v, c in candidates if v > 0)]

    def _apply(self, choice: tuple) -> None:
        if choice[0] == "row":
            self.out.rows[choice[1]] = COMPLEMENTARY
        else:
            self.out.cells[(choice[1], choice[2])] = COMPLEMENTARY

    def _undo(self, choice: tuple) -> None:
        if choice[0] == "row":
            del self.out.rows[choice[1]]
        else:
            del self.out.cells[(choice[1], choice[2])]

    def _visible_cells(self, rows: list[Row], cols: list[int]) -> list[tuple[int, tuple]]:
        return [(self.x[r][c], ("cell", r, c)) for r in rows if r not in self.out.rows
                for c in cols if (r, c) not in self.out.cells]

    def _try(self, choices: list[tuple], works: Callable[[], bool],
             fallback: list[tuple] | None = None) -> bool:
        """Hide the first choice that makes `works` true, else the first fallback; False if none."""
        for choice in choices:
            self._apply(choice)
            if works():
                return True
            self._undo(choice)
        fallback = choices if fallback is None else fallback
        if fallback:
            self._apply(fallback[0])
            return True
        return False

    def _fix_cell(self, var: str, cell: tuple[Row, int]) -> None:
        """Hide one more cell for `cell`: the smallest that certifies it (its row and column first,
        then the rest of the table, whole rows, the `all` row); if none does on its own, the
        smallest next to it, and the search goes on from there."""
        row, col = cell
        others = [r for r in self.rows[var] if r != row]
        rows = self._smallest([(self.x[r][self.M], ("row", r)) for r in self.rows[var]
                               if r not in self.out.rows])
        if col == self.M:  # a hidden group's `answered`: only other hidden groups can take it up
            near = []
        else:
            near = self._smallest(self._visible_cells(others, [col]) + (
                self._visible_cells([row], list(range(self.width)))
                if not self.multi and row not in self.out.rows else []))
        rest = [c for c in self._smallest(self._visible_cells(self.rows[var], list(range(self.width))))
                if c not in near]
        overall = self._smallest(self._visible_cells([A], list(range(self.width))))
        if not self._try(near + rest + rows + overall, lambda: self._certified(var, cell),
                         near or rows or overall):
            self._drop_var(var)

    def _fix_all_cell(self, col: int) -> None:
        plans = self._all_plans(col)
        overall = self._smallest(self._visible_cells([A], list(range(self.width))))
        if not plans:
            if self.multi or not self._try(overall, lambda: bool(self._all_plans(col))):
                self.out.dropped = True
            return

        def supported(plan: tuple[int, int | None], var: str) -> bool:
            return self._supports(var, col, plan) is not None

        plan = max(plans, key=lambda pl: sum(supported(pl, v) for v in self.vars))
        lacking = [v for v in self.vars if not supported(plan, v)]
        if not lacking:  # every table has a path, but together they break a bound: hide more
            cells = [c for v in self.vars for c in self._visible_cells(self.rows[v], [col])]
            if not self._try(self._smallest(cells) + overall, lambda: self._all_cell_certified(col)):
                self.out.dropped = True
            return
        var = lacking[0]
        cols = [col] if plan[1] is None else [col, plan[1]]
        choices = self._smallest(self._visible_cells(self.rows[var], cols))
        if not self._try(choices, lambda: supported(plan, var)):
            self._drop_var(var)

    def _drop_var(self, var: str) -> None:
        if var in self.vars:
            self.vars.remove(var)
        self.out.vars_dropped.add(var)


def _path(arcs: Arcs, source: object, target: object,
          blocked: frozenset = frozenset()) -> tuple[list[Change], list[object]] | None:
    """Changes and nodes along a shortest path source -> target avoiding `blocked` (breadth-first)."""
    if source == target or source in blocked or target in blocked:
        return None
    before: dict[object, tuple[object, tuple[Change, ...]]] = {source: (source, ())}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        for nxt, changes in arcs.get(node, ()):
            if nxt in before or nxt in blocked:
                continue
            before[nxt] = (node, changes)
            if nxt == target:
                out: list[Change] = []
                nodes = [nxt]
                while nxt != source:
                    nxt, changes = before[nxt]
                    out[:0] = changes
                    nodes.append(nxt)
                return out, nodes
            queue.append(nxt)
    return None
