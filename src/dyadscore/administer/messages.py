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
        "en": "All your answers are saved and this questionnaire is finished: the answers can "
        "no longer be changed through this link. You can close this page.",
        "nl": "Al uw antwoorden zijn opgeslagen en deze vragenlijst is afgerond: de antwoorden "
        "kunnen via deze link niet meer worden gewijzigd. U kunt deze pagina sluiten.",
    },
    "promise": {
        "en": "Your answers are saved on this computer as soon as you give them. Your coach sees "
        "the answers of both partners: the couple report puts your answers and your partner's "
        "side by side. Your partner's link does not show your answers.",
        "nl": "Uw antwoorden worden op deze computer opgeslagen zodra u ze geeft. Uw coach ziet "
        "de antwoorden van beide partners: het rapport voor het stel zet uw antwoorden en die "
        "van uw partner naast elkaar. De link van uw partner toont uw antwoorden niet.",
    },
    "promise_terminal": {
        "en": "Your coach sees the answers of both partners: the couple report puts them side "
        "by side.",
        "nl": "Uw coach ziet de antwoorden van beide partners: het rapport voor het stel zet ze "
        "naast elkaar.",
    },
    "bad_link": {
        "en": "This link is not valid. Please ask for a new link.",
        "nl": "Deze link is niet geldig. Vraag om een nieuwe link.",
    },
    "bad_link_title": {"en": "Link not valid", "nl": "Link niet geldig"},
    "expired_title": {"en": "This link has expired", "nl": "Deze link is verlopen"},
    "expired_body": {
        "en": "This link has expired. Answers you gave before are saved. Please ask your coach "
        "for a new link.",
        "nl": "Deze link is verlopen. Antwoorden die u eerder gaf zijn bewaard. Vraag uw coach "
        "om een nieuwe link.",
    },
    "finished_conflict": {
        "en": "You have already finished this questionnaire; your answers are saved and can no "
        "longer be changed.",
        "nl": "U hebt deze vragenlijst al afgerond; uw antwoorden zijn opgeslagen en kunnen niet "
        "meer worden gewijzigd.",
    },
    "page_missing": {"en": "This page does not exist.", "nl": "Deze pagina bestaat niet."},
    "csrf": {
        "en": "This page had been open for a long time or was opened in another window, so the "
        "answers on it could not be checked and are not saved yet. They are still marked below: "
        "please press the button again.",
        "nl": "Deze pagina stond lang open of is in een ander venster geopend, daarom konden de "
        "antwoorden niet worden gecontroleerd en zijn ze nog niet opgeslagen. Ze staan hieronder "
        "nog aangevinkt: druk nogmaals op de knop.",
    },
    "csrf_live": {
        "en": "Not saved: this page is out of date. Reload the page (answers saved before are "
        "kept) and choose the answer again.",
        "nl": "Niet opgeslagen: deze pagina is verouderd. Laad de pagina opnieuw (eerder "
        "opgeslagen antwoorden blijven bewaard) en kies het antwoord opnieuw.",
    },
    "too_large": {
        "en": "The request is too large (over {n} bytes).",
        "nl": "Het verzoek is te groot (meer dan {n} bytes).",
    },
    "store_failed": {
        "en": "Your answer could not be saved. Answers saved before are safe. Please tell your "
        "coach: {detail}",
        "nl": "Uw antwoord kon niet worden opgeslagen. Eerder opgeslagen antwoorden zijn veilig. "
        "Meld dit aan uw coach: {detail}",
    },
    "server_error": {
        "en": "Something went wrong on this computer. Answers saved before are safe. Please tell "
        "your coach.",
        "nl": "Er ging iets mis op deze computer. Eerder opgeslagen antwoorden zijn veilig. Meld "
        "dit aan uw coach.",
    },
    "error_title": {"en": "Something went wrong", "nl": "Er ging iets mis"},
    "saving": {"en": "Saving…", "nl": "Bezig met opslaan…"},
    "offline": {
        "en": "Not saved yet: the form cannot be reached. Keep this page open; your answer is "
        "sent again automatically.",
        "nl": "Nog niet opgeslagen: het formulier is niet bereikbaar. Laat deze pagina open; uw "
        "antwoord wordt automatisch opnieuw verstuurd.",
    },
    "retrying": {
        "en": "Not saved yet: trying again…",
        "nl": "Nog niet opgeslagen: opnieuw proberen…",
    },
    # serve console
    "serve_head": {
        "en": "Serving the form for {n} partner(s) on {base} (this computer only). Send each "
        "partner their own link:",
        "nl": "Het formulier voor {n} partner(s) draait op {base} (alleen deze computer). Stuur "
        "elke partner de eigen link:",
    },
    "serve_link": {
        "en": "  couple {couple} partner {role} (wave {wave}, {state}): {link}",
        "nl": "  stel {couple} partner {role} (meting {wave}, {state}): {link}",
    },
    "state_open": {"en": "open", "nl": "open"},
    "state_finished": {"en": "finished", "nl": "afgerond"},
    "serve_expires": {
        "en": "The links work until {when} (UTC).",
        "nl": "De links werken tot {when} (UTC).",
    },
    "serve_stop": {
        "en": "Press Ctrl-C to stop; every answer is saved as soon as it is given.",
        "nl": "Druk op Ctrl-C om te stoppen; elk antwoord wordt opgeslagen zodra het is gegeven.",
    },
    "serve_stopped": {
        "en": "Stopped. All answers are saved.",
        "nl": "Gestopt. Alle antwoorden zijn opgeslagen.",
    },
    "serve_store_error": {
        "en": "An answer could not be saved: {detail}",
        "nl": "Een antwoord kon niet worden opgeslagen: {detail}",
    },
    "serve_error": {
        "en": "A page failed with an internal error (details below; partner links are hidden).",
        "nl": "Een pagina gaf een interne fout (details hieronder; links van partners zijn "
        "verborgen).",
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
