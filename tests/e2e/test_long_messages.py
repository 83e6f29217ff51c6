"""A message of WhatsApp's full length, over REST, against the real servers (issue 18, item 1).

The featurizers and DIET read only a message's first 200 tokens, and every channel cuts a
message to 4,096 characters; the actions and the number rules still read all of what is
left. A consumer who writes a long post with the IVRS number at the end gets the same
complaint as with a short one."""
from bijli.limits import MAX_MESSAGE_CHARS
from tests.e2e.expected import complaint_lines, shown_menu

STORY = ("Hamare mohalle me kal raat se light nahi hai, bachche pareshaan hain aur paani ki motor bhi "
         "nahi chal rahi. ")


def test_a_full_length_post_with_the_ivrs_number_at_its_end_files_that_complaint(live):
    sender = "919600000701"
    ending = "IVRS N3210987654"
    post = (STORY * (MAX_MESSAGE_CHARS // len(STORY) + 1))[: MAX_MESSAGE_CHARS - len(ending) - 1] + " " + ending
    assert len(post) == MAX_MESSAGE_CHARS and len(post.split()) > 600
    summary = live.say(sender, post)
    type_line, connection_line = complaint_lines("no_supply", "N3210987654", "urban", "सु*** व***")
    assert type_line in summary.splitlines() and connection_line in summary.splitlines(), summary
    assert summary.endswith(shown_menu("complaint_confirm"))


def test_a_longer_message_is_cut_to_the_limit_before_the_nlu(live):
    sender = "919600000702"
    live.say(sender, "light nahi hai " * 700)                 # 10,500 characters
    [user] = [e for e in live.tracker(sender)["events"] if e["event"] == "user"]
    assert len(user["text"]) <= MAX_MESSAGE_CHARS
    assert user["parse_data"]["intent"]["name"] == "report_no_supply"
