"""What a person reads: each reason and category described, and each decision explained.

English and French, English the fallback. Pure data and a few functions; no I/O, no work
at import beyond building the dict literals below, because the host imports this at start-up.

Each reason's text says what happened and what the user can do. It is written for dlrescue
from what each reason means in practice (docs/BROWSERS.md, "Reason strings": e.g.
SERVER_FORBIDDEN is usually an expired link).

French typography: typographic apostrophe (’), a no-break space (U+00A0) before `:` and
between a number and its unit, a decimal comma. English uses plain ASCII.
"""

from __future__ import annotations

from .decide import Decision
from .reasons import KNOWN_REASONS, PAUSED, category_of
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Final

LANGS: Final = ("en", "fr")
DEFAULT_LANG: Final = "en"

_NBSP: Final = "\u00a0"

#: Per reason, one record holding both languages (never two parallel maps).
_REASONS: Final[dict[str, dict[str, str]]] = {
    "FILE_FAILED": {
        "en": "The browser could not write the file to disk. Check the download folder, "
        "then try again.",
        "fr": "Le navigateur n’a pas pu écrire le fichier sur le disque. Vérifiez le dossier "
        "de téléchargement, puis réessayez.",
    },
    "FILE_ACCESS_DENIED": {
        "en": "The browser may not write to the download folder. Choose another folder or "
        "check its permissions.",
        "fr": "Le navigateur n’a pas le droit d’écrire dans le dossier de téléchargement. "
        "Choisissez-en un autre ou vérifiez ses droits.",
    },
    "FILE_NO_SPACE": {
        "en": "The disk is full. Free some disk space or choose another folder, then resume "
        "the download.",
        "fr": "Le disque est plein. Libérez de l’espace ou choisissez un autre dossier, puis "
        "reprenez le téléchargement.",
    },
    "FILE_NAME_TOO_LONG": {
        "en": "The file name or its path is too long for this system. Save it under a shorter "
        "name or in a shallower folder.",
        "fr": "Le nom ou le chemin du fichier est trop long pour ce système. Enregistrez-le "
        "sous un nom plus court ou moins loin dans l’arborescence.",
    },
    "FILE_TOO_LARGE": {
        "en": "The file is too large for the disk's file system. Save it to a disk that "
        "accepts large files (not FAT32).",
        "fr": "Le fichier est trop gros pour le système de fichiers du disque. Enregistrez-le "
        "sur un disque qui accepte les gros fichiers (pas en FAT32).",
    },
    "FILE_VIRUS_INFECTED": {
        "en": "The antivirus found a threat in the file and blocked it. Download it only from "
        "a source you trust.",
        "fr": "L’antivirus a détecté une menace dans le fichier et l’a bloqué. Ne le "
        "téléchargez que depuis une source de confiance.",
    },
    "FILE_TRANSIENT_ERROR": {
        "en": "The file was briefly unavailable (in use, too many open files or low memory). "
        "Close other programs and try again.",
        "fr": "Le fichier était momentanément indisponible (déjà utilisé, trop de fichiers "
        "ouverts ou mémoire saturée). Fermez d’autres programmes et réessayez.",
    },
    "FILE_BLOCKED": {
        "en": "Something blocked this file: an ad blocker or another extension, or an "
        "administrator's policy. Check them if you need it.",
        "fr": "Quelque chose a bloqué ce fichier\u00a0: un bloqueur de publicité ou une autre "
        "extension, ou une règle de l’administrateur. Vérifiez-les si vous en avez besoin.",
    },
    "FILE_SECURITY_CHECK_FAILED": {
        "en": "The security scan of the file failed, so the browser did not keep it. Try "
        "again later or check your antivirus.",
        "fr": "L’analyse de sécurité du fichier a échoué, le navigateur ne l’a donc pas "
        "gardé. Réessayez plus tard ou vérifiez votre antivirus.",
    },
    "FILE_TOO_SHORT": {
        "en": "The partly downloaded file was missing or shorter than expected, so the "
        "download has to start over.",
        "fr": "Le fichier partiellement téléchargé manquait ou était plus court que "
        "prévu\u00a0: le téléchargement doit repartir de zéro.",
    },
    "FILE_HASH_MISMATCH": {
        "en": "The partly downloaded file was not the expected one and was deleted, so the "
        "download has to start over.",
        "fr": "Le fichier partiellement téléchargé n’était pas celui attendu et a été "
        "supprimé\u00a0: le téléchargement doit repartir de zéro.",
    },
    "FILE_SAME_AS_SOURCE": {
        "en": "The download would overwrite the very file it comes from. Save it under "
        "another name or in another folder.",
        "fr": "Le téléchargement écraserait le fichier même dont il provient. Enregistrez-le "
        "sous un autre nom ou dans un autre dossier.",
    },
    "NETWORK_FAILED": {
        "en": "The network connection failed. Check your connection.",
        "fr": "La connexion réseau a échoué. Vérifiez votre connexion.",
    },
    "NETWORK_TIMEOUT": {
        "en": "The network took too long to answer. Check your connection, or wait if the "
        "site is slow.",
        "fr": "Le réseau a mis trop de temps à répondre. Vérifiez votre connexion, ou "
        "patientez si le site est lent.",
    },
    "NETWORK_DISCONNECTED": {
        "en": "The connection dropped. Check your Wi-Fi or network cable.",
        "fr": "La connexion a été coupée. Vérifiez votre Wi-Fi ou votre câble réseau.",
    },
    "NETWORK_SERVER_DOWN": {
        "en": "The server stopped responding; it may be down for a while. Try again later.",
        "fr": "Le serveur ne répond plus et il est peut-être en panne pour un moment. "
        "Réessayez plus tard.",
    },
    "NETWORK_INVALID_REQUEST": {
        "en": "The download address is invalid, unsupported or blocked by a network policy. "
        "Get a fresh link from the site.",
        "fr": "L’adresse du téléchargement est invalide, non prise en charge ou bloquée par "
        "une règle réseau. Récupérez un nouveau lien sur le site.",
    },
    "SERVER_FAILED": {
        "en": "The server reported an error; it may be busy or overloaded. Try again later.",
        "fr": "Le serveur a signalé une erreur. Il est peut-être occupé ou surchargé\u00a0: "
        "réessayez plus tard.",
    },
    "SERVER_NO_RANGE": {
        "en": "The server can only send the whole file, not the missing part, so the "
        "download has to start over.",
        "fr": "Le serveur ne sait envoyer que le fichier entier, pas la partie manquante\u00a0: "
        "le téléchargement doit repartir de zéro.",
    },
    "SERVER_BAD_CONTENT": {
        "en": "The server does not have the file; it may have been moved or deleted. Ask "
        "the site for a working link.",
        "fr": "Le serveur n’a pas ce fichier, qui a peut-être été déplacé ou supprimé. "
        "Demandez au site un lien qui fonctionne.",
    },
    "SERVER_UNAUTHORIZED": {
        "en": "The server wants you to sign in. Sign in again on the site, then restart the "
        "download.",
        "fr": "Le serveur demande une identification. Reconnectez-vous sur le site, puis "
        "relancez le téléchargement.",
    },
    "SERVER_CERT_PROBLEM": {
        "en": "The server's security certificate is not valid, so the connection is not "
        "safe. Check the address or tell the site.",
        "fr": "Le certificat de sécurité du serveur n’est pas valide, la connexion n’est "
        "donc pas sûre. Vérifiez l’adresse ou prévenez le site.",
    },
    "SERVER_FORBIDDEN": {
        "en": "The server refused access to the file; the link has often expired. Get a "
        "fresh link from the site.",
        "fr": "Le serveur a refusé l’accès au fichier, souvent parce que le lien a expiré. "
        "Récupérez un nouveau lien sur le site.",
    },
    "SERVER_UNREACHABLE": {
        "en": "The server could not be reached or gave an unexpected answer. Try again later.",
        "fr": "Le serveur était injoignable ou a répondu de façon inattendue. Réessayez plus tard.",
    },
    "SERVER_CONTENT_LENGTH_MISMATCH": {
        "en": "The server sent less data than it announced, so the file is incomplete. "
        "Downloading it again usually works.",
        "fr": "Le serveur a envoyé moins de données qu’annoncé\u00a0: le fichier est "
        "incomplet. Le télécharger à nouveau suffit en général.",
    },
    "SERVER_CROSS_ORIGIN_REDIRECT": {
        "en": "The server sent the download on to another site, which the browser refused. "
        "Start it again from the site's page.",
        "fr": "Le serveur a redirigé le téléchargement vers un autre site, ce que le "
        "navigateur a refusé. Relancez-le depuis la page du site.",
    },
    "USER_CANCELED": {
        "en": "You canceled the download. Start it again from the site if you need it.",
        "fr": "Vous avez annulé le téléchargement. Relancez-le depuis le site si vous en "
        "avez besoin.",
    },
    "USER_SHUTDOWN": {
        "en": "The browser was closed during the download, which cannot be resumed. Start "
        "it again from the site.",
        "fr": "Le navigateur a été fermé pendant le téléchargement, qui ne peut pas être "
        "repris. Relancez-le depuis le site.",
    },
    PAUSED: {
        "en": "You paused the download. Resume it from the downloads page when you are ready.",
        "fr": "Vous avez mis le téléchargement en pause. Reprenez-le depuis la page des "
        "téléchargements quand vous voulez.",
    },
    "CRASH": {
        "en": "The browser crashed or restarted during the download. You can resume it from "
        "the downloads page.",
        "fr": "Le navigateur a planté ou redémarré pendant le téléchargement. Vous pouvez le "
        "reprendre depuis la page des téléchargements.",
    },
    "NETWORK_STALLED": {
        "en": "The server stopped sending while the connection stayed open; dlrescue reconnected.",
        "fr": "Le serveur n’envoyait plus rien alors que la connexion restait ouverte\u00a0: "
        "dlrescue s’est reconnecté.",
    },
}

