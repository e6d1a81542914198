"""An installed wheel carries the default workflows, notices and examples."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_works_from_a_fresh_virtualenv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("inspect_engine-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECT_")}
    exe = str(env_dir / "bin" / "inspect-engine")

    listed = subprocess.run(
        [exe, "workflow", "list", "--json"], cwd=work, env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert "cchc-inspection" in listed.stdout
    assert "_data/workflows" in listed.stdout, "definitions come from inside the installed package"

    demo = subprocess.run(
        [exe, "demo", "--dir", "d"], cwd=work, env=env, capture_output=True, text=True
    )
    assert demo.returncode == 0, demo.stderr
    assert "15 departments, 126 communes/wards, 141 open cases" in demo.stdout
    site = subprocess.run(
        [
            str(python),
            "-c",
            "import inspect_engine, pathlib; print(pathlib.Path(inspect_engine.__file__).parent)",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert str(env_dir) in site, "the installed package, not the checkout"
    notices = Path(site) / "_data" / "notices"
    assert (notices / "README.md").is_file() and (notices / "forms.toml").is_file()
    assert (Path(site) / "_data" / "workflows" / "cchc-inspection" / "v1.yaml").is_file()
