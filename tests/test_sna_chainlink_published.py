r"""``chain_link`` against a published worked example of an annually re-weighted Laspeyres chain.

Source: Statistics Finland, web school "Index calculation", lesson 3, topic 3.3 "Fixed-base
indices and chain indices" (tilastokeskus.fi, tup/verkkokoulu/data/ind/03/03/index_en.html).
Its table gives, for two commodities A and B over four points of measurement X0..X3, the
prices, quantities and values, and the chain Laspeyres index (X0 = 100) with its links::

    Price A      50    55    60    60      Quantity A  10  15  15  10
    Price B      25    20    20    25      Quantity B  15  20  25  20
    Value A     500   825   900   600      Value B    375 400 500 500
    Chain X0=100  100.0   0.9714*100.0 = 97.14   1.0612*97.14 = 103.08   1.0892*103.08 = 112.27

This is the only worked chain-linking example with complete quantities, prices *and* printed
results that could be retrieved here. The printed links and chain of the IMF Quarterly
National Accounts Manual 2017, Example 8.8, are reproduced in tests/test_sna_chainlink_imf.py.

The annual-overlap technique on quarterly data (quarters valued at the previous year's
average prices, linked through the annual overlap; ``chain_link``'s quarterly branch) is
therefore *not* checked against a published example: none with both its inputs and its
linked outputs could be read here. What was searched (issue 13, third search, in the stored
public web pages, documentation pages and public source repositories available to the
project), and what each source lacked:

* IMF *Quarterly National Accounts Manual* 2017, chapter 8, Examples 8.2-8.5 (the
  annual-overlap example is 8.3). Only single pages of a flipbook copy are readable (book
  pages 169, 177 and 193: text of paragraphs 17-18 and 39-43, and Example 8.8); the pages
  with the tables of Examples 8.2-8.5 are not. Full-text copies (a 2014 draft of chapter 8,
  a copy of the chapter, a copy of the whole manual) are stored only as their first page.
  A third-party R package documents Example 8.2's current prices (products A and B,
  2010q1-2013q4) but its page with the price indices is cut after 2011q1, and it prints no
  annual-overlap output of the manual.
* IMF *Quarterly National Accounts Manual* 2001 (Bloem, Dippelsman, Maehle), chapter IX,
  Examples 9.2-9.4. The chapter text is stored only as its opening. The inputs of its
  quarterly example (1997 annual quantities 251.0 and 236.0 at average prices 7.0 and 6.0,
  quarterly quantities and prices of products A and B for 1998-2000) appear in the unit
  tests of JDemetra+ (jtstoolkit ``TsDataTest.testChainLinking``, "Example taken from the
  IMF manual", and ``chainlinking/AnnualOverlapTest``), but those tests assert no result and
  the manual's printed linked series could not be read. (JDemetra+'s ``AnnualOverlap``
  also takes the annual price as the simple mean of the quarterly prices, not the
  value-weighted mean the manuals use.)
* Eurostat *Handbook on quarterly national accounts* (2013; and the 1999 edition), Eurostat
  *Handbook on prices and volume measures in national accounts* (2016; 2001 edition),
  Eurostat "Essential SNA" article on quarterly GDP: catalogue pages or first pages only.
* ONS: "Chain-linking methods used within the UK National Accounts" (2016) and the 2017
  change-of-reference-year article: introductions only, no quarterly worked table readable;
  Robjohns (2006) and Tuke and Reed (2001) not found.
* ABS: "Demystifying chain volume measures" (2003) and Concepts, Sources and Methods
  (2000 chapter 10; 2020-21 chapter 6 annex A): introductions and formulas, annual
  examples only.
* Statistics Canada chain Fisher note (formulas only), the Macao DSEC e-learning page
  (annual example), Nierhaus (ifo Schnelldienst 2005) and Quaas (Leipzig working paper 82,
  2009) on the German annual-overlap method (abstracts or first pages only).
* Public code: R packages on annual overlap (chainSTAT, IndexNumberTools, stan) and
  JDemetra+ take user series and print no manual table.

Fourth search (issue 13; new angles only, one line each). The stored web pages turned out to
hold each document from its beginning only, so a table deep in a long transcript cannot be
reached by any query:

* pages, queries made of the tables' own words and numbers ("Example 8.3", "2010 average
  prices", "1997 average prices 7.0 6.0 251.0 236.0"): only the pages already listed above.
* pages, the flipbook's other page numbers (book pages 170-177, "P:178"-"P:185"): none returned.
* pages, the 2017 manual's chapter 8 on pdffox.com and financedocbox.com: opening only.
* pages, the IMF eLibrary HTML of both editions (2001: ch01/ch02 stored, not ch09; 2017:
  front matter only).
* pages, Spanish and French sources: INE Spain "Indices encadenados en la Contabilidad
  Nacional Trimestral" (2005, yumpu, page by page: formulas, no numerical table); Parra
  "Notas de Contabilidad Trimestral" and DG Tresor "Guide pratique des comptes chaines"
  (2007): openings only.
* pages, training slides (TurkStat QNA workshop for ECO members, Tehran 2015, "Price and
  Volume Measures"): opening only; Macao DSEC e-learning 125-128: annual examples only.
* pages, Eurostat QNA handbook 1999 (yumpu) and 2013: catalogue or cover pages only.
* docs, the R package chainlink (A. Quartier-la-Tente), which reproduces chapter 8 of the
  2017 manual: its reference pages are stored only up to the start of their examples (the
  price indices of Example 8.2 stop at 2011q1; no printed output of Example 8.3); its
  repository is neither indexed nor fetchable here. Its ``pi_annual`` page states that
  Examples 8.3, 8.8 and 8.9 use the implicit (value-weighted) annual price index, i.e. the
  annual sum of current-price quarters over the annual sum of quarters at the previous
  year's prices, which is the convention of ``chain_link``'s quarterly branch.
* pages, Statistics Finland's web school and quarterly-accounts method notes
  (2007 change to the annual overlap method): prose only, no quarterly worked table.
* code, exact strings ("annual overlap technique", "previous year's average prices",
  "Example 8.3", the 2001 example's input vectors written other ways): only JDemetra+'s own
  input-only test. The Bundesbank KIX tests (annual overlap) assert their own outputs on
  unnamed data, not a published table.
* issues: no thread quoting the manuals' printed annual-overlap tables.

One fact learnt on the way, relevant to the convention question: in the 2001 manual's inputs
as JDemetra+ types them, the 1997 prices of products A and B have *simple* quarterly means of
exactly 7.0 and 6.0 (the value-weighted means are 7.038 and 6.013), which suggests that that
example values quarters at simple-mean annual prices, not at the value-weighted prices
``chain_link`` assumes (its ``previous_year_prices`` input is whatever the user supplies; the
link denominator is the annual sum of current-price quarters).

What is checked for the quarterly branch instead (tests/test_sna_volumes.py) are its
defining identities: the quarters of each year sum to the annual chain-linked volume, which
is the annual chain of this module's annual branch.

The published index is a Laspeyres *price* chain. ``chain_link`` computes the Laspeyres
chain

.. math::

    I_t = I_{t-1} \frac{\sum_i W_{t,i}}{\sum_i V_{t-1,i}},

with :math:`V_{t,i} = p_{t,i} q_{t,i}`. With :math:`W_{t,i} = p_{t-1,i} q_{t,i}` (values at the
previous period's prices, its documented use) it is the chain Laspeyres volume index; with
:math:`W_{t,i} = p_{t,i} q_{t-1,i}` (the previous period's quantities at this period's prices)
the very same formula is the chain Laspeyres price index (the Laspeyres price and volume
formulas of 2008 SNA chapter 15 differ only by exchanging prices and quantities). The
example is fed through the public API in that second form, so the test checks
``chain_link``'s link arithmetic, its compounding and its reference-period scaling against
printed numbers; it does not exercise the annual-overlap quarterly branch.

Rounding convention of the source: every printed figure is *truncated*, not rounded (the
links 0.971428..., 1.061224..., 1.089285... are printed 0.9714, 1.0612, 1.0892; the
fixed-base 102.857.../111.428... are printed 102.85/111.42), and each level is obtained by
multiplying the truncated link by the truncated previous level, as printed. The test
reproduces the printed links and levels under exactly that convention from intelcap's
unrounded links (no tolerance); the unrounded chain (103.09, 112.29) differs from the
printed 103.08 and 112.27 by that truncation only, which a strict xfail records.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.volumes import chain_link

PERIODS = [0, 1, 2, 3]  # X0..X3 (chain_link needs consecutive integer periods)
PRICE = pd.DataFrame({"A": [50.0, 55.0, 60.0, 60.0], "B": [25.0, 20.0, 20.0, 25.0]},
                     index=PERIODS)
QUANTITY = pd.DataFrame({"A": [10.0, 15.0, 15.0, 10.0], "B": [15.0, 20.0, 25.0, 20.0]},
                        index=PERIODS)
VALUE_PRINTED = pd.DataFrame({"A": [500.0, 825.0, 900.0, 600.0],
                              "B": [375.0, 400.0, 500.0, 500.0]}, index=PERIODS)
LINKS_PRINTED = [0.9714, 1.0612, 1.0892]          # X1, X2, X3
CHAIN_PRINTED = [100.0, 97.14, 103.08, 112.27]    # X0 = 100


def _trunc(x: float, digits: int) -> float:
    """Truncate toward zero at ``digits`` decimals (the source's convention).

    The 1e-9 guard only absorbs binary representation error of products such as
    ``100 * 0.9714`` (= 97.13999...); it is nine orders below the printed precision.
    """
    scale = 10.0 ** digits
    return math.floor(x * scale + 1e-9) / scale


def _published_chain() -> pd.DataFrame:
    """The example through ``chain_link`` in its price-chain form (see module docstring)."""
    current = PRICE * QUANTITY
    # previous period's quantities at this period's prices; period X0 has no predecessor and
    # is not used by chain_link (its own value is passed as a placeholder)
    dual = PRICE * QUANTITY.shift(1)
    dual.iloc[0] = current.iloc[0]
    return chain_link(current, dual)


def test_printed_values_are_price_times_quantity():
    """The transcription of the source table is internally consistent."""
    pd.testing.assert_frame_equal(PRICE * QUANTITY, VALUE_PRINTED)


def test_reference_period_equals_current_prices():
    res = _published_chain()
    assert res.loc[0, "total"] == 875.0  # 500 + 375, chain value = current value at X0
    assert res.loc[0, "A"] == 500.0 and res.loc[0, "B"] == 375.0


def test_links_reproduce_printed_links():
    res = _published_chain()
    links = (res["total"] / res["total"].shift(1)).iloc[1:].to_numpy()
    assert [_trunc(x, 4) for x in links] == LINKS_PRINTED
    # truncation: each unrounded link lies in [printed, printed + 1e-4)
    assert np.all(links >= np.array(LINKS_PRINTED))
    assert np.all(links < np.array(LINKS_PRINTED) + 1e-4)


def test_chain_index_reproduces_printed_levels_under_source_arithmetic():
    """Levels as printed: truncated link times truncated previous level, truncated."""
    res = _published_chain()
    links = (res["total"] / res["total"].shift(1)).iloc[1:].to_numpy()
    level = 100.0
    printed = [level]
    for link in links:
        level = _trunc(_trunc(link, 4) * level, 2)
        printed.append(level)
    assert printed == CHAIN_PRINTED
    # the first level involves no compounding: intelcap's index itself truncates to 97.14
    assert _trunc(100.0 * res.loc[1, "total"] / res.loc[0, "total"], 2) == CHAIN_PRINTED[1]


@pytest.mark.xfail(strict=True, reason=(
    "Statistics Finland chains links truncated to 4 decimals and levels truncated to 2 "
    "(printed arithmetic '1.0612 * 97.14 = 103.08', '1.0892 * 103.08 = 112.27'); the "
    "unrounded chain Laspeyres index is 103.09 at X2 and 112.29 at X3"))
def test_unrounded_chain_index_equals_printed_levels():
    res = _published_chain()
    index = 100.0 * res["total"] / res.loc[0, "total"]
    assert [round(float(x), 2) for x in index] == CHAIN_PRINTED


def test_components_are_price_relatives():
    """Single-component chains are the item's own price relative times its X0 value."""
    res = _published_chain()
    for item in ("A", "B"):
        expected = VALUE_PRINTED.loc[0, item] * PRICE[item] / PRICE.loc[0, item]
        np.testing.assert_allclose(res[item], expected, rtol=1e-12)
