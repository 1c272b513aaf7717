"""Tests for native_host.explanations: descriptions and decision texts in English and French."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_decide import decided

from native_host import explanations
from native_host.decide import Decision, decide
from native_host.decision_types import ACTIONS, CAUSES
from native_host.explanations import (
    LANGS,
    describe_category,
    describe_reason,
    explain,
    format_bytes,
    format_delay,
    normalize_lang,
)
from native_host.policy import DEFAULT_POLICY, rule_for
from native_host.reasons import CATEGORIES, KNOWN_REASONS, category_of

#: Each browser decide() knows, and one it does not (the generic rules).
BROWSERS = (None, "chrome", "firefox")

PLACEHOLDER = re.compile(r"[{}]|%[sd(]")
NBSP = "\u00a0"
#: A notification shows about this much; every text must fit.
MAX_CHARS = 300
#: Unknown but well-formed reasons, up to the 64 characters the catalogue accepts.
UNKNOWN_REASONS = (
    "LOCAL_DOWNLOAD_BLOCKED",
    "NETWORK_SOMETHING_NEW",
    "FILE_" + "Y" * 59,
    "SERVER_" + "Z" * 57,
    "X" * 64,
)


def _decision(
    reason: str,
    action: str = "resume",
    cause: str = "policy",
    *,
    delay_ms: int = 4_000,
    attempt: int = 2,
    max_attempts: int = 8,
) -> Decision:
    return Decision(
        action,  # type: ignore[arg-type]
        delay_ms,
        attempt,
        max_attempts,
        reason,
        category_of(reason),
        True,
        cause,  # type: ignore[arg-type]
    )


def _every_decision() -> list[Decision]:
    """Every reason x action x cause, with ordinary and extreme numbers."""
    numbers = [(0, 1, 1), (4_000, 2, 8), (86_400_000, 1000, 1000), (0, 1, 0)]
    return [
        _decision(reason, action, cause, delay_ms=d, attempt=a, max_attempts=m)
        for reason in (*KNOWN_REASONS, *UNKNOWN_REASONS)
        for action in ACTIONS
        for cause in CAUSES
        for d, a, m in numbers
    ]


def _decided() -> list[Decision]:
    """What the real decide() produces with the default policy, over every input it takes:
    each browser's layers, progress or not, the server reachable or not."""
    out = []
    for reason, browser in itertools.product((*KNOWN_REASONS, *UNKNOWN_REASONS), BROWSERS):
        category = category_of(reason)
        rule = rule_for(DEFAULT_POLICY, reason, category, browser)
        for attempt, can_resume, http, paused, jitter, (progress, reachable) in itertools.product(
            range(1, rule.max_attempts + 2),
            (True, False, None),
            (True, False),
            (False, True),
            (0.0, 0.999),
            ((None, None), (True, None), (False, True), (False, False)),
        ):
            out.append(
                decide(
                    rule,
                    reason=reason,
                    category=category,
                    known=reason in KNOWN_REASONS,
                    attempt=attempt,
                    can_resume=can_resume,
                    http=http,
                    paused=paused,
                    jitter=jitter,
                    progress=progress,
                    reachable=reachable,
                    browser=browser,
                )
            )
    return out


EVERY_DECISION = _every_decision()
DECIDED = _decided()


# Descriptions ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("reason", KNOWN_REASONS)
def test_every_reason_has_a_description(reason: str, lang: str) -> None:
    """Every canonical reason has its own non-empty sentence(s) in both languages."""
    text = describe_reason(reason, lang)
    assert text.strip()
    assert text != describe_category(category_of(reason), lang), "reason has no own text"
    assert text[0].isupper() and text.endswith("."), text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_a_description(category: str, lang: str) -> None:
    """Every category has a non-empty description in both languages."""
    text = describe_category(category, lang)
    assert text.strip()
    assert text[0].isupper() and text.endswith("."), text


@pytest.mark.parametrize("reason", KNOWN_REASONS)
def test_reason_descriptions_are_translated(reason: str) -> None:
    """The French text of each reason differs from the English one: it was translated."""
    assert describe_reason(reason, "fr") != describe_reason(reason, "en")


@pytest.mark.parametrize("category", CATEGORIES)
def test_category_descriptions_are_translated(category: str) -> None:
    """The French text of each category differs from the English one."""
    assert describe_category(category, "fr") != describe_category(category, "en")