#: What a reason means in one browser, where it differs (policy.DEFAULT_BROWSERS says why).
_BROWSER_REASONS: Final[dict[str, dict[str, dict[str, str]]]] = {
    "firefox": {
        "CRASH": {
            "en": "Firefox stopped the download: it may have blocked the file (malware check "
            "or parental controls), or it crashed. See Firefox's downloads page.",
            "fr": "Firefox a arrêté le téléchargement\u00a0: il a peut-être bloqué le fichier "
            "(analyse anti-malware ou contrôle parental), ou il a planté. Consultez la page "
            "des téléchargements de Firefox.",
        },
        "SERVER_FAILED": {
            "en": "The server refused the download or failed. If the site needs you to sign "
            "in, sign in again; otherwise try again later.",
            "fr": "Le serveur a refusé le téléchargement ou a échoué. Si le site demande une "
            "identification, reconnectez-vous\u00a0; sinon, réessayez plus tard.",
        },
    },
}

_CATEGORIES: Final[dict[str, dict[str, str]]] = {
    "FILE": {
        "en": "The browser could not save the file. Check the download folder and the free "
        "disk space.",
        "fr": "Le navigateur n’a pas pu enregistrer le fichier. Vérifiez le dossier de "
        "téléchargement et l’espace disque libre.",
    },
    "NETWORK": {
        "en": "A network problem interrupted the download. Check your connection.",
        "fr": "Un problème de réseau a interrompu le téléchargement. Vérifiez votre connexion.",
    },
    "SERVER": {
        "en": "The site's server could not deliver the file. Try again later or contact the site.",
        "fr": "Le serveur du site n’a pas pu fournir le fichier. Réessayez plus tard ou "
        "contactez le site.",
    },
    "USER": {
        "en": "You stopped the download, or the browser was closed.",
        "fr": "Vous avez arrêté le téléchargement, ou le navigateur a été fermé.",
    },
    "CRASH": {
        "en": "The browser or its download process crashed. You can resume the download "
        "from the downloads page.",
        "fr": "Le navigateur ou son processus de téléchargement a planté. Vous pouvez "
        "reprendre le téléchargement depuis la page des téléchargements.",
    },
    "UNKNOWN": {
        "en": "The browser stopped the download for a reason dlrescue does not know. Check "
        "the downloads page.",
        "fr": "Le navigateur a interrompu le téléchargement pour une raison que dlrescue ne "
        "connaît pas. Consultez la page des téléchargements.",
    },
}

