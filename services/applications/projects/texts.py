"""The project stage's messages in Swedish, Norwegian (Bokmål) and English: a refusal's `detail` is in the
language `Accept-Language` chooses (`shared.i18n.negotiate`); the problem's structured fields (`missing`,
`conditions`, `errors`, `month`) stay language-neutral for programs."""

from __future__ import annotations

from typing import Any

from shared.i18n import negotiate

TEXTS: dict[str, dict[str, str]] = {
    "diff-not-part": {
        "sv": "hör inte till en ändring av typen {type} (tillåtet: {allowed})",
        "nb": "hører ikke til en endring av typen {type} (tillatt: {allowed})",
        "en": "not part of a {type} change (allowed: {allowed})",
    },
    "diff-empty": {
        "sv": "en ändring av typen {type} ändrar minst ett av {allowed}",
        "nb": "en endring av typen {type} endrer minst ett av {allowed}",
        "en": "a {type} change changes at least one of {allowed}",
    },
    "diff-partner-count": {
        "sv": "den godkända versionen har {count} partner",
        "nb": "den godkjente versjonen har {count} partnere",
        "en": "the approved version has {count} partners",
    },
    "diff-cost-option": {
        "sv": "raden för ett förenklat kostnadsalternativ beräknas; den anges inte",
        "nb": "linjen for et forenklet kostnadsalternativ beregnes; den angis ikke",
        "en": "a cost option's line is computed, not set",
    },
    "diff-end-date": {
        "sv": "en förlängning slutar efter {date}",
        "nb": "en forlengelse slutter etter {date}",
        "en": "an extension ends after {date}",
    },
    "diff-lead-stays": {
        "sv": "en projektägare (lead partner) står kvar",
        "nb": "en prosjekteier (lead partner) blir værende",
        "en": "a project owner (lead) stays",
    },
    "diff-has-reports": {
        "sv": "partnern, eller en partner efter den, har rapporter",
        "nb": "partneren, eller en partner etter den, har rapporter",
        "en": "the partner, or one after it, has reports",
    },
    "diff-new-lead": {
        "sv": "en ny partner är inte projektägare",
        "nb": "en ny partner er ikke prosjekteier",
        "en": "a new partner is not a project owner",
    },
    "missing-decision_date": {"sv": "beslutsdatum", "nb": "vedtaksdato", "en": "decision date"},
    "missing-contract_date": {"sv": "avtalsdatum", "nb": "kontraktsdato", "en": "contract date"},
    "missing-start_date": {"sv": "projektets startdatum", "nb": "prosjektets startdato", "en": "project start date"},
    "missing-end_date": {"sv": "projektets slutdatum", "nb": "prosjektets sluttdato", "en": "project end date"},
    "missing-periods": {"sv": "rapporteringsperioder", "nb": "rapporteringsperioder", "en": "reporting periods"},
    "missing-contacts": {
        "sv": "kontaktpersoner för projektägaren {side}",
        "nb": "kontaktpersoner for prosjekteier {side}",
        "en": "contacts of the {side} project owner",
    },
    "missing-bank-account": {
        "sv": "bankkonto för projektägaren {side}",
        "nb": "bankkonto for prosjekteier {side}",
        "en": "bank account of the {side} project owner",
    },
    "missing-controller": {
        "sv": "kontrollant för partner {number} ({name})",
        "nb": "kontrollør for partner {number} ({name})",
        "en": "controller of partner {number} ({name})",
    },
    "contract-incomplete": {
        "sv": "avtalsuppgifterna är ofullständiga; saknas: {missing}",
        "nb": "kontraktsopplysningene er ufullstendige; mangler: {missing}",
        "en": "the contract data is incomplete; missing: {missing}",
    },
    "conditions-open": {
        "sv": "villkor i beslutet är inte uppfyllda: {conditions}",
        "nb": "vilkår i vedtaket er ikke oppfylt: {conditions}",
        "en": "conditions of the approval are not fulfilled: {conditions}",
    },
    "not-approved": {
        "sv": "ansökan är {status} och budgetåtagandet {commitment}: endast en beviljad ansökan med ett accepterat åtagande kan avtalas",
        "nb": "søknaden er {status} og budsjettforpliktelsen {commitment}: bare en innvilget søknad med en akseptert forpliktelse kan kontraktsfestes",
        "en": "the application is {status} and its commitment {commitment}: only an approved application whose commitment the budget accepted is contracted",
    },
    "final-not-verified": {
        "sv": "slutrapporten för period {period} är inte granskad",
        "nb": "sluttrapporten for periode {period} er ikke kontrollert",
        "en": "the final report of period {period} is not verified",
    },
    "rate-missing": {
        "sv": "budgeten saknar Kommissionens månadskurs för {currency} i {month} (förordning (EU) 2021/1059 art. 39)",
        "nb": "budsjettet mangler Kommisjonens månedskurs for {currency} i {month} (forordning (EU) 2021/1059 art. 39)",
        "en": "the budget has no Commission monthly accounting rate for {currency} in {month} (Regulation (EU) 2021/1059 Art. 39)",
    },
    "control-incomplete": {
        "sv": "{count} utgiftsrader är inte granskade (först: {numbers})",
        "nb": "{count} utgiftslinjer er ikke kontrollert (først: {numbers})",
        "en": "{count} expenditure lines are not verified (first: {numbers})",
    },
    "csv-invalid": {
        "sv": "CSV-filen har fel; inget sparades: {errors}",
        "nb": "CSV-filen har feil; ingenting ble lagret: {errors}",
        "en": "the CSV has errors; nothing was stored: {errors}",
    },
    "four-eyes": {
        "sv": "intyget utfärdas av en annan person än den som avslutade kontrollen ({who})",
        "nb": "attesten utstedes av en annen person enn den som avsluttet kontrollen ({who})",
        "en": "the certificate is issued by another person than the one who completed the control ({who})",
    },
    "change-conflict": {
        "sv": "ändringsbegäran {number} ({id}) är öppen och ändrar samma del: {parts}",
        "nb": "endringsanmodning {number} ({id}) er åpen og endrer samme del: {parts}",
        "en": "change request {number} ({id}) is open and changes the same part: {parts}",
    },
    "change-approving": {
        "sv": "ändringsbegäran {number} ({id}) väntar på budgetens svar; besluta efter den",
        "nb": "endringsanmodning {number} ({id}) venter på budsjettets svar; vedta etter den",
        "en": "change request {number} ({id}) awaits the budget's answer; decide after it",
    },
    "change-stale": {
        "sv": "ändringsbegäran kontrollerades mot version {checked}; projektets beviljade version är nu {current}: dra tillbaka den och gör en ny",
        "nb": "endringsanmodningen ble kontrollert mot versjon {checked}; prosjektets innvilgede versjon er nå {current}: trekk den tilbake og lag en ny",
        "en": "the change request was checked against version {checked}; the project's approved version is now {current}: withdraw it and make a new one",
    },
    "not-contracted": {
        "sv": "projektet är {status}: endast ett avtalat projekt ändras",
        "nb": "prosjektet er {status}: bare et kontraktsfestet prosjekt endres",
        "en": "the project is {status}: only a contracted project is changed",
    },
    "change-side-not-touched": {
        "sv": "ändringsbegäran rör inte {side}-sidan (rör: {sides})",
        "nb": "endringsanmodningen berører ikke {side}-siden (berører: {sides})",
        "en": "the change request does not touch the {side} side (touches: {sides})",
    },
}


def say(key: str, language: str, **values: Any) -> str:
    """The message `key` in `language` (sv, nb or en; English otherwise) with `values` filled in."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)


def language_of(header: str | None) -> str:
    return negotiate(header)