def test_catalogue_matches_the_reason_list_exactly() -> None:
    """The descriptions cover KNOWN_REASONS and CATEGORIES, no more and no less (no drift)."""
    assert set(explanations._REASONS) == set(KNOWN_REASONS)
    assert set(explanations._CATEGORIES) == set(CATEGORIES)
    for table in (explanations._REASONS, explanations._CATEGORIES, explanations._DOING):
        for texts in table.values():
            assert set(texts) == set(LANGS)


def test_descriptions_are_distinct() -> None:
    """No two reasons share a description in the same language (no copy-paste slip)."""
    for lang in LANGS:
        texts = [describe_reason(r, lang) for r in KNOWN_REASONS]
        assert len(set(texts)) == len(texts)


def test_advice_the_issue_asks_for_is_there() -> None:
    """The descriptions say what the user can do: free space, sign in, check the connection."""
    assert "Free some disk space" in describe_reason("FILE_NO_SPACE", "en")
    assert "Libérez de l’espace" in describe_reason("FILE_NO_SPACE", "fr")
    assert "Sign in again" in describe_reason("SERVER_UNAUTHORIZED", "en")
    assert "Reconnectez-vous" in describe_reason("SERVER_UNAUTHORIZED", "fr")
    assert "Check your connection" in describe_reason("NETWORK_FAILED", "en")
    assert "Vérifiez votre connexion" in describe_reason("NETWORK_FAILED", "fr")
    assert "expired" in describe_reason("SERVER_FORBIDDEN", "en")


@pytest.mark.parametrize(
    ("reason", "en", "fr"),
    [
        ("USER_SHUTDOWN", "cannot be resumed. Start it again from the site", "ne peut pas être"),
        ("FILE_BLOCKED", "an ad blocker or another extension, or an administrator", "bloqueur"),
        ("NETWORK_STALLED", "stopped sending while the connection stayed open", "reconnecté"),
    ],
)
def test_descriptions_say_the_truth(reason: str, en: str, fr: str) -> None:
    """A browser closed mid-download cannot be resumed; a blocked file may be an extension's
    doing as much as an administrator's; a stall is dlrescue reconnecting."""
    assert en in describe_reason(reason, "en")
    assert fr in describe_reason(reason, "fr")


@pytest.mark.parametrize("lang", LANGS)
def test_firefox_has_its_own_words_for_crash_and_server_failed(lang: str) -> None:
    """Firefox's CRASH may be a blocked file, its SERVER_FAILED may want a sign-in; other
    browsers (and none) keep the generic texts; the browser's name is not case-sensitive."""
    crash = describe_reason("CRASH", lang, "firefox")
    assert crash != describe_reason("CRASH", lang)
    assert ("blocked the file" if lang == "en" else "bloqué le fichier") in crash
    server = describe_reason("SERVER_FAILED", lang, "Firefox")
    assert ("sign in" if lang == "en" else "reconnectez-vous") in server
    for browser in (None, "chrome", "edge", 3):
        assert describe_reason("CRASH", lang, browser) == describe_reason("CRASH", lang)
    decision = _decision("CRASH", "none", "policy")._replace(browser="firefox")
    assert explain(decision, lang).startswith(crash)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "The server answers but sent nothing more: the link has probably expired. Open the "
            "page it came from and start the download again.",
        ),
        (
            "fr",
            f"Le serveur répond mais n’envoie plus rien{NBSP}: le lien a sans doute expiré. "
            "Ouvrez la page d’où il vient et relancez le téléchargement.",
        ),
    ],
)
def test_no_progress_says_the_link_has_probably_expired(lang: str, expected: str) -> None:
    """A download left because the server answers but sends nothing is explained on its own
    (not as the network failure the browser reported)."""
    assert explain(_decision("NETWORK_FAILED", "none", "no_progress"), lang) == expected


# Fallbacks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("fr_CA", "fr"),
        ("FR", "fr"),
        (" fr-be ", "fr"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("french", "en"),
        ("", "en"),
        ("-", "en"),
        (None, "en"),
        (42, "en"),
        (b"fr", "en"),
        (["fr"], "en"),
    ],
)
def test_normalize_lang(value: object, expected: str) -> None:
    """Browser locales map to their language; anything else, junk included, is English."""
    assert normalize_lang(value) == expected


