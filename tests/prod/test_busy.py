"""channels/busy.py without servers: which turns get "the service is busy", and in which language.
(The real thing, the action server stopped under the running topology, is in test_c_faults.py.)"""
import asyncio
import logging

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bijli.i18n import t
from bijli.settings import Settings
from channels.busy import FAILED_ACTION, answer_when_busy


def busy(lang: str) -> str:
    return t("service_busy", lang, helpline=Settings.from_env().helpline)


async def failing_action(message: UserMessage) -> None:
    # What Rasa's processor does when the action server does not answer: log, and go on silently.
    logging.getLogger("rasa.core.processor").error(f"{FAILED_ACTION} 'action_show_menu'. Bot will continue")


async def served(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, "menu")


async def broken_store(message: UserMessage) -> None:
    raise ConnectionError("tracker store unreachable")


def replies(handler, text: str, sender: str = "919800000001") -> list:
    out = CollectingOutputChannel()
    asyncio.run(handler(UserMessage(text, out, sender, input_channel="rest")))
    return [m["text"] for m in out.messages]


def test_a_failed_action_gets_the_busy_answer_in_the_messages_language():
    assert replies(answer_when_busy(failing_action), "I want to pay my electricity bill") == [busy("en")]
    assert replies(answer_when_busy(failing_action), "mujhe bill bharna hai") == [busy("hi")]


def test_a_turn_that_raises_gets_the_busy_answer_not_an_error():
    # "2" carries no language and there is no conversation to read: the default, Hindi.
    assert replies(answer_when_busy(broken_store), "2") == [busy("hi")]


def test_a_served_turn_gets_no_busy_answer():
    assert replies(answer_when_busy(served), "2") == ["menu"]


def test_only_the_turn_whose_action_failed_is_answered_busy():
    async def both() -> tuple:
        failing, fine = CollectingOutputChannel(), CollectingOutputChannel()

        async def slow_failure(message: UserMessage) -> None:
            await asyncio.sleep(0.05)
            await failing_action(message)

        async def slow_success(message: UserMessage) -> None:
            await asyncio.sleep(0.1)
            await served(message)

        await asyncio.gather(
            answer_when_busy(slow_failure)(UserMessage("I need help with my bill", failing, "a")),
            answer_when_busy(slow_success)(UserMessage("I need help with my bill", fine, "b")))
        return [m["text"] for m in failing.messages], [m["text"] for m in fine.messages]

    assert asyncio.run(both()) == ([busy("en")], ["menu"])