#: What dlrescue does, per action and cause. Fields: {when}, {attempt}, {max}, {n}, {reason}.
_DOING: Final[dict[str, dict[str, str]]] = {
    "resume": {
        "en": "dlrescue resumes the download {when} (attempt {attempt} of {max}).",
        "fr": "dlrescue reprend le téléchargement {when} (tentative {attempt} sur {max}).",
    },
    "restart": {
        "en": "dlrescue starts the download again from the beginning {when} "
        "(attempt {attempt} of {max}).",
        "fr": "dlrescue relance le téléchargement depuis le début {when} "
        "(tentative {attempt} sur {max}).",
    },
    "cannot_resume": {
        "en": "dlrescue starts the download again from the beginning {when}, since the "
        "browser cannot continue it (attempt {attempt} of {max}).",
        "fr": "dlrescue relance le téléchargement depuis le début {when}, faute de pouvoir "
        "le reprendre (tentative {attempt} sur {max}).",
    },
    "leave": {
        "en": "dlrescue leaves the download as it is.",
        "fr": "dlrescue laisse le téléchargement tel quel.",
    },
    "gave_up": {
        "en": "dlrescue gave up after {n}; you can still retry from the downloads page.",
        "fr": "dlrescue a abandonné après {n}\u00a0: vous pouvez encore réessayer depuis la "
        "page des téléchargements.",
    },
    "no_attempts": {
        "en": "Your policy allows no retries here, so dlrescue leaves the download as it is.",
        "fr": "Votre politique de relance n’autorise aucune tentative ici\u00a0: dlrescue "
        "laisse le téléchargement tel quel.",
    },
    "not_http": {
        "en": "dlrescue cannot retry it: its address is not http or https, so it cannot be "
        "fetched again.",
        "fr": "dlrescue ne peut pas le relancer\u00a0: son adresse n’est ni en http ni en "
        "https, elle ne peut donc pas être rechargée.",
    },
    "unknown_reason": {
        "en": "The browser reported {reason}, which dlrescue does not know; it leaves the "
        "download as it is.",
        "fr": "Le navigateur a signalé {reason}, une raison que dlrescue ne connaît pas. Le "
        "téléchargement reste tel quel.",
    },
    "paused": {
        "en": "dlrescue leaves it paused.",
        "fr": "dlrescue le laisse en pause.",
    },
    # Said alone: the reason's own text (a network failure) would say the opposite.
    "no_progress": {
        "en": "The server answers but sent nothing more: the link has probably expired. Open "
        "the page it came from and start the download again.",
        "fr": "Le serveur répond mais n’envoie plus rien\u00a0: le lien a sans doute expiré. "
        "Ouvrez la page d’où il vient et relancez le téléchargement.",
    },
}