@pytest.mark.parametrize("lang", ["de", "", "zz-ZZ", "xx_YY", "english"])
def test_unknown_language_falls_back_to_english(lang: str) -> None:
    """A language dlrescue does not speak gets the English texts, for every function."""
    for reason in KNOWN_REASONS:
        assert describe_reason(reason, lang) == describe_reason(reason, "en")
    for category in CATEGORIES:
        assert describe_category(category, lang) == describe_category(category, "en")
    for decision in EVERY_DECISION[:200]:
        assert explain(decision, lang) == explain(decision, "en")


def test_regional_locale_is_accepted_directly() -> None:
    """The functions take a browser locale such as fr-FR as it comes."""
    assert describe_reason("NETWORK_FAILED", "fr-FR") == describe_reason("NETWORK_FAILED", "fr")
    decision = _decision("NETWORK_FAILED")
    assert explain(decision, "fr_CA") == explain(decision, "fr")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("NETWORK_SOMETHING_NEW", "NETWORK"),
        ("FILE_QUARANTINED", "FILE"),
        ("SERVER_TEAPOT", "SERVER"),
        ("USER_WANDERED_OFF", "USER"),
        ("LOCAL_DOWNLOAD_BLOCKED", "UNKNOWN"),
        ("X" * 64, "UNKNOWN"),
    ],
)
def test_unknown_reason_falls_back_to_its_category(reason: str, category: str, lang: str) -> None:
    """A reason the catalogue does not know is described by its category."""
    assert describe_reason(reason, lang) == describe_category(category, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_category_falls_back_to_unknown(lang: str) -> None:
    """A category outside CATEGORIES gets UNKNOWN's description rather than an error."""
    assert describe_category("BOGUS", lang) == describe_category("UNKNOWN", lang)


# explain() ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_placeholder_left_in_any_combination(lang: str) -> None:
    """Over every reason x action x cause (possible or not), no {field} is left unformatted."""
    for decision in EVERY_DECISION:
        text = explain(decision, lang)
        assert text.strip()
        assert not PLACEHOLDER.search(text.replace(decision.reason, "")), text


@pytest.mark.parametrize("lang", LANGS)
def test_every_real_decision_is_explained(lang: str) -> None:
    """Every decision the default policy's decide() really makes gets a complete text."""
    for decision in DECIDED:
        text = explain(decision, lang)
        assert not PLACEHOLDER.search(text.replace(decision.reason, "")), text
        assert len(text) < MAX_CHARS, text
        if decision.cause == "no_progress":
            assert text == explanations._DOING["no_progress"][lang]
        elif decision.cause != "paused":
            assert text.startswith(describe_reason(decision.reason, lang, decision.browser)) or (
                decision.reason not in KNOWN_REASONS
            )


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_fits_a_notification(lang: str) -> None:
    """Every description and every explanation, extreme numbers included, is under 300 chars."""
    for reason in KNOWN_REASONS:
        assert len(describe_reason(reason, lang)) <= 160, reason
    for category in CATEGORIES:
        assert len(describe_category(category, lang)) <= 160, category
    longest = max(EVERY_DECISION, key=lambda d: len(explain(d, lang)))
    assert len(explain(longest, lang)) < MAX_CHARS, explain(longest, lang)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "The connection dropped. Check your Wi-Fi or network cable. "
            "dlrescue resumes the download in 4 s (attempt 2 of 8).",
        ),
        (
            "fr",
            "La connexion a été coupée. Vérifiez votre Wi-Fi ou votre câble réseau. "
            f"dlrescue reprend le téléchargement dans 4{NBSP}s (tentative 2 sur 8).",
        ),
    ],
)
def test_resume_says_when_and_which_attempt(lang: str, expected: str) -> None:
    """A resume reads as the reason's description, then the delay and the attempt numbers."""
    assert explain(_decision("NETWORK_DISCONNECTED"), lang) == expected


@pytest.mark.parametrize("lang", LANGS)
def test_retries_carry_numbers_and_a_humane_delay(lang: str) -> None:
    """Every resume/restart text names attempt N of M and the delay as format_delay gives it."""
    for action, cause in [
        ("resume", "policy"),
        ("restart", "policy"),
        ("restart", "cannot_resume"),
    ]:
        for delay in (250, 1_500, 45_000, 150_000, 3_900_000):
            text = explain(
                _decision(
                    "SERVER_FAILED", action, cause, delay_ms=delay, attempt=3, max_attempts=4
                ),
                lang,
            )
            assert ("attempt 3 of 4" if lang == "en" else "tentative 3 sur 4") in text
            assert format_delay(delay, lang) in text
            assert not re.search(r"\d{4,}", text), "raw milliseconds leaked"


