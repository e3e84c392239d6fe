"""The texts of the State-aid rules (`de-minimis`, `aid-per-project-cap`) in Swedish, Norwegian Bokmål and
English (our wording); `templates.MESSAGES` holds them with the others."""

from __future__ import annotations

STATE_AID_MESSAGES: dict[str, dict[str, str]] = {
    # de-minimis
    "deminimis.none": {
        "sv": "Ingen partner anger stöd av mindre betydelse (de minimis) ({regulation}).",
        "nb": "Ingen partner oppgir bagatellmessig støtte (de minimis) ({regulation}).",
        "en": "No partner declares de minimis aid ({regulation}).",
    },
    "deminimis.not-applicable": {
        "sv": "Taket i {regulation} gäller stöd som beviljas {period}; kontrolldatum {date} ligger utanför.",
        "nb": "Taket i {regulation} gjelder støtte som tildeles {period}; kontrolldato {date} ligger utenfor.",
        "en": "The ceiling of {regulation} applies to aid granted {period}; the check date {date} lies outside it.",
    },
    "deminimis.period": {
        "sv": "från {start} till {end}",
        "nb": "fra {start} til {end}",
        "en": "from {start} to {end}",
    },
    "deminimis.period-from": {"sv": "från {start}", "nb": "fra {start}", "en": "from {start}"},
    "deminimis.period-until": {"sv": "till och med {end}", "nb": "til og med {end}", "en": "until {end}"},
    "deminimis.window.rolling": {
        "sv": "de {years} åren {start} – {end}",
        "nb": "de {years} årene {start} – {end}",
        "en": "the {years} years {start} – {end}",
    },
    "deminimis.window.fiscal-years": {
        "sv": "de {years} beskattningsåren {start} – {end}",
        "nb": "de {years} regnskapsårene {start} – {end}",
        "en": "the {years} fiscal years {start} – {end}",
    },
    "deminimis.over": {
        "sv": "{partner} ({organisation}): stöd av mindre betydelse på sammanlagt {total} under {window} — {this} "
        "i denna ansökan, {declared} angivet tidigare stöd och {granted} från programmets beviljade ansökningar "
        "— överskrider taket på {cap} i {regulation} med {excess}.",
        "nb": "{partner} ({organisation}): bagatellmessig støtte på til sammen {total} i {window} — {this} i "
        "denne søknaden, {declared} oppgitt tidligere støtte og {granted} fra programmets innvilgede søknader — "
        "overstiger taket på {cap} i {regulation} med {excess}.",
        "en": "{partner} ({organisation}): de minimis aid of {total} over {window} — {this} in this application, "
        "{declared} declared as received before and {granted} from this programme's approved applications — "
        "exceeds the ceiling of {cap} of {regulation} by {excess}.",
    },
    "deminimis.ok": {
        "sv": "{partner} ({organisation}): stöd av mindre betydelse på sammanlagt {total} under {window} ({this} i "
        "denna ansökan, {declared} angivet, {granted} från programmet) ryms inom taket på {cap} i {regulation}.",
        "nb": "{partner} ({organisation}): bagatellmessig støtte på til sammen {total} i {window} ({this} i denne "
        "søknaden, {declared} oppgitt, {granted} fra programmet) er innenfor taket på {cap} i {regulation}.",
        "en": "{partner} ({organisation}): de minimis aid of {total} over {window} ({this} in this application, "
        "{declared} declared, {granted} from this programme) stays within the ceiling of {cap} of {regulation}.",
    },
    "deminimis.no-rate": {
        "sv": "{partner}: belopp i {currency} kan inte räknas om till {cap_currency}; programmet har ingen fast "
        "växelkurs för {currency}.",
        "nb": "{partner}: beløp i {currency} kan ikke regnes om til {cap_currency}; programmet har ingen fast "
        "vekslingskurs for {currency}.",
        "en": "{partner}: amounts in {currency} cannot be expressed in {cap_currency}; the programme has no fixed "
        "exchange rate for {currency}.",
    },
    "deminimis.rate-missing": {
        "sv": "{partner}: belopp i {currency} kan inte räknas om till euro för {month}, månaden då stödet beviljas: "
        "budgettjänsten har ingen växelkurs för {currency} i {month}. En administratör anger den "
        "(PUT /v1/exchange-rates/{currency}/{month} i budgettjänsten, kommissionens månadskurs) och kontrollen "
        "görs om.",
        "nb": "{partner}: beløp i {currency} kan ikke regnes om til euro for {month}, måneden støtten tildeles: "
        "budsjettjenesten har ingen vekslingskurs for {currency} i {month}. En administrator legger den inn "
        "(PUT /v1/exchange-rates/{currency}/{month} i budsjettjenesten, kommisjonens månedskurs) og kontrollen "
        "gjøres på nytt.",
        "en": "{partner}: amounts in {currency} cannot be expressed in euro for {month}, the month the aid is "
        "granted in: the budget service has no exchange rate for {currency} in {month}. An administrator sets it "
        "(PUT /v1/exchange-rates/{currency}/{month} of the budget service, the Commission's monthly rate) and the "
        "check is made again.",
    },
    # aid-per-project-cap
    "aidcap.none": {
        "sv": "Ingen partner anger stöd enligt {regulation}.",
        "nb": "Ingen partner oppgir støtte etter {regulation}.",
        "en": "No partner declares aid under {regulation}.",
    },
    "aidcap.over": {
        "sv": "{partner} ({organisation}): stödet på {amount} i detta projekt överskrider taket på {cap} per "
        "företag och projekt i {regulation} med {excess}.",
        "nb": "{partner} ({organisation}): støtten på {amount} i dette prosjektet overstiger taket på {cap} per "
        "foretak og prosjekt i {regulation} med {excess}.",
        "en": "{partner} ({organisation}): the aid of {amount} in this project exceeds the ceiling of {cap} per "
        "undertaking and project of {regulation} by {excess}.",
    },
    "aidcap.ok": {
        "sv": "Stödet enligt {regulation} ryms inom taket på {cap} per företag och projekt ({amounts}).",
        "nb": "Støtten etter {regulation} er innenfor taket på {cap} per foretak og prosjekt ({amounts}).",
        "en": "The aid under {regulation} stays within the ceiling of {cap} per undertaking and project ({amounts}).",
    },
}
