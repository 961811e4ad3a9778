"""A plain, non-editable install works from anywhere: the grammar ships
inside the wheel."""

import os
import subprocess
import sys
import venv
import zipfile

from .conftest import PLAYBOOKS, ROOT


def site_folders() -> list[str]:
    """The folders this interpreter imports installed packages from: its own
    venv's, the system's when the venv was made with --system-site-packages,
    or the system's alone. A child venv made with `system_site_packages`
    would see only the base interpreter's, without this venv's packages."""
    return [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages") and os.path.isdir(p)]


def test_wheel_ships_the_grammar_and_runs_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("nurturedsl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "nurturedsl/grammar/nurture.lark" in names

    # The dependencies come from this interpreter's folders (a .pth file
    # adds them after the child's own, and a path in a .pth runs none of the
    # .pth files in it, so an editable install of nurturedsl stays out); the
    # package itself only from the wheel, never from the source tree.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    child_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(os.path.join(child_site, "parent-site.pth"), "w") as pth:
        pth.write("".join(folder + "\n" for folder in site_folders()))
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(env_dir / "bin" / "nurturedsl"), "check", str(PLAYBOOKS)], cwd=elsewhere, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    where = subprocess.run(
        [str(python), "-c", "import nurturedsl.syntax as s; print(s.grammar_path())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and "site-packages" in where
