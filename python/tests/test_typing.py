"""The package's type hints, the _core stub and py.typed: an editor or type checker sees the
calls' types, and the stub lists exactly what the compiled module has."""
import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import plantwin
from plantwin import _core

PACKAGE = Path(plantwin.__file__).parent


def _stub_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    top, sim = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
            if isinstance(node, ast.ClassDef) and node.name == "Simulation":
                sim = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
    return top, sim


def test_the_package_is_marked_typed_and_has_a_stub_for_core():
    assert (PACKAGE / "py.typed").is_file()
    top, sim = _stub_names(ast.parse((PACKAGE / "_core.pyi").read_text()))
    public = {n for n in dir(_core) if not n.startswith("_")} | {"__version__"}
    assert top - {"FloatArray", "KpiTuple", "AppliedTuple"} == public
    assert sim == {n for n in dir(_core.Simulation) if not n.startswith("_")}


def test_every_public_call_has_type_hints():
    import inspect
    for name in plantwin.__all__:
        obj = getattr(plantwin, name)
        members = [obj] if inspect.isfunction(obj) else [
            m for n, m in vars(obj).items() if inspect.isfunction(m) and not n.startswith("_")
        ] if inspect.isclass(obj) and obj.__module__.startswith("plantwin") else []
        for f in members:
            sig = inspect.signature(f)
            assert "return" in f.__annotations__, f"{name}.{f.__name__}: no return type"
            for p in sig.parameters.values():
                if p.name != "self":
                    assert p.annotation is not inspect.Parameter.empty, f"{f.__qualname__}({p.name})"


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy (Debian: mypy) is not installed")
def test_a_type_checker_finds_wrong_calls_and_none_in_the_package(tmp_path):
    user = tmp_path / "user.py"
    user.write_text(
        "import plantwin\n"
        "sim = plantwin.load('x.yaml', overrides={'components.m.servers': 2})\n"
        "sim.run(until='soon')\n"
        "runs = plantwin.replicate('x.yaml', n='3')\n"
        "t, v = plantwin.open('x.h5').signal('q.level')\n")
    env = dict(os.environ, MYPYPATH=str(PACKAGE.parent))
    common = ["mypy", "--ignore-missing-imports", "--no-error-summary",
              "--cache-dir", str(tmp_path / "cache")]
    out = subprocess.run(common + [str(user)], capture_output=True, text=True, env=env).stdout
    assert 'user.py:3: error: Argument "until" to "run" of "Simulation" has incompatible type "str"' in out
    assert 'user.py:4: error: Argument "n" to "replicate" has incompatible type "str"' in out
    assert len(out.strip().splitlines()) == 2, out
    pkg = subprocess.run(common + ["-p", "plantwin"], capture_output=True, text=True, env=env,
                         cwd=PACKAGE.parent)
    assert pkg.returncode == 0, pkg.stdout
