"""extension/managed_schema.json, the schema Chrome validates the administrator's policy
against, is generated from policy.toml's models (scripts/managed_schema.py), never written
by hand: the committed file is what the command writes today."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "managed_schema.py"
SCHEMA = ROOT / "extension" / "managed_schema.json"


def test_the_committed_managed_schema_is_what_the_command_writes() -> None:
    """`python scripts/managed_schema.py --check` passes: edit policy_schema.py, reasons.py
    or the script and the committed file must be written again."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_manifest_declares_it_and_it_has_the_models_shape_and_types_only() -> None:
    """storage.managed_schema points at it; its tables and each rule's and site's keys are the
    models', with their types but no choices, limits or list of names (Chrome would drop a
    whole table for one value out of range, and a misspelt reason silently, where the host
    names each and applies the rest); it uses only what Chrome's schema takes."""
    from native_host.policy_schema import BrowserFile, PolicyFile, RuleFile, SiteFile

    manifest = json.loads((ROOT / "extension" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["storage"]["managed_schema"] == SCHEMA.name
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    tables = schema["properties"]
    assert set(tables) == set(PolicyFile.model_fields)
    rule = tables["categories"]["additionalProperties"]
    assert rule["id"] == "RuleFile" and set(rule["properties"]) == set(RuleFile.model_fields)
    assert rule["properties"]["action"] == {"type": "string"}
    assert rule["properties"]["max_attempts"] == {"type": "integer"}
    assert rule["properties"]["backoff_factor"] == {"type": "number"}
    for table in ("reasons", "status"):
        assert tables[table]["additionalProperties"] == {"$ref": "RuleFile"}
    browser = tables["browsers"]["additionalProperties"]
    assert set(browser["properties"]) == set(BrowserFile.model_fields)
    assert set(tables["sites"]["additionalProperties"]["properties"]) == set(SiteFile.model_fields)

    allowed = {"type", "properties", "additionalProperties", "id", "$ref", "description"}

    def walk(node: dict[str, object]) -> None:
        assert set(node) <= allowed, set(node) - allowed
        for child in dict(node.get("properties", {})).values():  # type: ignore[call-overload]
            walk(child)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"])  # type: ignore[arg-type]

    walk(schema)
