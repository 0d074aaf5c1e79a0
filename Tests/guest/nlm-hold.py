#!/usr/bin/env python3
"""Host side of the guest's nlm-core workload: take a write lock on a file through the server's core (an NLM
client over TCP, caller name "chimera-test-client"), say so by creating MARKER, hold it HOLD seconds, release
it. The guest's fcntl lock on the same file must meet it. Every wait is bounded; exit 0 when each step worked."""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from nfs_rpc import NFSClient  # noqa: E402
from nlm_rpc import DENIED, DENIED_GRACE_PERIOD, GRANTED, NLMClient  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--nfs-port", type=int, default=2049)
    ap.add_argument("--mount-port", type=int, default=20048)
    ap.add_argument("--export", required=True)
    ap.add_argument("--path", required=True, help="the file, relative to the export")
    ap.add_argument("--marker", required=True, help="created once the lock is held")
    ap.add_argument("--hold", type=float, default=8)
    ap.add_argument("--expect-reclaimed", action="store_true",
                    help="after a restart: wait out the grace period, then write MARKER saying whether the guest "
                         "(which reclaimed its lock) still holds FILE")
    a = ap.parse_args()
    with NFSClient(a.mount_port, host=a.server, timeout=20) as m:
        status, result = m.mnt(a.export)
        if status != 0:
            print(f"nlm-hold: MNT {a.export}: {status}")
            return 1
        fh = result[0]
    with NFSClient(a.nfs_port, host=a.server, timeout=20) as c:
        for name in a.path.split("/"):
            status, found = c.lookup(fh, name)
            if status != 0:
                print(f"nlm-hold: LOOKUP {name}: {status}")
                return 1
            fh = found[0]
    with NLMClient(a.nfs_port, "chimera-test-client", host=a.server, timeout=20) as nlm:
        if a.expect_reclaimed:
            return after_restart(nlm, fh, a.marker)
        status = nlm.lock(fh, svid=4242)
        if status != GRANTED:
            print(f"nlm-hold: LOCK: status {status}")
            return 1
        print(f"nlm-hold: holding a write lock on {a.path} through the core for {a.hold} s", flush=True)
        with open(a.marker, "w") as f:
            f.write("held\n")
        end = time.monotonic() + a.hold
        while time.monotonic() < end:
            time.sleep(0.5)
        status = nlm.unlock(fh, svid=4242)
        print(f"nlm-hold: released (UNLOCK {status})", flush=True)
        # The guest's F_SETLKW should now hold it, so a new lock of ours is refused; wait for it (bounded).
        end = time.monotonic() + 40
        while time.monotonic() < end:
            status = nlm.lock(fh, svid=4243)
            if status == DENIED:
                print("nlm-hold: the guest holds it now (LOCK from the test client DENIED)", flush=True)
                return 0
            if status == GRANTED:
                nlm.unlock(fh, svid=4243)
            time.sleep(0.5)
        print("nlm-hold: the guest never took the lock")
        return 1


def after_restart(nlm, fh, marker):
    """During the grace period a new lock is DENIED_GRACE_PERIOD; after it, DENIED when the guest reclaimed."""
    end = time.monotonic() + 120
    status = None
    while time.monotonic() < end:
        status = nlm.lock(fh, svid=4244)
        if status != DENIED_GRACE_PERIOD:
            break
        time.sleep(1)
    verdict = {DENIED: "held-by-guest", GRANTED: "not-held"}.get(status, f"status-{status}")
    print(f"nlm-hold: after the restart a test client's LOCK says {status}: {verdict}", flush=True)
    if status == GRANTED:
        nlm.unlock(fh, svid=4244)
    with open(marker, "w") as f:
        f.write(verdict + "\n")
    return 0 if status == DENIED else 1


if __name__ == "__main__":
    sys.exit(main())
