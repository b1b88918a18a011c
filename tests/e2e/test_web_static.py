"""The web app (`web/`, docs/decisions/006-web.md): served by the local runtime with the right
content types, bilingual dictionaries that agree, an index.html without inline code, and every
string key the code uses present in both languages.

The file checks need no runtime; the HTTP checks need the local runtime (a deployed stage serves
its API only: the web app is on CloudFront). A Chromium smoke check runs only where
`/usr/bin/chromium` exists (not in CI)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
OPENAPI = REPO / "docs" / "openapi.json"
JS_FILES = sorted(WEB.rglob("*.js"))

CONTENT_TYPES = {
    ".html": ("text/html",),
    ".js": ("text/javascript", "application/javascript"),
    ".json": ("application/json",),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
}


def _dictionaries() -> dict[str, dict[str, str]]:
    return json.loads((WEB / "i18n.json").read_text(encoding="utf-8"))


def _js_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in JS_FILES)


# --- served by the local runtime ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_api(api: str, is_local: bool) -> str:
    if not is_local:
        pytest.skip(
            "the web app is served by the local runtime (on AWS: CloudFront, tests/infra/test_web.py)"
        )
    return api


def test_root_serves_index_html(local_api: str) -> None:
    response = requests.get(f"{local_api}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in response.text
    assert response.content == (WEB / "index.html").read_bytes()


@pytest.mark.parametrize(
    "path", ["/app.js", "/i18n.js", "/i18n.json", "/config.json", "/styles.css", "/favicon.svg"]
)
def test_app_files_are_served_with_their_content_type(local_api: str, path: str) -> None:
    response = requests.get(f"{local_api}{path}", timeout=10)
    assert response.status_code == 200, path
    content_type = response.headers["content-type"].split(";")[0].strip()
    assert content_type in CONTENT_TYPES[Path(path).suffix], (path, content_type)
    assert response.content == (WEB / path.lstrip("/")).read_bytes()


def test_every_file_of_the_app_is_served(local_api: str) -> None:
    for path in sorted(p for p in WEB.rglob("*") if p.is_file()):
        relative = path.relative_to(WEB).as_posix()
        response = requests.get(f"{local_api}/{relative}", timeout=10)
        assert response.status_code == 200, relative
        content_type = response.headers["content-type"].split(";")[0].strip()
        assert content_type in CONTENT_TYPES[path.suffix], (relative, content_type)


def test_local_config_uses_the_same_origin_and_the_dev_sign_in(local_api: str) -> None:
    config = requests.get(f"{local_api}/config.json", timeout=10).json()
    assert config == {"apiUrl": "", "auth": {"mode": "local"}}


def test_api_routes_still_win_over_static_files(local_api: str) -> None:
    response = requests.get(f"{local_api}/v1/entities", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


# --- the files ---------------------------------------------------------------------------------------
class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


@pytest.fixture(scope="module")
def index() -> _Html:
    parser = _Html()
    parser.feed((WEB / "index.html").read_text(encoding="utf-8"))
    return parser


def test_index_is_arabic_and_right_to_left_by_default(index: _Html) -> None:
    html = next(attrs for tag, attrs in index.tags if tag == "html")
    assert html.get("lang") == "ar"
    assert html.get("dir") == "rtl"
    assert any(tag == "meta" and (attrs.get("charset") or "").lower() == "utf-8" for tag, attrs in index.tags)
    assert any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in index.tags)


def test_index_has_a_strict_content_security_policy(index: _Html) -> None:
    (csp,) = [
        attrs.get("content") or ""
        for tag, attrs in index.tags
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    # Locally the API is the same origin; loopback only for presigned uploads to moto's S3.
    assert directives["connect-src"][0] == "'self'"
    assert all(re.fullmatch(r"http://(127\.0\.0\.1|localhost):\*", s) for s in directives["connect-src"][1:])


def test_index_has_no_inline_code(index: _Html) -> None:
    assert index.script_text == [], "inline <script> bodies"
    for tag, attrs in index.tags:
        assert not [name for name in attrs if name.startswith("on")], (
            f"<{tag}> has an event handler attribute"
        )
        assert "style" not in attrs, f"<{tag}> has a style attribute"
        assert tag != "style", "inline <style>"
        if tag == "script":
            assert attrs.get("src") and attrs.get("type") == "module"
        if tag == "a" and attrs.get("href"):
            assert not str(attrs["href"]).lower().startswith("javascript:")


def test_the_code_never_parses_html_or_evaluates_strings() -> None:
    source = _js_source()
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ):
        assert forbidden not in source, forbidden
    assert "setAttribute('style'" not in source and 'setAttribute("style"' not in source


def test_the_token_lives_in_session_storage_only() -> None:
    auth = (WEB / "lib" / "auth.js").read_text(encoding="utf-8")
    assert "sessionStorage.setItem(SESSION_KEY" in auth
    assert "localStorage" not in auth
    for path in JS_FILES:
        text = path.read_text(encoding="utf-8")
        for call in re.findall(r"localStorage\.setItem\(([^,]+),", text):
            assert call.strip() == "STORAGE_KEY" and path.name == "i18n.js", (path, call)


def test_module_imports_resolve() -> None:
    for path in JS_FILES:
        for target in re.findall(
            r"""(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}/[^'"]+)['"]""", path.read_text()
        ):
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports {target}"
    index = (WEB / "index.html").read_text(encoding="utf-8")
    for src in re.findall(r'(?:src|href)="(/[^"#?]*)"', index):
        assert (WEB / src.lstrip("/")).is_file(), src


