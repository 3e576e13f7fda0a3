"""Safety, robots.txt and opt-out rules on their own: hand-checked cases."""

import ipaddress

import pytest

from tfimg.acquire.polite import opted_out
from tfimg.acquire.robots import RobotsRules
from tfimg.acquire.safety import UnsafeAddressError, check_address, parse_networks, resolve


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
    ("192.168.0.1", "private"), ("172.16.5.4", "private"), ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"), ("0.0.0.0", "private"), ("::ffff:127.0.0.1", "loopback"),
    ("169.254.169.254", "cloud metadata"), ("fd00:ec2::254", "cloud metadata"),
    ("100.64.0.1", "private"), ("224.0.0.1", "multicast")])
def test_non_public_addresses_are_refused(address, kind):
    with pytest.raises(UnsafeAddressError, match=kind):
        check_address(ipaddress.ip_address(address))


def test_public_and_allowed_addresses_pass():
    check_address(ipaddress.ip_address("93.184.216.34"))
    check_address(ipaddress.ip_address("2606:4700::1111"))
    allowed = parse_networks(["127.0.0.1", "10.0.0.0/8"])
    check_address(ipaddress.ip_address("127.0.0.1"), allowed)
    check_address(ipaddress.ip_address("10.9.9.9"), allowed)
    with pytest.raises(UnsafeAddressError):
        check_address(ipaddress.ip_address("127.0.0.2"), allowed)
    with pytest.raises(UnsafeAddressError, match="metadata"):  # not by a broad range
        check_address(ipaddress.ip_address("169.254.169.254"), parse_networks(["0.0.0.0/0"]))
    check_address(ipaddress.ip_address("169.254.169.254"), parse_networks(["169.254.169.254"]))


def test_resolve_checks_the_resolved_address():
    assert resolve("http://localhost:8080/x", parse_networks(["127.0.0.0/8", "::1"]))[1:3] == (
        "localhost", 8080)
    with pytest.raises(UnsafeAddressError):
        resolve("http://localhost/x")
    with pytest.raises(UnsafeAddressError):
        resolve("http://2130706433/x")  # 127.0.0.1 as one decimal number
    with pytest.raises(ValueError, match="http"):
        resolve("file:///etc/passwd")


def test_robots_rules_follow_rfc_9309():
    rules = RobotsRules.parse("""
User-agent: *
Disallow: /private/
Allow: /private/ok.jpg
Disallow: /*.gif$
Crawl-delay: 2

User-agent: OtherBot
User-agent: tfimg
Disallow: /only-for-tfimg/
""")
    assert rules.allowed("http://h/only-for-tfimg/") is False
    assert rules.allowed("http://h/private/x.jpg") is True  # tfimg's own group applies
    star = RobotsRules.parse("User-agent: *\nDisallow: /private/\nAllow: /private/ok.jpg\n"
                             "Disallow: /*.gif$\nCrawl-delay: 2\n")
    assert star.allowed("http://h/private/ok.jpg")  # the longer rule wins
    assert not star.allowed("http://h/private/no.jpg")
    assert not star.allowed("http://h/a/b.gif") and star.allowed("http://h/a/b.gif?x=1")
    assert star.allowed("http://h/") and star.crawl_delay == 2.0
    assert RobotsRules.parse("User-agent: *\nDisallow:\n").allowed("http://h/x")
    tie = RobotsRules.parse("User-agent: *\nDisallow: /a\nAllow: /a\n")
    assert tie.allowed("http://h/a")  # on a tie Allow wins


@pytest.mark.parametrize("value, expected", [
    ("noai", True), ("NoImageAI", True), ("noindex, noai", True), ("tfimg: noai", True),
    ("googlebot: noai", False), ("noindex, nofollow", False), ("", False),
    ("otherbot: noindex, tfimg: noimageai", True)])
def test_opt_outs(value, expected):
    assert opted_out(value) is expected
