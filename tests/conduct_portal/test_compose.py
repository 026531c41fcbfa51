import shutil
import subprocess
from pathlib import Path

from tests.support import require

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_file_is_valid_with_the_example_environment(tmp_path):
    compose = shutil.which("docker-compose")
    require(compose is not None, "docker-compose (Debian package)")
    # As an operator would: copy .env.example to .env beside docker-compose.yml.
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_docker_compose_runs_every_part_of_production():
    text = (ROOT / "docker-compose.yml").read_text()
    for service in ("postgres:", "redis:", "web:", "worker:", "worker-urgent:", "beat:", "mail:"):
        assert service in text
