"""The texts of every rule outcome in Swedish, Norwegian Bokmål and English (our wording, marked as such
in the rule sets' sources), keyed by message key; `render` fills in the figures."""

from __future__ import annotations

from services.eligibility.messages.state_aid import STATE_AID_MESSAGES

COUNTRIES: dict[str, dict[str, str]] = {
    "SE": {"sv": "Sverige", "nb": "Sverige", "en": "Sweden"},
    "NO": {"sv": "Norge", "nb": "Norge", "en": "Norway"},
    "DK": {"sv": "Danmark", "nb": "Danmark", "en": "Denmark"},
    "FI": {"sv": "Finland", "nb": "Finland", "en": "Finland"},
    "IS": {"sv": "Island", "nb": "Island", "en": "Iceland"},
}

T = dict[str, str]
MESSAGES: dict[str, T] = {
    **STATE_AID_MESSAGES,
    # partnership (cross-border-partnership)
    "partnership.ok": {
        "sv": "Partnerskapet uppfyller kraven: partner från {countries}; huvudsökande (lead partner): {leads}.",
        "nb": "Partnerskapet oppfyller kravene: partnere fra {countries}; hovedsøker (lead partner): {leads}.",
        "en": "The partnership meets the requirements: partners from {countries}; lead partner: {leads}.",
    },
    "partnership.missing-country": {
        "sv": "Det finns ingen partner från {country}.",
        "nb": "Det finnes ingen partner fra {country}.",
        "en": "There is no partner from {country}.",
    },
    "partnership.lead-count": {
        "sv": "Det ska finnas exakt {expected} huvudsökande (lead partner); ansökan har {count}.",
        "nb": "Det skal være nøyaktig {expected} hovedsøker (lead partner); søknaden har {count}.",
        "en": "There must be exactly {expected} lead partner; the application has {count}.",
    },
    "partnership.country-not-allowed": {
        "sv": "{partner} kommer från {country}; partner ska komma från {allowed}.",
        "nb": "{partner} er fra {country}; partnere skal være fra {allowed}.",
        "en": "{partner} is from {country}; partners must be from {allowed}.",
    },
    "partnership.owner-count": {
        "sv": "Projektet ska ha exakt {expected} projektägare (lead) från {country}, som ansvarar för sin sidas "
        "budget och finansiering; ansökan har {count} ({owners}).",
        "nb": "Prosjektet skal ha nøyaktig {expected} prosjekteier (lead) fra {country}, som har ansvaret for sin "
        "sides budsjett og finansiering; søknaden har {count} ({owners}).",
        "en": "The project must have exactly {expected} project owner (lead) from {country}, answering for its "
        "side's budget and financing; the application has {count} ({owners}).",
    },
    "partnership.owner-country": {
        "sv": "Projektägare kan inte komma från {country} ({owners}).",
        "nb": "Prosjekteiere kan ikke være fra {country} ({owners}).",
        "en": "Project owners cannot be from {country} ({owners}).",
    },
    "partnership.ok-owners": {
        "sv": "Partnerskapet uppfyller kraven: partner från {countries}; projektägare: {owners}.",
        "nb": "Partnerskapet oppfyller kravene: partnere fra {countries}; prosjekteiere: {owners}.",
        "en": "The partnership meets the requirements: partners from {countries}; project owners: {owners}.",
    },
    # eligible-organisation
    "organisation.ok": {
        "sv": "Alla partners organisationstyper får söka ({types}).",
        "nb": "Alle partnernes organisasjonstyper kan søke ({types}).",
        "en": "Every partner's organisation type may apply ({types}).",
    },
    "organisation.unknown": {
        "sv": "{partner}: ”{type}” är inte en organisationstyp i programmet.",
        "nb": "{partner}: «{type}» er ikke en organisasjonstype i programmet.",
        "en": "{partner}: “{type}” is not an organisation type of this programme.",
    },
    "organisation.refused": {
        "sv": "{partner}: organisationer av typen {name} får inte söka.",
        "nb": "{partner}: organisasjoner av typen {name} kan ikke søke.",
        "en": "{partner}: organisations of the type {name} may not apply.",
    },
    # programme-area
    "area.ok": {
        "sv": "Alla partners regioner ligger i programområdet den {date}.",
        "nb": "Alle partnernes regioner ligger i programområdet {date}.",
        "en": "Every partner's region lies in the programme area on {date}.",
    },
    "area.ok-scope": {
        "sv": "Regionerna för {scope} ligger i programområdet den {date}.",
        "nb": "Regionene til {scope} ligger i programområdet {date}.",
        "en": "The regions of {scope} lie in the programme area on {date}.",
    },
    "area.none": {
        "sv": "Regeln gäller {scope}, och det finns inga att pröva.",
        "nb": "Regelen gjelder {scope}, og det finnes ingen å prøve.",
        "en": "The rule concerns {scope}, and there are none to check.",
    },
    "area.scope.all": {"sv": "alla partner", "nb": "alle partnere", "en": "all partners"},
    "area.scope.owners": {"sv": "projektägarna", "nb": "prosjekteierne", "en": "the project owners"},
    "area.scope.other-partners": {
        "sv": "övriga partner",
        "nb": "øvrige partnere",
        "en": "the other partners",
    },
    "area.outside": {
        "sv": "{partner}: regionen {region} ligger inte i programområdet den {date}.",
        "nb": "{partner}: regionen {region} ligger ikke i programområdet {date}.",
        "en": "{partner}: the region {region} is not in the programme area on {date}.",
    },
    "area.expired": {
        "sv": "{region} ingick till och med {valid_to} och har ersatts av {successors}.",
        "nb": "{region} inngikk til og med {valid_to} og er erstattet av {successors}.",
        "en": "{region} was part of it until {valid_to} and has been replaced by {successors}.",
    },
    "area.not-yet": {
        "sv": "{region} ingår först från och med {valid_from}.",
        "nb": "{region} inngår først fra og med {valid_from}.",
        "en": "{region} is part of it only from {valid_from}.",
    },
    "area.justification-given": {
        "sv": "En partner utanför programområdet kräver en motivering; en motivering har angetts.",
        "nb": "En partner utenfor programområdet krever en begrunnelse; en begrunnelse er oppgitt.",
        "en": "A partner outside the programme area needs a justification; one has been given.",
    },
    "area.justification-missing": {
        "sv": "En partner utanför programområdet kräver en motivering; ingen har angetts ännu.",
        "nb": "En partner utenfor programområdet krever en begrunnelse; ingen er oppgitt ennå.",
        "en": "A partner outside the programme area needs a justification; none has been given yet.",
    },
    # co-financing
    "cofinancing.ok": {
        "sv": "{source} håller sig inom {limit} av de stödberättigande kostnaderna för varje berörd partner ({shares}).",
        "nb": "{source} holder seg innenfor {limit} av de støtteberettigede kostnadene for hver berørt partner ({shares}).",
        "en": "{source} stays within {limit} of the eligible costs of each partner concerned ({shares}).",
    },
    "cofinancing.none": {
        "sv": "Ingen partner berörs ({scope}); regeln gäller inte.",
        "nb": "Ingen partner berøres ({scope}); regelen gjelder ikke.",
        "en": "No partner is concerned ({scope}); the rule does not apply.",
    },
    "cofinancing.over": {
        "sv": "{partner}: {source} {amount} är {share} av de stödberättigande kostnaderna {costs}, "
        "över gränsen {limit} med {excess}.",
        "nb": "{partner}: {source} {amount} er {share} av de støtteberettigede kostnadene {costs}, "
        "over grensen på {limit} med {excess}.",
        "en": "{partner}: {source} {amount} is {share} of the eligible costs of {costs}, "
        "above the limit of {limit} by {excess}.",
    },
    "cofinancing.no-costs": {
        "sv": "{partner}: {source} {amount} utan några stödberättigande kostnader.",
        "nb": "{partner}: {source} {amount} uten noen støtteberettigede kostnader.",
        "en": "{partner}: {source} {amount} with no eligible costs.",
    },
    # project-duration
    "duration.order": {
        "sv": "Projektet måste sluta efter att det börjar (start {start}, slut {end}).",
        "nb": "Prosjektet må slutte etter at det starter (start {start}, slutt {end}).",
        "en": "The project must end after it starts (start {start}, end {end}).",
    },
    "duration.too-long": {
        "sv": "Ett projekt av typen {type} får pågå i högst {max} månader; detta pågår i {months} månader "
        "({start} – {end}).",
        "nb": "Et prosjekt av typen {type} kan vare i høyst {max} måneder; dette varer i {months} måneder "
        "({start} – {end}).",
        "en": "A project of the type {type} may last at most {max} months; this one lasts {months} months "
        "({start} – {end}).",
    },
    "duration.ok-max": {
        "sv": "Projektet pågår i {months} månader ({start} – {end}), inom högst {max} månader för {type}.",
        "nb": "Prosjektet varer i {months} måneder ({start} – {end}), innenfor høyst {max} måneder for {type}.",
        "en": "The project lasts {months} months ({start} – {end}), within the maximum of {max} months for {type}.",
    },
    "duration.ok": {
        "sv": "Projektet pågår i {months} månader ({start} – {end}).",
        "nb": "Prosjektet varer i {months} måneder ({start} – {end}).",
        "en": "The project lasts {months} months ({start} – {end}).",
    },
    # funding-cap
    "cap.not-applicable": {
        "sv": "Taket gäller bara projekt av typen {type}; regeln gäller inte.",
        "nb": "Taket gjelder bare prosjekter av typen {type}; regelen gjelder ikke.",
        "en": "The cap applies to projects of the type {type} only; the rule does not apply.",
    },
    "cap.ok": {
        "sv": "{source} för {scope} uppgår till {total}, inom taket {cap}.",
        "nb": "{source} for {scope} utgjør {total}, innenfor taket på {cap}.",
        "en": "{source} for {scope} totals {total}, within the cap of {cap}.",
    },
    "cap.over": {
        "sv": "{source} för {scope} uppgår till {total}, över taket {cap} med {excess}.",
        "nb": "{source} for {scope} utgjør {total}, over taket på {cap} med {excess}.",
        "en": "{source} for {scope} totals {total}, above the cap of {cap} by {excess}.",
    },
    "cap.no-rate": {
        "sv": "{partner}: belopp i {currency} kan inte jämföras med taket i {cap_currency} (ingen fast växelkurs).",
        "nb": "{partner}: beløp i {currency} kan ikke sammenlignes med taket i {cap_currency} (ingen fast valutakurs).",
        "en": "{partner}: amounts in {currency} cannot be compared with the cap in {cap_currency} "
        "(no fixed exchange rate).",
    },
    "scope.country": {
        "sv": "partnerna från {country}",
        "nb": "partnerne fra {country}",
        "en": "the partners from {country}",
    },
    "scope.all": {"sv": "alla partner", "nb": "alle partnere", "en": "all partners"},
    # call-open
    "call.not-found": {
        "sv": "Utlysningen {call_id} finns inte i katalogen.",
        "nb": "Utlysningen {call_id} finnes ikke i katalogen.",
        "en": "There is no call {call_id} in the catalogue.",
    },
    "call.other-programme": {
        "sv": "Utlysning {number} hör till programmet {other}, inte {programme}.",
        "nb": "Utlysning {number} hører til programmet {other}, ikke {programme}.",
        "en": "Call {number} belongs to the programme {other}, not {programme}.",
    },
    "call.not-yet": {
        "sv": "Utlysning {number} öppnar {opens}; kontrolltidpunkt är {date}.",
        "nb": "Utlysning {number} åpner {opens}; kontrolltidspunkt er {date}.",
        "en": "Call {number} opens at {opens}; the check is made at {date}.",
    },
    "call.closed": {
        "sv": "Utlysning {number} stängde {closes}; kontrolltidpunkt är {date}.",
        "nb": "Utlysning {number} stengte {closes}; kontrolltidspunkt er {date}.",
        "en": "Call {number} closed at {closes}; the check is made at {date}.",
    },
    "call.open": {
        "sv": "Utlysning {number} är öppen {date} ({opens} – {closes}).",
        "nb": "Utlysning {number} er åpen {date} ({opens} – {closes}).",
        "en": "Call {number} is open at {date} ({opens} – {closes}).",
    },
    "call.open-rolling": {
        "sv": "Utlysning {number} är öppen {date} (löpande sedan {opens}, utan slutdatum).",
        "nb": "Utlysning {number} er åpen {date} (løpende siden {opens}, uten sluttdato).",
        "en": "Call {number} is open at {date} (rolling since {opens}, no closing date).",
    },
    # specific-objective-open
    "objective.no-call": {
        "sv": "Utan en utlysning i programmet kan specifikt mål {objective} och projekttypen {type} inte bekräftas.",
        "nb": "Uten en utlysning i programmet kan innsatsområde {objective} og prosjekttypen {type} ikke bekreftes.",
        "en": "Without a call of this programme, specific objective {objective} and the project type {type} "
        "cannot be confirmed.",
    },
    "objective.closed": {
        "sv": "Utlysning {number} omfattar inte specifikt mål {objective} (den omfattar {open}).",
        "nb": "Utlysning {number} omfatter ikke innsatsområde {objective} (den omfatter {open}).",
        "en": "Call {number} does not fund specific objective {objective} (it funds {open}).",
    },
    "objective.type-closed": {
        "sv": "Utlysning {number} tar inte emot projekt av typen {type} (den tar emot {open}).",
        "nb": "Utlysning {number} tar ikke imot prosjekter av typen {type} (den tar imot {open}).",
        "en": "Call {number} does not accept projects of the type {type} (it accepts {open}).",
    },
    "objective.ok": {
        "sv": "Utlysning {number} omfattar specifikt mål {objective} och projekttypen {type}.",
        "nb": "Utlysning {number} omfatter innsatsområde {objective} og prosjekttypen {type}.",
        "en": "Call {number} funds specific objective {objective} and projects of the type {type}.",
    },
    # fund-country
    "fund.wrong-country": {
        "sv": "{partner} ({country}) finansieras med {amount} från {fund}, som bara finansierar partner från "
        "{allowed}.",
        "nb": "{partner} ({country}) finansieres med {amount} fra {fund}, som bare finansierer partnere fra {allowed}.",
        "en": "{partner} ({country}) is financed with {amount} from {fund}, which finances only partners from "
        "{allowed}.",
    },
    "fund.pair": {"sv": "{fund} för {countries}", "nb": "{fund} for {countries}", "en": "{fund} for {countries}"},
    "fund.ok": {
        "sv": "Varje fond finansierar bara partner från sina länder ({pairs}).",
        "nb": "Hvert fond finansierer bare partnere fra sine land ({pairs}).",
        "en": "Each fund finances only partners from its countries ({pairs}).",
    },
    # own-financing
    "own.under": {
        "sv": "{partner}: den egna finansieringen {own} är {share} av de stödberättigande kostnaderna {costs}, "
        "under golvet {floor}; {shortfall} saknas.",
        "nb": "{partner}: egenfinansieringen {own} er {share} av de støtteberettigede kostnadene {costs}, "
        "under kravet på minst {floor}; det mangler {shortfall}.",
        "en": "{partner}: its own financing of {own} is {share} of the eligible costs of {costs}, below the "
        "floor of {floor}; {shortfall} is missing.",
    },
    "own.none": {
        "sv": "Inga partner att pröva ({scope}).",
        "nb": "Ingen partnere å prøve ({scope}).",
        "en": "No partners to check ({scope}).",
    },
    "own.ok": {
        "sv": "Den egna finansieringen för {scope} är minst {floor} av kostnaderna ({shares}).",
        "nb": "Egenfinansieringen for {scope} er minst {floor} av kostnadene ({shares}).",
        "en": "The own financing of {scope} is at least {floor} of the costs ({shares}).",
    },
    # required-texts
    "texts.missing": {
        "sv": "{field} saknas (minst {min} tecken krävs).",
        "nb": "{field} mangler (minst {min} tegn kreves).",
        "en": "{field} is missing (at least {min} characters are required).",
    },
    "texts.short": {
        "sv": "{field} har {length} tecken; minst {min} krävs.",
        "nb": "{field} har {length} tegn; minst {min} kreves.",
        "en": "{field} has {length} characters; at least {min} are required.",
    },
    "texts.ok": {
        "sv": "Texterna är ifyllda: {fields}.",
        "nb": "Tekstene er fylt ut: {fields}.",
        "en": "The texts are given: {fields}.",
    },
    "texts.name.title": {"sv": "titel", "nb": "tittel", "en": "title"},
    "texts.name.summary": {"sv": "sammanfattning", "nb": "sammendrag", "en": "summary"},
    "texts.name.cross_border_added_value": {
        "sv": "gränsöverskridande mervärde",
        "nb": "grenseoverskridende merverdi",
        "en": "cross-border added value",
    },
    "texts.field.title": {"sv": "Titeln", "nb": "Tittelen", "en": "The title"},
    "texts.field.summary": {"sv": "Sammanfattningen", "nb": "Sammendraget", "en": "The summary"},
    "texts.field.cross_border_added_value": {
        "sv": "Det gränsöverskridande mervärdet",
        "nb": "Den grenseoverskridende merverdien",
        "en": "The cross-border added value",
    },
    # financing-balances
    "flexibility.share": {
        "sv": "Ett avtalat projekt får flytta upp till andelen {share} av en sidas beviljade budget mellan kostnadsslag utan beslut (anmäls).",
        "nb": "Et kontraktsfestet prosjekt kan flytte inntil andelen {share} av en sides innvilgede budsjett mellom kostnadskategorier uten vedtak (meldes).",
        "en": "A contracted project may move up to the share {share} of a side's approved budget between cost categories without a decision (notified).",
    },
    "balance.ok": {
        "sv": "Varje partners finansiering går exakt jämnt ut med dess budget.",
        "nb": "Hver partners finansiering går nøyaktig opp med budsjettet.",
        "en": "Each partner's financing adds up exactly to its budget.",
    },
    "balance.off": {
        "sv": "{partner}: finansieringen {financing} stämmer inte med budgeten {budget} (skillnad {difference}).",
        "nb": "{partner}: finansieringen {financing} stemmer ikke med budsjettet {budget} (differanse {difference}).",
        "en": "{partner}: the financing of {financing} does not match the budget of {budget} "
        "(difference {difference}).",
    },
}
