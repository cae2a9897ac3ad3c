"""A hand-built balanced economy shared by the accounts tests (tables, GDP, I/O)."""

from __future__ import annotations


def tiny_records(period: int = 2023) -> list[dict]:
    """A hand-built balanced economy (GDP 128 by all three approaches, NDP 111).

    Market corporations S11 (industry A): P1 100, P2 30 by product (A 20, B 10), D1 40,
    D29X39 5, B2A3G 25. General government S13 (industry G): P2 10, D1 30, B2A3G 5 (its CFC),
    P1 45 = sum of costs. Households S14 (industry H): P1 20, P2 5, B2A3G 15. Taxes less
    subsidies on products 8. Uses: household consumption 80, government consumption 45,
    GFCF 20, inventories 3, exports 10, imports 30. CFC 12 (S11) + 5 (S13).
    """
    rows = [
        ("S11", "A", "_T", "P1", 100.0), ("S11", "A", "A", "P2", 20.0),
        ("S11", "A", "B", "P2", 10.0), ("S11", "A", "_T", "D1", 40.0),
        ("S11", "A", "_T", "D29X39", 5.0), ("S11", "A", "_T", "B2A3G", 25.0),
        ("S11", "A", "_T", "P51C", 12.0),
        ("S13", "G", "_T", "P1", 45.0), ("S13", "G", "A", "P2", 10.0),
        ("S13", "G", "_T", "D1", 30.0), ("S13", "G", "_T", "B2A3G", 5.0),
        ("S13", "G", "_T", "P51C", 5.0),
        ("S14", "H", "_T", "P1", 20.0), ("S14", "H", "B", "P2", 5.0),
        ("S14", "H", "_T", "B2A3G", 15.0),
        ("S1", "_T", "_T", "D21X31", 8.0),
        ("S14", "_T", "A", "P3", 50.0), ("S14", "_T", "B", "P3", 30.0),
        ("S13", "_T", "G", "P3", 45.0), ("S11", "_T", "A", "P51G", 20.0),
        ("S1", "_T", "B", "P52", 3.0), ("S1", "_T", "A", "P6", 10.0),
        ("S1", "_T", "B", "P7", 30.0),
    ]
    return [dict(period=period, sector=s, industry=i, product=p, transaction=tx, value=v)
            for s, i, p, tx, v in rows]
