"""Same input, byte-identical output: across runs, hash seeds and the order files are found in."""

import shutil
from pathlib import Path

from tests.conftest import EXAMPLES, run_obsgen


def tree(root: Path) -> dict[str, bytes]:
    """Every output file; the rerun cache (keyed by the input files' names) is not output."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_identical_output_with_any_hash_seed_and_file_order(tmp_path):
    # The same specs, with files renamed so that they sort (and are listed) in another order.
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for i, path in enumerate(sorted(EXAMPLES.glob("*.yaml"), reverse=True)):
        shutil.copy(path, shuffled / f"{i:02d}-{path.name}")
    outputs = []
    for n, (specs, seed) in enumerate([(EXAMPLES, "0"), (EXAMPLES, "12345"), (shuffled, "random")]):
        out = tmp_path / f"out{n}"
        result = run_obsgen("generate", str(specs), "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outputs.append(tree(out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) > 8
