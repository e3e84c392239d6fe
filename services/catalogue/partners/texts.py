"""Partner search's refusals in Swedish, Norwegian (Bokmål) and English: the `detail` and each field error's
`message` are in the language `Accept-Language` chooses (`shared.i18n.negotiate`, English by default); the
fields they name stay language-neutral for programs."""

from __future__ import annotations

from typing import Any

from shared.i18n import negotiate

TEXTS: dict[str, dict[str, str]] = {
    "no-programme": {
        "sv": "det finns inget program '{programme}'",
        "nb": "det finnes ikke noe program '{programme}'",
        "en": "no programme '{programme}'",
    },
    "no-organisation-type": {
        "sv": "programmet '{programme}' har ingen organisationstyp '{code}'",
        "nb": "programmet '{programme}' har ingen organisasjonstype '{code}'",
        "en": "programme '{programme}' has no organisation type '{code}'",
    },
    "may-not-apply": {
        "sv": "'{code}' får inte delta i programmet '{programme}'",
        "nb": "'{code}' kan ikke delta i programmet '{programme}'",
        "en": "'{code}' may not take part in programme '{programme}'",
    },
    "no-region": {
        "sv": "programmet '{programme}' har ingen region '{code}'",
        "nb": "programmet '{programme}' har ingen region '{code}'",
        "en": "programme '{programme}' has no region '{code}'",
    },
    "region-country": {
        "sv": "'{code}' ligger inte i {country}",
        "nb": "'{code}' ligger ikke i {country}",
        "en": "'{code}' is not in {country}",
    },
    "region-not-valid": {
        "sv": "'{code}' är ingen region den {day} (efterföljare: {successors})",
        "nb": "'{code}' er ingen region {day} (etterfølgere: {successors})",
        "en": "'{code}' is not a region on {day} (successors: {successors})",
    },
    "no-objective": {
        "sv": "programmet '{programme}' har inget specifikt mål '{code}'",
        "nb": "programmet '{programme}' har ikke noe spesifikt mål '{code}'",
        "en": "programme '{programme}' has no specific objective '{code}'",
    },
    "objective-twice": {
        "sv": "'{code}' anges två gånger",
        "nb": "'{code}' er oppgitt to ganger",
        "en": "'{code}' is named twice",
    },
    "no-consent": {
        "sv": "en kontakt visas bara med dess samtycke: ange consent true eller utelämna kontakten",
        "nb": "en kontakt vises bare med samtykke: oppgi consent true eller utelat kontakten",
        "en": "a contact is shown only with its owner's consent: set consent true or leave the contact out",
    },
    "not-found": {
        "sv": "det finns ingen post {entry} i partnersökningen",
        "nb": "det finnes ingen oppføring {entry} i partnersøket",
        "en": "no partner-search entry {entry}",
    },
    "not-author": {
        "sv": "bara den som skrev posten {entry} kan dra tillbaka den",
        "nb": "bare den som skrev oppføringen {entry}, kan trekke den tilbake",
        "en": "only the author of the entry {entry} may withdraw it",
    },
}


def language_of(accept_language: str | None) -> str:
    return negotiate(accept_language)


def message(key: str, language: str, **values: Any) -> str:
    return TEXTS[key][language].format(**values)