@pytest.mark.parametrize(
    ("lang", "now"), [("en", "resumes the download now"), ("fr", "immédiatement")]
)
def test_zero_delay_reads_as_now(lang: str, now: str) -> None:
    """A delay of 0 (full jitter can draw it) says 'now', not 'in 0 ms'."""
    text = explain(_decision("NETWORK_FAILED", delay_ms=0), lang)
    assert now in text
    assert "0 ms" not in text.replace(NBSP, " ")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "starts the download again from the beginning in 1 s, since the browser cannot"),
        ("fr", f"relance le téléchargement depuis le début dans 1{NBSP}s, faute de pouvoir"),
    ],
)
def test_cannot_resume_says_why_it_restarts(lang: str, expected: str) -> None:
    """With canResume false, the text says it restarts from the beginning, and why."""
    decision = _decision("NETWORK_FAILED", "restart", "cannot_resume", delay_ms=1_000)
    assert expected in explain(decision, lang)


@pytest.mark.parametrize(
    ("lang", "max_attempts", "expected"),
    [
        ("en", 8, "dlrescue gave up after 8 attempts; you can still retry"),
        ("en", 1, "dlrescue gave up after 1 attempt;"),
        ("fr", 8, f"dlrescue a abandonné après 8{NBSP}tentatives{NBSP}: vous pouvez"),
        ("fr", 1, f"dlrescue a abandonné après 1{NBSP}tentative{NBSP}:"),
        ("en", 0, "Your policy allows no retries here"),
        ("fr", 0, "n’autorise aucune tentative"),
    ],
)
def test_gave_up_counts_attempts_with_the_right_plural(
    lang: str, max_attempts: int, expected: str
) -> None:
    """Giving up names the attempts made, singular or plural, or that none were allowed."""
    decision = _decision(
        "NETWORK_FAILED", "none", "gave_up", attempt=max_attempts + 1, max_attempts=max_attempts
    )
    assert expected in explain(decision, lang)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "The browser reported LOCAL_DOWNLOAD_BLOCKED, which dlrescue does not know; "
            "it leaves the download as it is.",
        ),
        (
            "fr",
            "Le navigateur a signalé LOCAL_DOWNLOAD_BLOCKED, une raison que dlrescue ne "
            "connaît pas. Le téléchargement reste tel quel.",
        ),
    ],
)
def test_unknown_reason_is_named_and_left(lang: str, expected: str) -> None:
    """An unknown reason is named as the browser sent it, and the download is left alone."""
    decision = _decision("LOCAL_DOWNLOAD_BLOCKED", "none", "unknown_reason", max_attempts=0)
    assert explain(decision, lang) == expected


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_reason_with_known_prefix_gets_category_advice(lang: str) -> None:
    """NETWORK_SOMETHING_NEW is explained with the NETWORK advice, then named."""
    decision = _decision("NETWORK_SOMETHING_NEW", "none", "unknown_reason")
    text = explain(decision, lang)
    assert text.startswith(describe_category("NETWORK", lang))
    assert "NETWORK_SOMETHING_NEW" in text


