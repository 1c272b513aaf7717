"""What may reach the disk: no credentials, no tokens, bounded URLs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from native_host.privacy import MAX_STORED_URL, domain, is_refetchable, scrub_url, url_key


def test_userinfo_and_fragment_are_never_kept() -> None:
    """user:password@ and #fragment are removed."""
    assert (
        scrub_url("https://bob:hunter2@example.org:8443/a.iso#frag")
        == "https://example.org:8443/a.iso"
    )


def test_credential_query_values_are_redacted_and_others_kept() -> None:
    """Signed-URL tokens are replaced; ordinary parameters stay."""
    url = "https://s3.example/f?X-Amz-Signature=abc&X-Amz-Credential=k&version=2&token=t&sig=s"
    out = scrub_url(url)
    for secret in ("abc", "=k&", "=t&", "=s"):
        assert secret not in out
    assert "version=2" in out and out.count("REDACTED") == 4


def test_data_urls_keep_only_their_header_and_long_urls_are_cut() -> None:
    """A data: URL keeps its media type only; any stored URL is at most MAX_STORED_URL."""
    assert scrub_url("data:text/plain;base64," + "A" * 10_000) == "data:text/plain;base64,"
    assert len(scrub_url("https://example.org/" + "a" * 100_000)) == MAX_STORED_URL


def test_episode_key_ignores_credentials_and_fragment_but_not_the_query() -> None:
    """The same download with or without user-info is one episode; another query is another."""
    assert url_key("https://u:p@example.org/f?a=1#x") == url_key("https://example.org/f?a=1")
    assert url_key("https://example.org/f?a=1") != url_key("https://example.org/f?a=2")
    assert len(url_key("x")) == 32


def test_domain_and_refetchable() -> None:
    """Domain is the lower-case host; only http(s) can be fetched again."""
    assert domain("https://u:p@Example.ORG:80/x") == "example.org"
    assert domain("blob:null/123") is None
    assert is_refetchable("HTTPS://x/") and not is_refetchable("blob:https://x/1")
    assert not is_refetchable("data:,x") and not is_refetchable("http://[::1")


@given(st.text(max_size=300))
def test_scrubbing_never_fails_and_never_keeps_a_password(text: str) -> None:
    """Any text at all scrubs without error, and user-info never survives."""
    url = f"https://user:SECRETPW@host/{text}"
    out = scrub_url(url)
    assert "SECRETPW" not in out or "SECRETPW" in text
    url_key(text)
    domain(text)


CREDENTIAL_NAMES = (
    "pass",
    "pwd",
    "pw",
    "subscription-key",
    "x-api-key",
    "private_key",
    "ticket",
    "otp",
    "bearer",
    "sas",
)


def test_every_credential_name_is_redacted_in_any_case_and_with_dash_or_underscore() -> None:
    """pass, pwd, pw, subscription-key, x-api-key, private_key, ticket, otp, bearer and sas
    are credentials whatever their case and whichever of - or _ joins their words."""
    for name in CREDENTIAL_NAMES:
        for spelled in {
            name,
            name.upper(),
            name.title(),
            name.replace("-", "_"),
            name.replace("_", "-"),
        }:
            out = scrub_url(f"https://example.org/f?{spelled}=S3CRET&page=2")
            assert "S3CRET" not in out and f"{spelled}=REDACTED" in out, (spelled, out)
            assert "page=2" in out
    assert "S3CRET" not in scrub_url("https://example.org/f?%70ass=S3CRET")  # percent-encoded


def test_a_url_python_cannot_split_keeps_nothing_after_its_query_mark() -> None:
    """An invalid IPv6 literal (urlsplit raises) is stored up to its first ? or #, without
    user-info: its query and fragment, which cannot be told apart from credentials, go."""
    assert scrub_url("https://[::1/f?token=S#F") == "https://[::1/f"
    assert scrub_url("https://[::1/f#F?token=S") == "https://[::1/f"
    assert scrub_url("https://bob:pw@[::1/dir/a@b.iso?x=1") == "https://[::1/dir/a@b.iso"
