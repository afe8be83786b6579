import re
import subprocess
from pathlib import Path

from tests.e2e.test_stack import stack  # noqa: F401

SECTION = Path(__file__).resolve().parents[2] / "services/inquiries/open311/README-section.md"


def test_readme_walk(stack):  # noqa: F811
    blocks = re.findall(r"```sh\n(.*?)```", SECTION.read_text(), re.S)
    script = "set -e\n" + "\n".join(blocks).replace("http://127.0.0.1:8000", stack.base)
    script = script.replace("curl -s", "curl -sS").replace("\ncurl ", "\necho; echo ---; curl ")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    print(out.stdout[-3000:])
    print(out.stderr)
    assert out.returncode == 0
