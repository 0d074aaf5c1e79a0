"""Every ```json block in README.md passes `chimera check`.

What is substituted, and why (nothing else is touched):
- `/srv/data`, the linux backend's root, becomes a temporary directory: the
  backend refuses a root that does not exist, and the test must not create
  directories outside its own temp space.
- `/opt/plugins/chimera_vfs_mine.so`, the README's third-party module, becomes
  the built C test module (build/test-plugins/chimera_vfs_ctest.so): the
  README's file is an example name, not a file that exists.
- The config is written into a temporary directory with `lib/chimera` linked
  to the build's plugins, so the README's relative `plugin_dir` resolves as
  written.
- A fragment (a block that is not a whole document, such as the `"nfs": {...}`
  protocol object) is placed where the README says it goes, inside a minimal
  config of a memfs mount and a linux mount (root `/srv/data`, as above); a `...` line separates fragments that belong in different sections.
"""

import json
import os
import re

import pytest

from chimera_test_support import PLUGINS, REPO, TEST_PLUGINS, run_chimera


def readme_blocks():
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    return re.findall(r"```json\n(.*?)```", text, re.S)


def strip_comments(text):
    """Comments removed outside strings, only to see a fragment's shape."""
    return re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S)


def as_document(block):
    """A whole document stays as written; fragments go where they belong."""
    if block.lstrip().startswith("{"):
        return block
    protocols, top = [], []
    for part in re.split(r"^\.\.\.$", block, flags=re.M):
        part = part.strip().rstrip(",")
        if not part:
            continue
        key = json.loads("{" + strip_comments(part) + "}")
        (name,) = key.keys()
        (top if name in ("mounts", "shares", "buckets") else protocols).append(part)
    sections = [
        '"server": {"vfs": {"memfs": {}, "linux": {"config": {"root": "/srv/data"}}}, "protocols": {' + ",\n".join(protocols) + "}}",
    ]
    if not any(p.startswith('"mounts"') for p in top):
        sections.append('"mounts": {"memfs": {"module": "memfs"}, "linux": {"module": "linux"}}')
    return "{\n" + ",\n".join(sections + top) + "\n}\n"


BLOCKS = readme_blocks()


def test_the_readme_has_config_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_json_block_passes_check(index, tmp_path):
    data = tmp_path / "srv-data"
    data.mkdir()
    text = as_document(BLOCKS[index])
    text = text.replace('"/srv/data"', json.dumps(str(data)))
    # A FUSE mount point must exist for `check`; the README's stands for the reader's own.
    mount_point = tmp_path / "mnt-chimera"
    mount_point.mkdir()
    text = text.replace('"/mnt/chimera"', json.dumps(str(mount_point)))
    text = text.replace('"/opt/plugins/chimera_vfs_mine.so"', json.dumps(os.path.join(TEST_PLUGINS, "chimera_vfs_ctest.so")))
    (tmp_path / "lib").mkdir()
    os.symlink(PLUGINS, tmp_path / "lib" / "chimera")
    config = tmp_path / "config.json"
    config.write_text(text)
    result = run_chimera("check", "--config", str(config))
    assert result.returncode == 0, f"README block {index}:\n{text}\n{result.stdout}{result.stderr}"
    assert "OK" in result.stdout