# --- the dictionaries --------------------------------------------------------------------------------
def test_both_languages_have_the_same_keys() -> None:
    dictionaries = _dictionaries()
    assert set(dictionaries) == {"ar", "en"}
    ar, en = dictionaries["ar"], dictionaries["en"]
    assert sorted(set(ar) ^ set(en)) == []
    for key in ar:
        assert ar[key].strip() and en[key].strip(), f"{key} is empty"
        assert set(re.findall(r"\{(\w+)\}", ar[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key


def test_arabic_strings_are_arabic() -> None:
    # A key left in English in the Arabic dictionary is a translation that was forgotten.
    arabic = re.compile(r"[\u0600-\u06FF]")
    allowed_latin = {"channel.open311"}  # a product name
    for key, value in _dictionaries()["ar"].items():
        if key not in allowed_latin:
            assert arabic.search(value), f"ar[{key}] = {value!r}"


def _used_keys() -> set[str]:
    source = _js_source()
    keys = set(re.findall(r"""(?<![\w.$])(?:t|tMaybe)\(\s*['"]([^'"]+)['"]""", source))
    # Keys passed around as values (nav entries, action titles, messages): every string literal
    # shaped like a key. Storage keys and file names are not.
    for literal in re.findall(r"""['"]([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)['"]""", source):
        if not literal.startswith("tawasul.") and not re.search(r"\.(json|js|css|svg|html)$", literal):
            keys.add(literal)
    html = (WEB / "index.html").read_text(encoding="utf-8")
    keys.update(re.findall(r'data-i18n(?:-label|-placeholder)?="([^"]+)"', html))
    return keys


def test_every_key_the_code_uses_exists_in_both_languages() -> None:
    dictionaries = _dictionaries()
    used = _used_keys()
    assert len(used) > 100
    for language, entries in dictionaries.items():
        missing = sorted(used - set(entries))
        assert missing == [], f"{language}: {missing}"


def _enum(schemas: dict[str, Any], name: str) -> list[str]:
    return list(schemas[name]["enum"])


def test_key_families_cover_the_api_contract() -> None:
    """Keys built at run time (`status.${status}`, ...) exist for every value the API can send."""
    schemas = json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]
    attachment = schemas["AttachmentView"]["properties"]
    families: dict[str, list[str]] = {
        "status": _enum(schemas, "Status"),
        "type": _enum(schemas, "CaseType"),
        "sla": _enum(schemas, "SlaState"),
        "reject": _enum(schemas, "RejectReason"),
        "outcome": _enum(schemas, "SuggestionOutcome"),
        "language": _enum(schemas, "Language"),
        "channel": [
            *schemas["SubmitCaseRequest"]["properties"]["channel"]["enum"],
            *schemas["IntakeRequest"]["properties"]["channel"]["enum"],
            "open311",
        ],
        "day": schemas["CalendarBody"]["properties"]["week"]["items"]["enum"],
        "files.status": attachment["status"]["enum"],
        "files.reason": attachment["reason"]["anyOf"][0]["enum"],
        "role": ["citizen", "agent", "supervisor", "head", "oversight"],
        "level": ["0", "1", "2", "3"],
    }
    expected = {f"{family}.{value}" for family, values in families.items() for value in values}
    expected |= {f"type.{value}.hint" for value in families["type"]}
    for language, entries in _dictionaries().items():
        assert sorted(expected - set(entries)) == [], language


# --- optional: a real browser ------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (CI has none)")
def test_chromium_renders_the_catalogue(local_api: str, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path}",
            "--virtual-time-budget=8000",
            "--dump-dom",
            f"{local_api}/",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    dom = result.stdout
    assert 'dir="rtl"' in dom, result.stderr[-2000:]
    entities = requests.get(f"{local_api}/v1/entities", timeout=10).json()["items"]
    assert dom.count('class="entity-card') == len(entities)
    assert entities[0]["name_ar"] in dom
