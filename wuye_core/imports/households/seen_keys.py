"""The first row of each unit key seen so far: how a row that repeats an earlier one is found."""

from __future__ import annotations

from array import array
from bisect import bisect_left


class SeenKeys:
    """The first row of each unit key seen so far, in 24 bytes a key — the one thing of ours that
    grows with the file (a dict of keys would take ~120 bytes each, ~12 MB per 100,000 rows).

    A key is kept as two 64-bit hashes (a false "duplicate" needs both to collide: ~1e-29 per
    pair of rows) and its row, in sorted runs of machine-word arrays, merged as they pile up
    (an LSM tree in miniature: at most log2(rows / RUN) + 1 runs, each searched by bisection)."""

    RUN = 16384

    def __init__(self):
        self.pending: dict[tuple[int, int], int] = {}
        self.runs: list[tuple[array, array, array]] = []

    def first_row(self, key: tuple, row: int) -> int:
        """The row where `key` first appeared; `row` (recorded now) if it is new."""
        h1, h2 = hash(key), hash((key, 1))
        found = self.pending.get((h1, h2))
        if found is not None:
            return found
        for first, second, rows in self.runs:
            i = bisect_left(first, h1)
            while i < len(first) and first[i] == h1:
                if second[i] == h2:
                    return rows[i]
                i += 1
        self.pending[(h1, h2)] = row
        if len(self.pending) >= self.RUN:
            self._spill()
        return row

    def __len__(self) -> int:
        return len(self.pending) + sum(len(run[0]) for run in self.runs)

    def _spill(self) -> None:
        run: tuple[array, array, array] = (array("q"), array("q"), array("q"))
        for (h1, h2), row in sorted(self.pending.items()):
            run[0].append(h1)
            run[1].append(h2)
            run[2].append(row)
        self.pending = {}
        self.runs.append(run)
        while len(self.runs) > 1 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            newer, older = self.runs.pop(), self.runs.pop()
            self.runs.append(self._merge(older, newer))

    @staticmethod
    def _merge(a: tuple[array, array, array], b: tuple[array, array, array]) -> tuple[array, array, array]:
        """Merge two runs element by element: no list of tuples the size of the run (sorting
        one would briefly take ~150 bytes a key, the very memory this class saves)."""
        (a1, a2, ar), (b1, b2, br) = a, b
        o1, o2, orow = array("q"), array("q"), array("q")
        i = j = 0
        na, nb = len(a1), len(b1)
        while i < na and j < nb:
            if a1[i] <= b1[j]:
                o1.append(a1[i])
                o2.append(a2[i])
                orow.append(ar[i])
                i += 1
            else:
                o1.append(b1[j])
                o2.append(b2[j])
                orow.append(br[j])
                j += 1
        for first, second, rows, k in ((a1, a2, ar, i), (b1, b2, br, j)):
            o1.extend(first[k:])
            o2.extend(second[k:])
            orow.extend(rows[k:])
        return o1, o2, orow
