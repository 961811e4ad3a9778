"""A plain, non-editable install works from anywhere: the grammar ships
inside the wheel."""

import subprocess
import sys
import venv
import zipfile

from .conftest import PLAYBOOKS, ROOT


def test_wheel_ships_the_grammar_and_runs_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("nurturedsl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "nurturedsl/grammar/nurture.lark" in names

    # The dependencies come from this interpreter; the package itself only
    # from the wheel, never from the source tree.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "--quiet", str(wheel)], check=True,
                   capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(env_dir / "bin" / "nurturedsl"), "check", str(PLAYBOOKS)], cwd=elsewhere,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    where = subprocess.run([str(python), "-c", "import nurturedsl.syntax as s; print(s.grammar_path())"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in where and "site-packages" in where