@pytest.mark.parametrize("lang", LANGS)
def test_firefox_pause_is_explained_as_a_pause(lang: str) -> None:
    """A Firefox pause (USER_CANCELED + paused) is explained as a pause, not a cancel."""
    decision = _decision("USER_CANCELED", "none", "paused")
    text = explain(decision, lang)
    assert text.startswith(describe_reason("USER_PAUSED", lang))
    assert describe_reason("USER_CANCELED", lang) not in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "address is not http or https"), ("fr", "ni en http ni en https")],
)
def test_not_http_says_the_address_cannot_be_fetched(lang: str, expected: str) -> None:
    """A blob:/data: download is explained as one that cannot be fetched again."""
    assert expected in explain(_decision("NETWORK_FAILED", "none", "not_http"), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_explanations_differ_by_language(lang: str) -> None:
    """explain() really switches language: no decision reads the same in English and French."""
    other = "fr" if lang == "en" else "en"
    for decision in DECIDED[::7]:
        assert explain(decision, lang) != explain(decision, other)


# Delays ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "en", "fr"),
    [
        (0, "0 ms", "0 ms"),
        (250, "250 ms", "250 ms"),
        (999, "999 ms", "999 ms"),
        (1_000, "1 s", "1 s"),
        (1_500, "1.5 s", "1,5 s"),
        (9_960, "10 s", "10 s"),
        (45_000, "45 s", "45 s"),
        (59_600, "1 min", "1 min"),
        (150_000, "2 min 30 s", "2 min 30 s"),
        (600_000, "10 min", "10 min"),
        (3_600_000, "1 h", "1 h"),
        (3_900_000, "1 h 5 min", "1 h 5 min"),
        (86_400_000, "24 h", "24 h"),
    ],
)
def test_format_delay(ms: int, en: str, fr: str) -> None:
    """Delays read as a person says them: ms under 1 s, then s, min, h; French uses a comma."""
    assert format_delay(ms, "en") == en
    assert format_delay(ms, "fr").replace(NBSP, " ") == fr
    assert not re.search(r"\d [a-z]", format_delay(ms, "fr")), "French binds number and unit"


@given(st.integers(min_value=0, max_value=86_400_000), st.sampled_from(LANGS))
def test_format_delay_is_always_humane(ms: int, lang: str) -> None:
    """Any delay the policy can produce formats as 1-2 number+unit pairs, never raw ms >= 1 s."""
    text = format_delay(ms, lang).replace(NBSP, " ")
    pattern = r"\d+([.,]\d)? (ms|s|min|h)( \d+ (s|min))?"
    assert re.fullmatch(pattern, text), text
    if ms >= 1_000:
        assert not text.endswith("ms")


# Typography and purity ---------------------------------------------------------------------


def _all_texts(lang: str) -> list[str]:
    texts = [describe_reason(r, lang) for r in KNOWN_REASONS]
    texts += [describe_category(c, lang) for c in CATEGORIES]
    texts += [explain(d, lang) for d in EVERY_DECISION[::3]]
    return texts


def test_english_is_plain_ascii() -> None:
    """English texts use plain ASCII (straight apostrophes, ordinary spaces)."""
    for text in _all_texts("en"):
        assert text.isascii(), text


def test_french_typography_is_consistent() -> None:
    """French uses ’ (never '), a no-break space before ':' and never a plain one."""
    for text in _all_texts("fr"):
        assert "'" not in text, text
        assert " :" not in text and not re.search(r"\S:", text), text
        assert " ;" not in text and " ?" not in text and " !" not in text, text


def test_module_imports_only_what_it_may() -> None:
    """explanations.py stays pure and cheap: typing (for mypy), record, policy, decide and
    reasons."""
    tree = ast.parse(Path(explanations.__file__).read_text(encoding="utf-8"))
    allowed = {"__future__", "typing", "record", "policy", "decide", "reasons"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {node.module or ""}
        else:
            continue
        assert names <= allowed, names


@pytest.mark.parametrize(
    ("count", "en", "fr"),
    [
        (999, "999 bytes", "999\u00a0octets"),
        (1_000, "1 kB", "1\u00a0ko"),
        (1_200_000_000, "1.2 GB", "1,2\u00a0Go"),
        (999_960_000, "1 GB", "1\u00a0Go"),
        (5 * 10**18, "5000 PB", "5000\u00a0Po"),
    ],
)
def test_sizes_read_as_people_say_them(count: int, en: str, fr: str) -> None:
    assert (format_bytes(count, "en"), format_bytes(count, "fr")) == (en, fr)


@pytest.mark.parametrize("lang", LANGS)
def test_every_new_explanation_fits_a_notification(lang: str) -> None:
    """With every new cause, status and extreme number, each text stays under 300
    characters and leaves no placeholder."""
    texts = []
    for status in (None, 401, 407, 410, 429, 500, 503, 599, 404):
        for retry in (None, 86_400_000):
            texts.append(explain(decided("SERVER_FAILED", status, retry, attempt=1000), lang))
    texts.append(explain(decided("FILE_NO_SPACE", short=2**53, attempt=1000), lang))
    for cause in ("site_wait", "site_paused"):
        texts.append(
            explain(decided("NETWORK_FAILED")._replace(cause=cause, delay_ms=86_400_000), lang)
        )
    for text in texts:
        assert len(text) < 300 and "{" not in text, text
