"""The conformance kit (`chimera vfs-test`) must fail broken modules, not
only pass good ones (issue #17).

Three builds of one small in-memory C module (Tests/plugins/c/mem_module.c,
built by the Makefile's c-plugins recipe): the good one, one whose LOOKUP
always answers NOENT, and one whose handles alias new objects after a
restart. Each runs the whole kit; the test reads its per-check lines."""

import os
import re

import pytest

from chimera_test_support import TEST_PLUGINS, run_chimera

LINE = re.compile(r"^(ok|FAIL|skip)\s+([a-z_.0-9-]+)(?::\s*(.*))?$")


def module(variant):
    path = os.path.join(TEST_PLUGINS, f"chimera_vfs_cmem{variant}.so")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run `make build` (its c-plugins step builds it)")
    return path


def run_kit(variant, *checks):
    """Run the kit; returns (exit code, {check: (verdict, detail)}, stdout)."""
    args = ["vfs-test", "--module", module(variant)]
    for c in checks:
        args += ["--check", c]
    r = run_chimera(*args, timeout=600)
    results = {}
    for line in r.stdout.splitlines():
        m = LINE.match(line.strip())
        if m:
            results[m.group(2)] = (m.group(1), m.group(3) or "")
    assert results, f"the kit printed no check lines: {r.stdout[-2000:]} {r.stderr[-2000:]}"
    return r.returncode, results, r.stdout


def failed(results):
    return {name for name, (verdict, _) in results.items() if verdict == "FAIL"}


def test_the_good_module_passes_every_check_it_does_not_skip():
    rc, results, out = run_kit("")
    assert failed(results) == set(), out
    assert rc == 0
    for name in ("lookup.found", "lookup.utf8-name", "handle.stable", "handle.stale-file", "restart.stale-handles"):
        assert results[name][0] == "ok", (name, results[name])


def test_the_kit_fails_a_module_whose_lookup_always_answers_noent():
    rc, results, out = run_kit("_broken_lookup")
    assert rc != 0
    # The kit's LOOKUPs reach the module: no core cache answers them.
    for name in ("lookup.found", "lookup.name-255-bytes", "lookup.utf8-name", "handle.stable"):
        verdict, detail = results[name]
        assert verdict == "FAIL", (name, verdict, detail)
        assert "NOENT" in detail, (name, detail)
    # What LOOKUP answers NOENT for anyway still passes.
    assert results["lookup.noent"][0] == "ok"


def test_the_kit_fails_a_module_whose_handles_alias_after_restart():
    rc, results, out = run_kit("_alias_handles")
    assert rc != 0
    verdict, detail = results["restart.stale-handles"]
    assert verdict == "FAIL", detail
    assert "got OK" in detail, detail
    # Nothing else is wrong with this variant: the restart check alone catches it.
    assert failed(results) == {"restart.stale-handles"}, out


def test_check_selects_chapters_by_prefix():
    rc, results, _ = run_kit("_alias_handles", "restart.")
    assert set(results) == {"restart.persistent-handles", "restart.stale-handles"}
    assert results["restart.persistent-handles"][0] == "skip"
    assert rc != 0
