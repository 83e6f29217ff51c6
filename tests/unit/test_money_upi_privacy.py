from urllib.parse import unquote

import pytest

from bijli.money import AmountError, format_inr, indian_grouping, parse_rupees, rupees_plain
from bijli.privacy import last10, mask_mobile, mask_name
from bijli.upi import UpiError, new_payment_ref, upi_link


@pytest.mark.parametrize("paise,text", [
    (0, "₹0.00"), (5, "₹0.05"), (184700, "₹1,847.00"), (12345678, "₹1,23,456.78"),
    (1000000000, "₹1,00,00,000.00"), (99999, "₹999.99"),
])
def test_format_inr_uses_indian_grouping(paise, text):
    assert format_inr(paise) == text


def test_indian_grouping_small_and_large():
    assert indian_grouping(999) == "999"
    assert indian_grouping(1000) == "1,000"
    assert indian_grouping(123456789) == "12,34,56,789"


@pytest.mark.parametrize("text,paise", [("1847.00", 184700), ("1,847.5", 184750), ("0", 0), ("12", 1200)])
def test_parse_rupees_is_exact(text, paise):
    assert parse_rupees(text) == paise


@pytest.mark.parametrize("text", ["abc", "-5", "1.234", "NaN", "", "1e999"])
def test_parse_rupees_rejects_bad_amounts(text):
    with pytest.raises(AmountError):
        parse_rupees(text)


def test_rupees_plain_two_decimals():
    assert rupees_plain(184700) == "1847.00"
    assert rupees_plain(5) == "0.05"


def test_upi_link_follows_npci_format():
    link = upi_link("mpcz.demo@upi", "MPCZ Bijli Bill", 184700, "BS123", "Bill N3210987654 2026-10")
    assert link == ("upi://pay?pa=mpcz.demo@upi&pn=MPCZ%20Bijli%20Bill&am=1847.00&cu=INR"
                    "&tr=BS123&tn=Bill%20N3210987654%202026-10&mc=4900")


def test_upi_link_encodes_reserved_characters():
    link = upi_link("a.b@okicici", "A&B = C", 100, "R1", "x&y")
    assert "pn=A%26B%20%3D%20C" in link and "tn=x%26y" in link
    assert unquote(link.split("pn=")[1].split("&")[0]) == "A&B = C"


@pytest.mark.parametrize("vpa,amount,ref", [("no-at-sign", 100, "R"), ("a@b", 0, "R"), ("x.y@upi", 100, "R" * 36)])
def test_upi_link_rejects_bad_input(vpa, amount, ref):
    with pytest.raises(UpiError):
        upi_link(vpa, "P", amount, ref, "n")


def test_payment_refs_are_unique_and_short():
    refs = {new_payment_ref() for _ in range(2000)}
    assert len(refs) == 2000
    assert all(len(r) <= 35 and r.isalnum() for r in refs)


def test_names_and_mobiles_are_masked():
    assert mask_name("सुनील वर्मा") == "सु*** व***"
    assert mask_name("Sunil Verma") == "S*** V***"
    assert mask_mobile("919812345678") == "98******78"
    assert last10("919812345678") == "9812345678"
    assert last10("12345") == ""