#: What an HTTP status means, where the extension sent it: said instead of the reason's
#: text, which can only guess (SERVER_FAILED hides 401 as well as 503). Keys: a status, or
#: "5xx" for any other server error.
_STATUSES: Final[dict[int | str, dict[str, str]]] = {
    401: {
        "en": "The server wants you to sign in (HTTP 401).",
        "fr": "Le serveur demande que vous vous identifiiez (HTTP 401).",
    },
    407: {
        "en": "The proxy wants you to sign in (HTTP 407).",
        "fr": "Le proxy demande que vous vous identifiiez (HTTP 407).",
    },
    410: {
        "en": "The file is gone for good: the server says it will not come back (HTTP 410).",
        "fr": "Le fichier a disparu pour de bon : le serveur dit qu’il ne reviendra "
        "pas (HTTP 410).",
    },
    429: {
        "en": "The server says it got too many requests (HTTP 429).",
        "fr": "Le serveur dit avoir reçu trop de requêtes (HTTP 429).",
    },
    503: {
        "en": "The server is unavailable for now, often overloaded or in maintenance (HTTP 503).",
        "fr": "Le serveur est indisponible pour le moment, souvent surchargé ou en "
        "maintenance (HTTP 503).",
    },
    "5xx": {
        "en": "The server failed (HTTP {status}); it may be busy or broken for a while.",
        "fr": "Le serveur a échoué (HTTP {status}) ; il est peut-être occupé ou "
        "en panne pour un moment.",
    },
}

