"""Standard Webhooks signatures (shared/webhooks/signing.py) and the README's receiver snippets: what the
sender signs, the Python snippet verifies (and the TypeScript one, run with Node.js when it is installed,
its type annotations taken off); another secret, a changed body and an old timestamp fail. Also the
destination rules of shared/webhooks/destinations.py, without the network."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.webhooks import destinations, signing

README = Path(__file__).resolve().parents[1] / "README.md"


def snippet(language: str) -> str:
    text = README.read_text(encoding="utf-8").split("### Events and webhooks", 1)[1]
    found = re.search(rf"```{language}\n(.*?)```", text, re.S)
    assert found, f"README.md has no {language} snippet under 'Events and webhooks'"
    return found.group(1)


def readme_verify() -> Callable[..., bool]:
    namespace: dict[str, Any] = {}
    exec(snippet("python"), namespace)  # the README's own code, as a receiver would paste it
    verify: Callable[..., bool] = namespace["verify"]
    return verify


def signed(secrets: list[str], body: bytes, stamp: int) -> dict[str, str]:
    return {
        "webhook-id": "evt-1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": signing.signature_header(secrets, "evt-1", stamp, body),
    }


def test_the_readme_python_snippet_verifies_what_the_sender_signs() -> None:
    verify = readme_verify()
    old, new = signing.new_secret(), signing.new_secret()
    body = json.dumps({"id": "evt-1", "data": {"status": "approved"}}).encode()
    now = int(time.time())
    headers = signed([new, old], body, now)
    assert verify(new, headers, body) and verify(old, headers, body)
    assert signing.verify(new, headers, body, now=now) and signing.verify(old, headers, body, now=now)
    assert not verify(signing.new_secret(), headers, body)
    assert not verify(new, headers, body + b" ")
    stale = signed([new], body, now - 3600)
    assert not verify(new, stale, body) and not signing.verify(new, stale, body, now=now)
    assert not signing.verify(new, {**headers, "webhook-timestamp": "x"}, body, now=now)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_readme_typescript_snippet_verifies_what_the_sender_signs(tmp_path: Path) -> None:
    code = snippet("typescript")
    code = code.replace('import { createHmac, timingSafeEqual } from "node:crypto";', "")
    code = code.replace("export function", "function")
    code = re.sub(r"(\w)\s*:\s*(?:Record<[^>]+>|string|Buffer|boolean)(?=[,)=\s{])", r"\1", code)
    code = re.sub(r"\)\s*:\s*boolean\s*\{", ") {", code)
    secret, other = signing.new_secret(), signing.new_secret()
    body = b'{"id":"evt-1"}'
    headers = signed([secret], body, int(time.time()))
    script = (
        'const { createHmac, timingSafeEqual } = require("node:crypto");\n'
        + code
        + f"\nconst h = {json.dumps(headers)}; const b = Buffer.from({json.dumps(body.decode())});\n"
        + f"console.log(JSON.stringify([verify({json.dumps(secret)}, h, b), verify({json.dumps(other)}, h, b)]));\n"
    )
    path = tmp_path / "verify.js"
    path.write_text(script, encoding="utf-8")
    out = subprocess.run(["node", str(path)], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == [True, False]


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("https://hooks.example.com/in", [], False),
        ("https://93.184.216.34/in", [], False),
        ("http://hooks.example.com/in", [], True),
        ("http://hooks.internal/in", ["hooks.internal"], False),
        ("https://10.0.0.7/in", [], True),
        ("https://10.0.0.7/in", ["10.0.0.0/8"], False),
        ("http://127.0.0.1:9000/in", ["127.0.0.1"], False),
        ("http://127.0.0.2:9000/in", ["127.0.0.1"], True),
        ("https://[fe80::1]/in", [], True),
        ("https://100.64.0.1/in", [], True),
        ("https://app.localhost/in", [], True),
        ("https://hooks.example.com:99999/in", [], True),
        ("https://a b.example.com/in", [], True),
        ("https://é.example.com/in", [], True),
        ("https://xn--9ca.example.com/in", [], False),
    ],
)
def test_destinations(url: str, allowed: list[str], refused: bool) -> None:
    assert (destinations.problem(url, allowed) is not None) is refused


async def test_a_name_is_resolved_at_each_attempt_and_a_private_answer_refused() -> None:
    # `localhost` resolves to loopback without any network: refused unless the name or address is listed.
    assert await destinations.refused("http://127.0.0.1:9/in", ["127.0.0.1"]) is None
    assert await destinations.refused("https://localhost/in", []) is not None
    assert await destinations.refused("https://localhost/in", ["localhost"]) is None
    reason = await destinations.refused("https://localhost./in", [])
    assert reason is not None and ("non-public" in reason or "loopback" in reason or "resolve" in reason)
