"""The client IP behind nginx: X-Forwarded-For is believed only from a trusted proxy, read right to left."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from zugong.core.netaddr import client_ip
from zugong.settings import env_networks

PROXIES = ["10.0.0.1", "10.8.0.0/16", "fd00::/8"]


def ip_of(remote: str, xff: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client_ip(RequestFactory().get("/", **extra))


def test_it_takes_remote_addr_of_a_direct_client():
    assert ip_of("192.0.2.7") == "192.0.2.7"


def test_it_ignores_forwarded_for_when_no_proxy_is_trusted():
    assert ip_of("10.0.0.1", "198.51.100.9") == "10.0.0.1"


@override_settings(ZUGONG_TRUSTED_PROXIES=PROXIES)
def test_it_takes_the_forwarded_address_from_a_trusted_proxy():
    assert ip_of("10.0.0.1", "198.51.100.9") == "198.51.100.9"


@override_settings(ZUGONG_TRUSTED_PROXIES=PROXIES)
def test_it_ignores_a_spoofed_left_most_value():
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    assert ip_of("10.0.0.1", "1.2.3.4, 198.51.100.9") == "198.51.100.9"


@override_settings(ZUGONG_TRUSTED_PROXIES=PROXIES)
def test_it_skips_a_chain_of_two_trusted_proxies():
    assert ip_of("10.0.0.1", "1.2.3.4, 198.51.100.9, 10.8.3.4") == "198.51.100.9"


@override_settings(ZUGONG_TRUSTED_PROXIES=PROXIES)
def test_it_ignores_forwarded_for_from_an_untrusted_remote_addr():
    assert ip_of("192.0.2.7", "198.51.100.9") == "192.0.2.7"


@override_settings(ZUGONG_TRUSTED_PROXIES=PROXIES)
def test_it_stops_at_a_malformed_entry_and_keeps_the_last_good_address():
    assert ip_of("10.0.0.1", "198.51.100.9, not-an-ip, 10.8.3.4") == "10.8.3.4"
    assert ip_of("10.0.0.1", "198.51.100.9:5555") == "10.0.0.1"
    assert ip_of("10.0.0.1", "") == "10.0.0.1"
    assert ip_of("10.0.0.1") == "10.0.0.1"


@override_settings(ZUGONG_TRUSTED_PROXIES=PROXIES)
def test_it_reads_ipv6_proxies_and_clients():
    assert ip_of("fd00::1", "2001:db8::1, fd12::5") == "2001:db8::1"
    assert ip_of("fd00::1", "2001:DB8:0:0::7") == "2001:db8::7"  # written the one way, for the lockout key
    assert ip_of("::ffff:10.0.0.1", "198.51.100.9") == "198.51.100.9"  # IPv4 on a dual-stack socket
    assert ip_of("2001:db8::9", "198.51.100.9") == "2001:db8::9"


def test_it_returns_an_empty_address_without_a_request():
    assert client_ip(None) == ""


def test_it_truncates_to_64_characters():
    assert len(ip_of("x" * 100)) == 64


def test_it_refuses_a_malformed_trusted_proxy_setting(monkeypatch):
    monkeypatch.setenv("ZUGONG_TRUSTED_PROXIES", "10.0.0.1, 10.8.0.0/16 ,fd00::/8")
    assert env_networks("ZUGONG_TRUSTED_PROXIES", "") == ["10.0.0.1", "10.8.0.0/16", "fd00::/8"]
    for bad in ("nginx", "10.0.0.1/8", "10.0.0.0/33"):
        monkeypatch.setenv("ZUGONG_TRUSTED_PROXIES", bad)
        with pytest.raises(ImproperlyConfigured, match="ZUGONG_TRUSTED_PROXIES"):
            env_networks("ZUGONG_TRUSTED_PROXIES", "")