#: What dlrescue does for the causes of issue 18. Fields: {delay}, {bytes}, {folder}.
_WAITS: Final[dict[str, dict[str, str]]] = {
    "sign_in": {
        "en": "Sign in on the site, then retry the download from the downloads page.",
        "fr": "Identifiez-vous sur le site, puis relancez le téléchargement depuis la page "
        "des téléchargements.",
    },
    "gone": {
        "en": "dlrescue leaves it: waiting cannot bring it back.",
        "fr": "dlrescue le laisse : attendre ne le fera pas revenir.",
    },
    "retry_after": {
        "en": "The server asked for this wait.",
        "fr": "Le serveur a demandé ce délai.",
    },
    "site_wait": {
        "en": "Other downloads from this site are failing too, so this one waits for the "
        "site's next try.",
        "fr": "D’autres téléchargements depuis ce site échouent aussi : celui-ci attend "
        "le prochain essai du site.",
    },
    "site_paused": {
        "en": "Downloads from this site keep failing, so dlrescue pauses them for {delay}.",
        "fr": "Les téléchargements depuis ce site échouent sans cesse : dlrescue les met "
        "en pause pendant {delay}.",
    },
    "no_space": {
        "en": "Free {bytes} on the disk that holds {folder}; dlrescue resumes by itself when "
        "there is room.",
        "fr": "Libérez {bytes} sur le disque qui contient {folder} ; dlrescue reprend "
        "de lui-même dès qu’il y a la place.",
    },
    # The browser will not continue the partial file (Firefox threw it away; Chrome would
    # ask where to save it): the download starts again.
    "no_space_restart": {
        "en": "Free {bytes} on the disk that holds {folder}; dlrescue starts the download "
        "again by itself when there is room.",
        "fr": "Libérez {bytes} sur le disque qui contient {folder} ; dlrescue relance "
        "le téléchargement de lui-même dès qu’il y a la place.",
    },
}
_SOME_FOLDER: Final[dict[str, str]] = {
    "en": "the download folder",
    "fr": "le dossier de téléchargement",
}
_DISK_FULL: Final[dict[str, str]] = {"en": "The disk is full.", "fr": "Le disque est plein."}

_ATTEMPTS: Final[dict[str, tuple[str, str]]] = {
    # (singular, plural); French uses the singular for 0 and 1.
    "en": ("{count} attempt", "{count} attempts"),
    "fr": ("{count}\u00a0tentative", "{count}\u00a0tentatives"),
}

_NOW: Final[dict[str, str]] = {"en": "now", "fr": "immédiatement"}
_IN: Final[dict[str, str]] = {"en": "in {delay}", "fr": "dans {delay}"}


def normalize_lang(value: object) -> str:
    """The language code for a browser locale: "fr", "fr-FR", "fr_CA" -> "fr"; else "en"."""
    if not isinstance(value, str):
        return DEFAULT_LANG
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGS else DEFAULT_LANG


def describe_category(category: str, lang: str) -> str:
    """What a category of interruption means and what to do; UNKNOWN's text for others."""
    texts = _CATEGORIES.get(category, _CATEGORIES["UNKNOWN"])
    return texts[normalize_lang(lang)]


def describe_reason(reason: str, lang: str, browser: object = None) -> str:
    """What happened and what the user can do; an unknown reason gets its category's text.
    With `browser` ("firefox", ...), that browser's own meaning of the reason when it has one."""
    texts = None
    if isinstance(browser, str):
        texts = _BROWSER_REASONS.get(browser.strip().lower(), {}).get(reason)
    texts = texts or _REASONS.get(reason)
    if texts is None:
        return describe_category(category_of(reason), lang)
    return texts[normalize_lang(lang)]


def format_delay(ms: int, lang: str) -> str:
    """A delay as a person says it: "250 ms", "1.5 s", "45 s", "2 min 30 s", "1 h 5 min"."""
    lang = normalize_lang(lang)
    sep = _NBSP if lang == "fr" else " "
    ms = max(0, int(ms))
    if ms < 1_000:
        return f"{ms}{sep}ms"
    if ms < 10_000:
        tenths = round(ms / 100)
        whole, frac = divmod(tenths, 10)
        if frac == 0:
            return f"{whole}{sep}s"
        mark = "," if lang == "fr" else "."
        return f"{whole}{mark}{frac}{sep}s"
    seconds = round(ms / 1_000)
    if seconds < 60:
        return f"{seconds}{sep}s"
    if seconds < 3_600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes}{sep}min" + (f" {rest}{sep}s" if rest else "")
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}{sep}h" + (f" {minutes}{sep}min" if minutes else "")


