"""User-facing text of the terminal and web administration, in English and Dutch.

Examples
--------
>>> t("progress", "nl", i=12, n=48)
'vraag 12 van 48'
"""

from __future__ import annotations

from ..errors import InputError

LANGS = ("en", "nl")

MESSAGES: dict[str, dict[str, str]] = {
    "progress": {"en": "item {i} of {n}", "nl": "vraag {i} van {n}"},
    "prompt": {
        "en": "Your answer ({lo}-{hi}, b = back{skip}, q = save and stop): ",
        "nl": "Uw antwoord ({lo}-{hi}, b = terug{skip}, q = opslaan en stoppen): ",
    },
    "prompt_skip": {"en": ", s = skip", "nl": ", s = overslaan"},
    "current": {
        "en": "Your answer so far: {v} (press Enter to keep it)",
        "nl": "Uw antwoord tot nu toe: {v} (druk op Enter om het te houden)",
    },
    "skipped_before": {
        "en": "You skipped this item before.",
        "nl": "U sloeg deze vraag eerder over.",
    },
    "invalid": {
        "en": "Please type a number from {lo} to {hi}, or b to go back{skip}.",
        "nl": "Typ een getal van {lo} tot {hi}, of b om terug te gaan{skip}.",
    },
    "invalid_skip": {"en": " or s to skip", "nl": " of s om over te slaan"},
    "no_skip": {
        "en": "This questionnaire asks for an answer to every statement.",
        "nl": "Deze vragenlijst vraagt om een antwoord op elke uitspraak.",
    },
    "keys_help": {
        "en": "Keys: {lo}-{hi} answers at once | Left/Right arrows choose, Enter confirms | "
        "b, Up or Backspace: back{skip} | q: save and stop",
        "nl": "Toetsen: {lo}-{hi} antwoordt meteen | pijltjes links/rechts kiezen, Enter "
        "bevestigt | b, pijl omhoog of Backspace: terug{skip} | q: opslaan en stoppen",
    },
    "keys_help_typed": {
        "en": "Keys: type {lo}-{hi} and press Enter | Left/Right arrows choose, Enter confirms | "
        "b or Up: back{skip} | q: save and stop",
        "nl": "Toetsen: typ {lo}-{hi} en druk op Enter | pijltjes links/rechts kiezen, Enter "
        "bevestigt | b of pijl omhoog: terug{skip} | q: opslaan en stoppen",
    },
    "keys_skip": {"en": " | s: skip", "nl": " | s: overslaan"},
    "choose_first": {
        "en": "Choose an answer first: press a number or use the Left/Right arrows.",
        "nl": "Kies eerst een antwoord: druk op een cijfer of gebruik de pijltjes links/rechts.",
    },
    "at_start": {"en": "This is the first item.", "nl": "Dit is de eerste vraag."},
    "welcome": {
        "en": "Questionnaire for couple {couple}, partner {role} (wave {wave}). {n} items; "
        "every answer is saved as soon as you give it.",
        "nl": "Vragenlijst voor stel {couple}, partner {role} (meting {wave}). {n} vragen; "
        "elk antwoord wordt meteen opgeslagen.",
    },
    "resume": {
        "en": "Welcome back: {k} answers were saved. Continuing at item {i} of {n}.",
        "nl": "Welkom terug: {k} antwoorden zijn bewaard. We gaan verder bij vraag {i} van {n}.",
    },
    "done": {
        "en": "Thank you, partner {role}: all your answers are saved.",
        "nl": "Dank u wel, partner {role}: al uw antwoorden zijn opgeslagen.",
    },
    "already_done": {
        "en": "Partner {role} of couple {couple} has already finished wave {wave}.",
        "nl": "Partner {role} van stel {couple} heeft meting {wave} al afgerond.",
    },
    "handover": {
        "en": "Please hand the keyboard to partner {role} and press Enter to start.",
        "nl": "Geef het toetsenbord aan partner {role} en druk op Enter om te beginnen.",
    },
    "stopped": {
        "en": "Stopped. All answers given so far are saved ({k} in this session). Run the same "
        "command again to continue where you stopped.",
        "nl": "Gestopt. Alle antwoorden tot nu toe zijn opgeslagen ({k} in deze sessie). Voer "
        "dezelfde opdracht opnieuw uit om verder te gaan waar u stopte.",
    },
    # web
    "save_next": {"en": "Save and continue", "nl": "Opslaan en verder"},
    "save_finish": {"en": "Save and finish", "nl": "Opslaan en afronden"},
    "back": {"en": "Back", "nl": "Terug"},
    "page_of": {"en": "Part {i} of {n}", "nl": "Deel {i} van {n}"},
    "saved_live": {"en": "Saved", "nl": "Opgeslagen"},
    "answer_required": {
        "en": "Please answer: {items}",
        "nl": "Beantwoord nog: {items}",
    },
    "skip_note": {
        "en": "You may leave a statement unanswered if you prefer not to answer it.",
        "nl": "U mag een uitspraak overslaan als u die liever niet beantwoordt.",
    },
    "thanks_title": {"en": "Thank you", "nl": "Dank u wel"},
    "thanks_body": {
        "en": "All your answers are saved. You can close this page. Your answers are not shown "
        "to your partner.",
        "nl": "Al uw antwoorden zijn opgeslagen. U kunt deze pagina sluiten. Uw antwoorden worden "
        "niet aan uw partner getoond.",
    },
    "bad_link": {
        "en": "This link is not valid. Please ask for a new link.",
        "nl": "Deze link is niet geldig. Vraag om een nieuwe link.",
    },
    "intro_privacy": {
        "en": "Your answers are saved on this computer only, as soon as you give them.",
        "nl": "Uw antwoorden worden alleen op deze computer opgeslagen, zodra u ze geeft.",
    },
}


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """Message ``key`` in ``lang`` with ``fmt`` filled in."""
    return MESSAGES[key][lang].format(**fmt)


def check_lang(lang: str) -> str:
    """Validate a language code.

    Examples
    --------
    >>> check_lang("nl")
    'nl'
    """
    if lang not in LANGS:
        raise InputError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang
