"""Countries and US states by name: what a "Which country ...?" or "Which state ...?" answer is.

A place question's short answer is otherwise any phrase shaped like a place ("in" + a
capitalised run, "... City"), and a sentence about a country often names a city, a company or
a person first ("Manchester, England" for "Huge crowds lined the streets of which country ...?";
"Matt Gaetz" for "Which US state is represented by ..."). When the question asks for a country
or a US state and the sentences name one, the short answer is taken among those names.

The names come from pycountry (ISO 3166-1 countries and ISO 3166-2 US states, kept up to date
by its maintainers), with the short forms news writes ("Russia", "South Korea", "the U.S.")
that ISO spells otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from qa.answering.entities import Mention

# "Which country ...?", "What European country ...?", "Which South Asian nation ...?"
COUNTRY_QUESTION = re.compile(
    r"\b(?:[Ww]hat|[Ww]hich)\s+(?:[A-Z][\w.-]*\s+){0,2}(?:countr(?:y|ies)|nations?)\b"
)
# "Which state ...?", "Which US state ...?" (a state of the United States)
STATE_QUESTION = re.compile(
    r"\b(?:[Ww]hat|[Ww]hich)\s+(?:(?:US|U\.S\.|American)\s+)?states?\b(?![\s-]+(?:owned|run))"
)

# How news names the countries whose ISO name is long or inverted ("Korea, Republic of").
COUNTRY_ALIASES = (
    "US", "U.S.", "USA", "U.S.A.", "America", "United States", "UK", "U.K.", "Britain",
    "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "Russia",
    "South Korea", "North Korea", "Iran", "Syria", "Vietnam", "Laos", "Bolivia", "Venezuela",
    "Tanzania", "Moldova", "Taiwan", "Czech Republic", "Czechia", "Turkey", "Ivory Coast",
    "Congo", "Democratic Republic of Congo", "Vatican", "Palestine", "Kosovo", "Micronesia",
    "Brunei", "Cape Verde", "Macau", "Hong Kong", "Holland",
)  # fmt: skip


def _pattern(names: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(names, key=len, reverse=True)  # "South Korea" before "Korea"
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)")


@cache
def _country_names() -> frozenset[str]:
    import pycountry

    names = set(COUNTRY_ALIASES)
    for country in pycountry.countries:
        for field in ("name", "common_name"):
            name = getattr(country, field, None)
            if name and "," not in name:
                names.add(name)
    return frozenset(names)


@cache
def _state_names() -> frozenset[str]:
    import pycountry

    return frozenset(
        s.name for s in pycountry.subdivisions.get(country_code="US") if s.type == "State"
    )


CONTINENTS = (
    "Africa", "Antarctica", "Asia", "Europe", "North America", "South America", "Oceania",
    "Australia", "Central America",
)  # fmt: skip
# Parts of the world a "Who ...?" answer is not either, though no "What continent ...?" one.
REGIONS = ("Latin America", "Middle East", "Caribbean", "Scandinavia")


@cache
def _countries() -> re.Pattern[str]:
    return _pattern(_country_names())


@cache
def _states() -> re.Pattern[str]:
    return _pattern(_state_names())


@cache
def _continents() -> re.Pattern[str]:
    return _pattern(set(CONTINENTS))


def is_place(phrase: str) -> bool:
    """Whether ``phrase`` is, as a whole, a country, a US state, a continent or a part of the
    world ("England", "Asia", "Middle East"), or a list that names one ("Prussia, and South
    Africa"): no person's name, whatever its shape."""
    names = [n.strip().removeprefix("the ") for n in _LIST_PARTS.split(phrase) if n.strip()]
    return any(n in _place_names() for n in names)


@cache
def _place_names() -> frozenset[str]:
    return _country_names() | _state_names() | frozenset(CONTINENTS + REGIONS)


_LIST_PARTS = re.compile(r"\s*(?:,\s*and|,\s*or|,|;|\band\b|\bor\b)\s*")


# "What continent ...?"
CONTINENT_QUESTION = re.compile(r"\b(?:[Ww]hat|[Ww]hich)\s+continents?\b")


def gazetteer_for(question: str) -> re.Pattern[str] | None:
    """The names a short answer to ``question`` must be among: countries for "Which country
    ...?", US states for "Which state ...?", continents for "What continent ...?", else None."""
    if CONTINENT_QUESTION.search(question):
        return _continents()
    if COUNTRY_QUESTION.search(question):
        return _countries()
    if STATE_QUESTION.search(question):
        return _states()
    return None


def named_places(text: str, names: re.Pattern[str]) -> list[Mention]:
    """The countries or states (``names``, from ``gazetteer_for``) that ``text`` names."""
    return [Mention(m.group(), m.start(), m.end()) for m in names.finditer(text)]


def names(text: str, place: Mention) -> bool:
    """Whether ``text`` (a question) names ``place`` itself, as a word of its own."""
    return re.search(r"(?<![\w.])" + re.escape(place.text) + r"(?!\w)", text) is not None
