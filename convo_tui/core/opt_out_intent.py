"""Opt-out intent inside a longer text: "please stop texting me", "sáquenme de la lista".

47 CFR 64.1200(a)(10) counts any wording "a reasonable person would understand" as a
request to stop, and the sender may not insist on one form. A per se opt-out (the
whole text is STOP, OPT OUT, ... : `keywords.classify`) is acted on at once; this
module finds the rest, which no filter can read with certainty. A text it matches
opens its conversation (a person wrote to us) flagged as a probable opt-out, and the
replies wait until an agent decides (`core.opt_out_review`).

The rule: a text is a probable opt-out when it

- asks us to stop or not to send texts or messages ("stop texting me", "don't text me
  again", "no more texts", "stop sending me these", "I don't want your messages");
- asks to be taken off the list or to have the number removed ("take me off your
  list", "remove my number", "unsubscribe me from this");
- says unsubscribe, opt out or revoke anywhere ("how do I unsubscribe?");
- or has STOP, QUIT, UNSUBSCRIBE, OPT OUT or REVOKE as a sentence of its own
  ("STOP. I never signed up for this");

and the same in Spanish and Portuguese ("dejen de enviarme mensajes", "no me
escriban más", "pare de me mandar mensagens", "me tire da lista", "BAJA", "PARE").

Words that often come without that intent do not count on their own: "stop", "end",
"quit" and "cancel" inside a sentence ("can't stop loving these boots", "end of the
month", "cancel my order", "stop the shipment"), "para" (Portuguese "for"), "alto"
(Spanish "high"). The cost of each mistake decides the line: a missed opt-out texts
someone who asked us to stop (the law's and the customer's harm), a false flag holds
one conversation's replies until an agent clicks "not an opt-out". So the phrases are
wide where the words name texts, messages or the list, and narrow where they could be
about an order. The examples both ways are in tests/test_opt_out_intent.py.
"""

from __future__ import annotations

import re
import unicodedata

_MESSAGES_EN = (
    r"(?:texts?|txts?|messages?|msgs?|sms|texting|messaging|marketing|promos?|promotions?|ads|spam)"
)
_MESSAGES_ES = r"(?:mensajes?|textos?|sms|mensajitos?|promociones|publicidad|spam)"
_MESSAGES_PT = r"(?:mensagens?|mensagem|textos?|sms|torpedos?|promocoes|propagandas?|spam)"

