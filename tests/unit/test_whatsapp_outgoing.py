"""Rasa's messages mapped to what Meta accepts: every limit, exactly."""
from bijli.whatsapp.outgoing import (
    button_contents,
    custom_content,
    fit,
    image_content,
    split_text,
    text_contents,
)


def _buttons(n, title="Option", payload=None):
    return [{"title": f"{title} {i}", "payload": payload or str(i)} for i in range(1, n + 1)]


def test_text_at_the_limit_is_one_message_and_one_more_character_splits_on_a_line():
    exact = "a" * 4096
    assert [c["text"]["body"] for c in text_contents(exact)] == [exact]
    lines = ["x" * 99 for _ in range(41)]          # 41 lines of 100 with newlines = 4099 characters
    pieces = split_text("\n".join(lines))
    assert len(pieces) == 2
    assert pieces[0] == "\n".join(lines[:40]) and pieces[1] == lines[40]
    assert all(len(p) <= 4096 for p in pieces)


def test_a_text_without_line_breaks_splits_at_spaces_and_a_long_word_is_cut():
    words = " ".join(["शब्द"] * 2000)            # 9,999 characters, no newline
    pieces = split_text(words)
    assert all(len(p) <= 4096 for p in pieces) and all(not p.startswith(" ") for p in pieces)
    assert " ".join(pieces) == words
    assert split_text("z" * 5000) == ["z" * 4096, "z" * 904]


def test_three_buttons_become_reply_buttons_with_titles_of_at_most_20():
    buttons = [{"title": "भुगतान करें", "payload": "1"}, {"title": "A very long button title indeed",
                                                          "payload": "2"}, {"title": "Three", "payload": "3"}]
    [msg] = button_contents("What next?", buttons, "en")
    inter = msg["interactive"]
    assert msg["type"] == "interactive" and inter["type"] == "button"
    assert inter["body"]["text"] == "What next?"
    replies = [b["reply"] for b in inter["action"]["buttons"]]
    assert [r["id"] for r in replies] == ["1", "2", "3"]
    assert replies[0]["title"] == "भुगतान करें"
    assert replies[1]["title"] == "A very long button…"      # 19 + the ellipsis, never over 20


def test_a_body_over_1024_goes_first_as_text_and_the_buttons_keep_the_last_part():
    body = "\n".join(["line %03d " % i + "y" * 40 for i in range(40)])   # 40 lines of 49 = 1,999 chars
    contents = button_contents(body, _buttons(2), "en")
    assert [c["type"] for c in contents] == ["text", "interactive"]
    last = contents[-1]["interactive"]["body"]["text"]
    assert len(last) <= 1024
    assert contents[0]["text"]["body"] + "\n" + last == body


def test_button_ids_over_256_or_repeated_fall_back_to_numbered_text():
    long_id = [{"title": "Yes", "payload": "/affirm" + "x" * 256}]
    [msg] = button_contents("Sure?", long_id, "en")
    assert msg == {"type": "text", "text": {"body": "Sure?\n1. Yes", "preview_url": False}}
    same = [{"title": "A", "payload": "1"}, {"title": "B", "payload": "1"}]
    assert button_contents("Pick", same, "en")[0]["type"] == "text"


def test_titles_that_collide_after_cutting_are_numbered():
    buttons = [{"title": "Complaint about voltage", "payload": "1"},
               {"title": "Complaint about voltages", "payload": "2"}]
    [msg] = button_contents("Pick", buttons, "en")
    titles = [b["reply"]["title"] for b in msg["interactive"]["action"]["buttons"]]
    assert titles == ["1. Complaint about…", "2. Complaint about…"]


def test_four_to_ten_buttons_become_a_list_with_the_rest_of_a_long_label_in_the_description():
    buttons = [{"title": "शिकायत दर्ज करें", "payload": "1"},
               {"title": "Payment status / receipt and old bills", "payload": "2"},
               {"title": "Supercalifragilisticexpialidocious words", "payload": "3"},
               {"title": "Helpline 1912", "payload": "4"}]
    [msg] = button_contents("Welcome. Please choose a service:", buttons, "en")
    inter = msg["interactive"]
    assert inter["type"] == "list"
    assert inter["action"]["button"] == "Choose an option"
    [section] = inter["action"]["sections"]
    rows = section["rows"]
    assert rows[0] == {"id": "1", "title": "शिकायत दर्ज करें"}
    assert rows[1] == {"id": "2", "title": "Payment status / receipt", "description": "and old bills"}
    assert rows[2] == {"id": "3", "title": "Supercalifragilisticexpi",
                       "description": "alidocious words"}
    assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)


def test_a_list_in_hindi_has_a_hindi_button_label_and_descriptions_stop_at_72():
    buttons = [{"title": "word " * 30, "payload": str(i)} for i in range(1, 11)]
    [msg] = button_contents("कृपया चुनें", buttons, "hi")
    action = msg["interactive"]["action"]
    assert action["button"] == "विकल्प चुनें"
    rows = action["sections"][0]["rows"]
    assert len(rows) == 10
    assert rows[0]["title"] == "word word word word word"   # 24 characters, cut at a space
    assert len(rows[0]["description"]) == 72 and rows[0]["description"].endswith("…")


def test_more_than_ten_buttons_become_numbered_text():
    [msg] = button_contents("Choose:", _buttons(11), "en")
    assert msg["type"] == "text"
    body = msg["text"]["body"]
    assert body.startswith("Choose:\n1. Option 1\n2. Option 2\n")
    assert body.endswith("\n11. Option 11")


def test_images_by_id_or_link_with_a_caption_of_at_most_1024():
    assert image_content(media_id="m1", caption="QR") == {"type": "image", "image": {"id": "m1", "caption": "QR"}}
    long = image_content(link="https://x/qr.png", caption="c" * 2000)
    assert long["image"]["link"] == "https://x/qr.png" and len(long["image"]["caption"]) == 1024


def test_custom_payloads_pass_through_without_a_recipient_of_their_own():
    order = {"type": "interactive", "to": "911111111111", "messaging_product": "whatsapp",
             "interactive": {"type": "order_details", "action": {"name": "review_and_pay"}}}
    assert custom_content(order) == {"type": "interactive",
                                     "interactive": {"type": "order_details",
                                                     "action": {"name": "review_and_pay"}}}


def test_fit_cuts_with_an_ellipsis_only_when_needed():
    assert fit("Pay now", 20) == "Pay now"
    assert fit("x" * 21, 20) == "x" * 19 + "…"
