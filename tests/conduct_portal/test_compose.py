import shutil
import subprocess
from pathlib import Path

import yaml

from tests.support import require

ROOT = Path(__file__).resolve().parents[2]


def compose_config(tmp_path: Path, *options: str) -> subprocess.CompletedProcess:
    compose = shutil.which("docker-compose")
    require(compose is not None, "docker-compose (Debian package)")
    # As an operator would: copy .env.example to .env beside docker-compose.yml.
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return subprocess.run(
        [compose, "-f", "docker-compose.yml", "config", *options],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_docker_compose_file_is_valid_with_the_example_environment(tmp_path):
    result = compose_config(tmp_path, "-q")
    assert result.returncode == 0, result.stderr


def test_only_the_proxy_is_published_and_web_trusts_exactly_it(tmp_path):
    # The configuration as docker-compose resolves it (anchors merged, .env read).
    result = compose_config(tmp_path)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    # Mailpit's web page shows caught test mail; it is not the portal.
    assert published == {"proxy", "mail"}
    command = services["proxy"]["command"]
    command = command if isinstance(command, str) else " ".join(command)
    assert "caddy reverse-proxy" in command and "--to web:8000" in command
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert "8000" in [str(port) for port in services["web"]["expose"]]
    # The other processes answer no request: they keep the default, trusting no header.
    for name in ("worker", "worker-urgent", "beat", "migrate"):
        assert "TRUSTED_PROXY_COUNT" not in services[name].get("environment", {})


def test_docker_compose_runs_every_part_of_production():
    text = (ROOT / "docker-compose.yml").read_text()
    for service in (
        "proxy:", "postgres:", "redis:", "web:", "worker:", "worker-urgent:", "beat:", "mail:",
    ):  # fmt: skip
        assert service in text