_PATTERNS: tuple[tuple[str, str], ...] = (
    # English
    (
        "en",
        r"\b(?:stop|quit|cease|end)\s+(?:texting|txting|messaging|msging|contacting|spamming"
        r"|emailing|calling)\b",
    ),
    # "stop sending" with nothing after it but "me" or "please" (with an object it is
    # about messages only when it names them: "stop sending me the wrong size" is not).
    ("en", r"\b(?:stop|quit)\s+sending(?:\s+(?:me|us))?(?:\s+(?:please|pls|now|already))?$"),
    ("en", rf"\bstop\s+(?:all\s+|the\s+|these\s+|those\s+|your\s+|with\s+the\s+)?{_MESSAGES_EN}\b"),
    (
        "en",
        r"\b(?:don'?t|do\s+not|dont|never|pls\s+don'?t)\s+(?:ever\s+)?(?:text|txt|message|msg"
        r"|contact|sms)\s+(?:me|us|this\s+number)\b",
    ),
    (
        "en",
        rf"\b(?:don'?t|do\s+not|stop|quit)\s+send(?:ing)?\s+(?:me\s+|us\s+)?(?:any\s+)?(?:more\s+)?"
        rf"(?:of\s+)?(?:these|this|those|your|them|{_MESSAGES_EN})\b",
    ),
    ("en", rf"\bno\s+more\s+(?:of\s+)?(?:these\s+|your\s+)?{_MESSAGES_EN}\b"),
    (
        "en",
        rf"\b(?:i\s+)?(?:don'?t|do\s+not|dont)\s+want\s+(?:to\s+(?:get|receive)\s+)?(?:any\s+)?"
        rf"(?:more\s+)?(?:of\s+)?(?:these|your|this|the|those)?\s*{_MESSAGES_EN}\b",
    ),
    (
        "en",
        r"\b(?:take|remove|delete|drop|get)\s+(?:me|my\s+(?:number|phone(?:\s+number)?|name))"
        r"\s+(?:off|from|out\s+of)\s+(?:your|the|this|ur|all|every)?\s*(?:\w+\s+)?"
        r"(?:lists?|database|system|texts?|messages?|sms)\b",
    ),
    ("en", r"\b(?:remove|delete)\s+my\s+(?:number|phone\s+number)\b"),
    ("en", r"\b(?:unsubscribe|unsub|opt\s*-?\s*out|opt\s+me\s+out|revoke)\b"),
    ("en", r"\bleave\s+me\s+alone\b"),
    # Spanish (accents are folded away before matching)
    (
        "es",
        r"\b(?:deja|dejen|deje|dejad|para|paren|pare)\s+de\s+(?:enviar|mandar|escribir|textear"
        r"|contactar|molestar)(?:me|nos)?\b",
    ),
    (
        "es",
        r"\bno\s+(?:me|nos)\s+(?:vuelvan?\s+a\s+)?(?:envien|envies|envie|manden|mandes|mande"
        r"|escriban|escribas|escriba|contacten|contactes|textees|molesten)\b"
        r"(?!\s+(?:el|la|los|las|un|una|otro|otra)\b)",
    ),
    (
        "es",
        rf"\b(?:ya\s+)?no\s+quiero\s+(?:recibir\s+)?(?:mas\s+)?(?:sus\s+|tus\s+)?{_MESSAGES_ES}\b",
    ),
    ("es", rf"\bno\s+(?:mas|más)\s+{_MESSAGES_ES}\b"),
    (
        "es",
        r"\b(?:sacame|saquenme|sacarme|borrame|borrenme|borrarme|eliminame|eliminenme|quitame"
        r"|quitenme|quitarme)\s+de\s+(?:la|su|tu|esta|sus|vuestra)?\s*(?:lista|base)\b",
    ),
    ("es", r"\b(?:darme|dame|denme|dar(?:me)?|me\s+doy)\s+de\s+baja\b"),
    ("es", r"\b(?:cancelar|anular)\s+(?:mi\s+|la\s+)?suscripcion\b"),
    ("es", r"\bdesuscribir(?:me)?\b|\bdesuscribanme\b"),
    # Portuguese
    (
        "pt",
        r"\b(?:pare|parem|para|parar)\s+de\s+(?:me\s+)?(?:enviar|mandar|escrever|contatar"
        r"|contactar|incomodar)\b",
    ),
    (
        "pt",
        rf"\bnao\s+(?:me\s+)?(?:enviem|envie|mandem|mande|escrevam|escreva|contatem)\s+(?:mais\s+)?"
        rf"{_MESSAGES_PT}\b",
    ),
    ("pt", r"\bnao\s+(?:me\s+)?(?:enviem|mandem|escrevam|contatem)\s+mais\b"),
    (
        "pt",
        rf"\bnao\s+quero\s+(?:mais\s+)?(?:receber\s+)?(?:mais\s+)?(?:suas\s+|essas\s+)?{_MESSAGES_PT}\b",
    ),
    (
        "pt",
        r"\b(?:me\s+)?(?:tire|tirem|tira|remova|removam|exclua|excluam|retire)\s+(?:meu\s+numero\s+)?"
        r"(?:me\s+)?(?:da|dessa|desta|de\s+sua|da\s+sua)\s+(?:lista|base)\b",
    ),
    ("pt", r"\b(?:descadastrar|descadastre|descadastrem|descadastra|descadastro|desinscrever)\b"),
    ("pt", r"\b(?:cancelar|cancele)\s+(?:a\s+|minha\s+)?(?:inscricao|assinatura\s+de\s+sms)\b"),
    ("pt", r"\bsair\s+da\s+lista\b"),
)
_COMPILED = tuple((lang, re.compile(pattern)) for lang, pattern in _PATTERNS)

_ALONE = frozenset(
    {
        # English: the per se words that mean nothing else as a sentence of their own.
        "stop",
        "stop it",
        "stop now",
        "stop please",
        "please stop",
        "stop stop",
        "quit",
        "unsubscribe",
        "optout",
        "opt out",
        "revoke",
        # Spanish (BAJA and BASTA are the keywords Latin American senders use).
        "baja",
        "basta",
        "alto",
        "parar",
        "para ya",
        # Portuguese.
        "pare",
        "parem",
        "sair",
        "chega",
    }
)
"""Sentences that are an opt-out when they stand alone inside a longer text."""

_SENTENCE = re.compile(r"[.!?\n;:¡¿…]+")


def normal(body: str) -> str:
    """Lower case, accents and compatibility forms folded, curly quotes straight, every
    run of other characters one space: "¡Dejen de ENVIARME mensajes!" -> "dejen de
    enviarme mensajes"."""
    text = unicodedata.normalize("NFKD", body.replace("’", "'").replace("‘", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def probable_opt_out(body: str) -> str | None:
    """The words of `body` that read as a request to stop texting, or None."""
    text = normal(body)
    for _lang, pattern in _COMPILED:
        found = pattern.search(text)
        if found:
            return found.group(0)
    folded = unicodedata.normalize("NFKD", body)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for sentence in _SENTENCE.split(folded):
        words = normal(sentence)
        if words in _ALONE:
            return words
    return None