def format_bytes(count: int, lang: str) -> str:
    """A size as a person says it, in powers of 1000: "900 bytes", "1.2 GB" ("1,2 Go")."""
    lang = normalize_lang(lang)
    sep = _NBSP if lang == "fr" else " "
    count = max(0, int(count))
    if count < 1000:
        return f"{count}{sep}" + ("octets" if lang == "fr" else "bytes")
    units = ("ko", "Mo", "Go", "To", "Po") if lang == "fr" else ("kB", "MB", "GB", "TB", "PB")
    value = float(count)
    for unit in units:
        value /= 1000
        if round(value, 1) < 1000 or unit == units[-1]:
            text = f"{value:.1f}".removesuffix(".0")
            return (text.replace(".", ",") if lang == "fr" else text) + sep + unit
    raise AssertionError("unreachable")  # pragma: no cover


def describe_status(status: int | None, lang: str) -> str | None:
    """What an HTTP status means, for the statuses that say more than a reason; else None."""
    if status is None:
        return None
    texts = _STATUSES.get(status) or (_STATUSES["5xx"] if 500 <= status <= 599 else None)
    return texts[normalize_lang(lang)].format(status=status) if texts else None


def _attempts(count: int, lang: str) -> str:
    singular, plural = _ATTEMPTS[lang]
    one = count == 1 or (lang == "fr" and count == 0)
    return (singular if one else plural).format(count=count)


def explain(decision: Decision, lang: str) -> str:
    """One short text for a notification or the popup: what happened, what dlrescue does."""
    lang = normalize_lang(lang)
    reason, category = decision.reason, decision.category
    known = reason in KNOWN_REASONS

    if decision.cause == "paused":
        return f"{describe_reason(PAUSED, lang)} {_DOING['paused'][lang]}"
    if decision.cause == "unknown_reason" or not known:
        reported = _DOING["unknown_reason"][lang].format(reason=reason)
        if category in _CATEGORIES and category != "UNKNOWN":
            return f"{describe_category(category, lang)} {reported}"
        return reported

    if decision.cause == "no_progress":
        return _DOING["no_progress"][lang]
    if decision.cause == "no_space":
        folder = decision.folder or _SOME_FOLDER[lang]
        needed = format_bytes(decision.bytes_needed or 0, lang)
        wait = "no_space_restart" if decision.action == "restart" else "no_space"
        return f"{_DISK_FULL[lang]} " + _WAITS[wait][lang].format(bytes=needed, folder=folder)
    what = describe_status(decision.http_status, lang) or describe_reason(
        reason, lang, decision.browser
    )
    if decision.cause in ("sign_in", "gone"):
        return f"{what} {_WAITS[decision.cause][lang]}"
    if decision.cause == "retry_after":
        delay = format_delay(decision.delay_ms, lang)
        what = f"{what} {_WAITS[decision.cause][lang].format(delay=delay)}"
    elif decision.cause in ("site_wait", "site_paused"):  # the site, not this download's reason
        delay = format_delay(decision.delay_ms, lang)
        what = _WAITS[decision.cause][lang].format(delay=delay)
    if decision.action in ("resume", "restart"):
        when = (
            _IN[lang].format(delay=format_delay(decision.delay_ms, lang))
            if decision.delay_ms > 0
            else _NOW[lang]
        )
        key = "cannot_resume" if decision.cause == "cannot_resume" else decision.action
        doing = _DOING[key][lang].format(
            when=when, attempt=decision.attempt, max=decision.max_attempts
        )
    elif decision.cause == "gave_up":
        if decision.max_attempts <= 0:
            doing = _DOING["no_attempts"][lang]
        else:
            doing = _DOING["gave_up"][lang].format(n=_attempts(decision.max_attempts, lang))
    elif decision.cause == "not_http":
        doing = _DOING["not_http"][lang]
    else:
        doing = _DOING["leave"][lang]
    return f"{what} {doing}"
