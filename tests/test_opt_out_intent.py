"""The probable opt-out rule (core.opt_out_intent), both ways, in the languages the
demo's customers write in. A row that moves from one table to the other is a change
of the rule: say why in the README's "Rules convo enforces"."""

from __future__ import annotations

import pytest

from convo_tui.core import keywords
from convo_tui.core.opt_out_intent import probable_opt_out
from convo_tui.store.kinds import KeywordKind

OPT_OUTS = [
    # English
    "please stop texting me",
    "Stop texting me!!",
    "can you stop messaging me",
    "take me off your list",
    "Take me off this list please",
    "remove me from your list",
    "remove my number",
    "please remove my number from your system",
    "don't text me again",
    "Do not text me",
    "don’t message me anymore",
    "stop sending me these",
    "stop sending me texts, I never signed up",
    "please stop sending",
    "no more texts please",
    "I don't want these texts",
    "i dont want your messages",
    "how do I unsubscribe?",
    "I want to opt out",
    "opt me out",
    "STOP. I never signed up for this",
    "Who is this? Stop",
    "Wrong person. Please stop.",
    "I revoke my consent",
    "leave me alone",
    "stop all messages",
    "Quit. Thanks",
    "stop contacting me",
    # Spanish
    "Por favor dejen de enviarme mensajes",
    "deja de escribirme",
    "No me escriban más",
    "no me manden mas mensajes",
    "Ya no quiero recibir mensajes",
    "no quiero mas mensajes",
    "sáquenme de la lista",
    "bórrenme de su lista por favor",
    "quiero darme de baja",
    "Baja. Gracias",
    "cancelar suscripción",
    "Basta!",
    # Portuguese
    "Parem de me mandar mensagens",
    "pare de enviar",
    "não me mandem mais mensagens",
    "Não quero mais receber mensagens",
    "me tire da lista",
    "remova meu numero da lista",
    "quero me descadastrar",
    "Pare. Obrigado",
    "quero sair da lista",
]

NOT_OPT_OUTS = [
    # English
    "can't stop loving these boots",
    "I can't stop wearing them!",
    "end of the month works",
    "Does the sale end tonight?",
    "I want to cancel my order",
    "please cancel order 1042",
    "can you stop the shipment? wrong address",
    "stop by the store tomorrow?",
    "the squeak stopped after a day",
    "don't send me the wrong size again lol",
    "stop sending me the wrong sizes",
    "I quit my job so I have time to shop",
    "don't stop the sale!",
    "is there a bus stop near the shop",
    "Will you text me when it ships?",
    "please text me the tracking number",
    "send me the list of sizes",
    "Ended up ordering the black ones",
    "The end of the laces frayed",
    # Spanish
    "no puedo dejar de usar estas botas",
    "llega a fin de mes?",
    "quiero cancelar mi pedido",
    "no me envíen el paquete a la oficina",
    "¿tienen tacón alto?",
    "me encantan, gracias",
    "pare el envío, cambié de dirección",
    # Portuguese
    "não consigo parar de usar essas botas",
    "para quando chega?",
    "fim do mês está bom",
    "quero cancelar meu pedido",
    "pode me mandar o código de rastreio?",
    "me manda mensagem quando chegar",
]


@pytest.mark.parametrize("body", OPT_OUTS)
def test_a_request_to_stop_is_a_probable_opt_out(body: str) -> None:
    assert probable_opt_out(body) is not None, body


@pytest.mark.parametrize("body", NOT_OPT_OUTS)
def test_words_without_intent_are_not(body: str) -> None:
    assert probable_opt_out(body) is None, (body, probable_opt_out(body))


def test_per_se_opt_outs_are_not_left_to_this_rule() -> None:
    """The whole text STOP is acted on at once (keywords); the intent rule is for the
    rest, and a per se text never reaches it as a conversation."""
    for body in ("STOP", "stop please", "OPT-OUT", "unsubscribe me", "Stop 🛑"):
        assert keywords.classify(body) is KeywordKind.OPT_OUT
    for body in OPT_OUTS:
        assert keywords.classify(body) is None, body


def test_what_matched_is_named() -> None:
    assert probable_opt_out("Hi! please STOP texting me, thanks") == "stop texting"
    assert probable_opt_out("¡Sáquenme de la lista!") == "saquenme de la lista"
