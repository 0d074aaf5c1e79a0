"""NFSv3 procedure by procedure through a raw RPC client (RFC 1813): what the
reply says, and that what it says is true: exclusive create with verifiers,
the SETATTR guard, write stability and the verifier, retransmissions answered
from the duplicate request cache, READDIR paging by cookie, FSINFO limits,
ACCESS from the mode bits."""

import pytest

from chimera_test_support import serve
from nfs_rpc import (ACCESS_EXECUTE, ACCESS_LOOKUP, ACCESS_MODIFY, ACCESS_READ, COMMIT, DATA_SYNC, EXCLUSIVE,
                     FILE_SYNC, GUARDED, LINK, MKNOD, NFS3ERR_BAD_COOKIE, NFS3ERR_EXIST, NFS3ERR_INVAL,
                     NFS3ERR_NOENT, NFS3ERR_NOT_SYNC, NFS3ERR_NOTEMPTY, NFS3ERR_STALE, NFS_PROGRAM, NFS_V3,
                     PATHCONF, READLINK, RMDIR, SYMLINK, UNSTABLE, WRITE, NFSClient, NFSPorts, Packer, Unpacker,
                     auth_sys, mount_root, nfs_config, post_op_attr, sattr, wcc_data)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("nfs-protocol")
    (work / "linux").mkdir()
    ports = NFSPorts()
    with serve(nfs_config(ports, str(work / "linux")), wait_ports=(ports.nfs, ports.mount),
               directory=str(work)) as s:
        s.ports = ports
        yield s
        assert s.process.poll() is None, s.log[-4000:]


MOUNTS = ["memfs", "linux"]


@pytest.fixture(params=MOUNTS)
def env(server, request):
    """(client, a fresh directory handle) on each mount."""
    root = mount_root(server.ports, "/" + request.param)
    with NFSClient(server.ports.nfs) as c:
        name = f"{request.node.name}".replace("[", "-").replace("]", "")
        status, made = c.mkdir(root, name)
        assert status == 0, status
        yield c, made[0]


def test_create_modes(env):
    c, d = env
    status, (fh, attrs), _ = c.create(d, "f", mode=0o640)
    assert status == 0 and attrs["mode"] == 0o640 and attrs["type"] == 1 and attrs["size"] == 0
    assert c.create(d, "f", how=GUARDED)[0] == NFS3ERR_EXIST
    # UNCHECKED on an existing file keeps it (and its handle); size 0 truncates it.
    c.write(fh, 0, b"data", FILE_SYNC)
    status, (again, attrs), _ = c.create(d, "f")
    assert status == 0 and again == fh and attrs["size"] == 4
    status, (again, attrs), _ = c.create(d, "f", size=0)
    assert status == 0 and attrs["size"] == 0


def test_exclusive_create_with_verifier(env):
    c, d = env
    status, (fh, _), _ = c.create(d, "x", how=EXCLUSIVE, verifier=b"verifier")
    assert status == 0 and fh
    # A retransmission (same verifier, new xid) succeeds with the same file; another verifier is EXIST.
    status, (again, _), _ = c.create(d, "x", how=EXCLUSIVE, verifier=b"verifier")
    assert status == 0 and again == fh
    assert c.create(d, "x", how=EXCLUSIVE, verifier=b"another!")[0] == NFS3ERR_EXIST


def test_retransmitted_create_is_answered_from_the_duplicate_request_cache(env):
    c, d = env
    xid = c.next_xid()
    status, first, raw_first = c.create(d, "once", how=GUARDED, xid=xid)
    assert status == 0
    # The same call again (same xid, same arguments): the first reply, not EXIST.
    status, second, raw_second = c.create(d, "once", how=GUARDED, xid=xid)
    assert status == 0 and raw_second == raw_first
    # A new xid really runs again.
    assert c.create(d, "once", how=GUARDED)[0] == NFS3ERR_EXIST


def test_setattr_guard_and_changes(env):
    c, d = env
    _, (fh, attrs), _ = c.create(d, "g")
    status, (before, after) = c.setattr(fh, guard_ctime=(1, 2), mode=0o600)
    assert status == NFS3ERR_NOT_SYNC
    status, attrs = c.getattr(fh)
    assert attrs["mode"] == 0o644
    status, (before, after) = c.setattr(fh, guard_ctime=attrs["ctime"], mode=0o600, size=1000, mtime=(1000000, 5))
    assert status == 0
    assert before is not None and before["size"] == 0
    assert after["mode"] == 0o600 and after["size"] == 1000 and after["mtime"] == (1000000, 5)


def test_write_stability_commit_and_the_write_verifier(env):
    c, d = env
    _, (fh, _), _ = c.create(d, "w")
    status, unstable = c.write(fh, 0, b"a" * 5000, UNSTABLE)
    assert status == 0 and unstable["count"] == 5000 and unstable["committed"] in (UNSTABLE, DATA_SYNC, FILE_SYNC)
    status, durable = c.write(fh, 5000, b"b" * 3000, FILE_SYNC)
    assert status == 0 and durable["committed"] == FILE_SYNC
    before, after = durable["wcc"]
    assert before["size"] == 5000 and after["size"] == 8000
    status, verifier = c.commit(fh)
    assert status == 0 and verifier == unstable["verifier"] == durable["verifier"]
    status, result = c.read(fh, 0, 1 << 20)
    assert result["data"] == b"a" * 5000 + b"b" * 3000 and result["eof"]
    status, result = c.read(fh, 9000, 10)
    assert status == 0 and result["data"] == b"" and result["eof"]


def test_write_count_must_match_the_data(env):
    c, d = env
    _, (fh, _), _ = c.create(d, "m")
    args = Packer().opaque(fh).u64(0).u32(10).u32(FILE_SYNC).opaque(b"12345").bytes()
    status, _ = c.nfs(WRITE, args)
    assert status == NFS3ERR_INVAL


def test_one_mib_read_and_write(env):
    c, d = env
    _, (fh, _), _ = c.create(d, "big")
    data = bytes(range(256)) * 4096
    status, result = c.write(fh, 3, data, FILE_SYNC)
    assert status == 0 and result["count"] == 1 << 20
    status, result = c.read(fh, 3, 1 << 20)
    assert status == 0 and result["data"] == data


def test_readdir_pages_by_cookie_and_readdirplus_gives_handles(env):
    c, d = env
    names = {f"n{i:03d}-" + "x" * (i % 40) for i in range(150)}
    for name in names:
        assert c.create(d, name)[0] == 0
    seen, cookie, verifier, pages = [], 0, b"\0" * 8, 0
    while True:
        status, page = c.readdir(d, cookie, verifier, count=1024)
        assert status == 0
        pages += 1
        seen += [e[0] for e in page["entries"]]
        if page["eof"]:
            break
        cookie, verifier = page["entries"][-1][2], page["verifier"]
        assert pages < 200
    assert pages > 3 and sorted(seen) == sorted(names)
    status, plus = c.readdirplus(d, maxcount=1 << 16, dircount=1 << 16)
    assert status == 0 and plus["eof"]
    for name, fileid, _, attrs, fh in plus["entries"]:
        assert attrs["fileid"] == fileid and attrs["type"] == 1
        status, direct = c.getattr(fh)
        assert status == 0 and direct["fileid"] == fileid
    assert c.readdir(d, count=64)[0] == 10005, "too small for any reply: NFS3ERR_TOOSMALL"


def test_readdir_cookie_verifier_is_checked(env):
    c, d = env
    for i in range(20):
        c.create(d, f"e{i}")
    status, page = c.readdir(d, count=256)
    assert status == 0 and not page["eof"]
    cookie = page["entries"][-1][2]
    status, _ = c.readdir(d, cookie, page["verifier"], count=4096)
    assert status == 0
    status, _ = c.readdir(d, cookie, bytes(8 * [0x5A]), count=4096)
    assert status in (0, NFS3ERR_BAD_COOKIE), "a module with stable cookies may accept any verifier"


def test_lookup_dot_dotdot_and_names(env, server):
    c, d = env
    status, (fh, attrs, dir_attrs) = c.lookup(d, ".")
    assert status == 0 and attrs["fileid"] == dir_attrs["fileid"]
    status, (parent, _, _) = c.lookup(d, "..")
    assert status == 0 and parent != d
    assert c.lookup(d, "missing")[0] == NFS3ERR_NOENT
    assert c.lookup(d, "x" * 256)[0] == 63, "NFS3ERR_NAMETOOLONG"


def test_symlink_readlink_mknod_link_rename_rmdir(env):
    c, d = env
    target = b"../some/where/" + b"t" * 200
    args = Packer().opaque(d).opaque("ln").bytes() + sattr(mode=0o777) + Packer().opaque(target).bytes()
    status, u = c.nfs(SYMLINK, args)
    assert status == 0
    assert u.boolean()
    link = u.opaque()
    status, u = c.nfs(READLINK, Packer().opaque(link).bytes())
    post_op_attr(u)
    assert status == 0 and u.opaque() == target

    args = Packer().opaque(d).opaque("fifo").u32(7).bytes() + sattr(mode=0o600)
    status, u = c.nfs(MKNOD, args)
    if status == 0:
        u.boolean()
        u.opaque()
        assert post_op_attr(u)["type"] == 7

    _, (fh, _), _ = c.create(d, "orig")
    status, u = c.nfs(LINK, Packer().opaque(fh).opaque(d).opaque("hard").bytes())
    assert status == 0
    assert post_op_attr(u)["nlink"] == 2
    assert c.rename(d, "hard", d, "renamed") == 0
    assert c.lookup(d, "hard")[0] == NFS3ERR_NOENT
    status, (same, _, _) = c.lookup(d, "renamed")
    assert c.getattr(same)[1]["fileid"] == c.getattr(fh)[1]["fileid"]

    status, (sub, _) = c.mkdir(d, "sub")
    c.create(sub, "inside")
    status, u = c.nfs(RMDIR, Packer().opaque(d).opaque("sub").bytes())
    assert status == NFS3ERR_NOTEMPTY
    assert c.remove(sub, "inside") == 0
    status, u = c.nfs(RMDIR, Packer().opaque(d).opaque("sub").bytes())
    assert status == 0
    assert c.getattr(sub)[0] == NFS3ERR_STALE


def test_fsinfo_and_pathconf(env):
    c, d = env
    status, info = c.fsinfo(d)
    assert status == 0
    assert info["rtmax"] == info["wtmax"] == 1 << 20 and info["dtpref"] == 65536
    # The module's time granularity (memfs keeps a coarse clock), never zero.
    assert info["time_delta"][0] == 0 and 0 < info["time_delta"][1] <= 1000000000
    assert info["properties"] & 0x18 == 0x18, "HOMOGENEOUS and CANSETTIME"
    status, u = c.nfs(PATHCONF, Packer().opaque(d).bytes())
    post_op_attr(u)
    linkmax, name_max, no_trunc, chown_restricted, case_insensitive, case_preserving = [u.u32() for _ in range(6)]
    assert status == 0 and name_max == 255 and no_trunc and chown_restricted and not case_insensitive
    assert case_preserving


def test_access_follows_the_mode_bits(env, server):
    c, d = env
    _, (fh, _), _ = c.create(d, "private", mode=0o640)
    status, granted = c.access(fh, 0x3F)
    assert granted == ACCESS_READ | ACCESS_MODIFY | 8, "root: all but execute of a file nobody may execute"
    with NFSClient(server.ports.nfs, cred=auth_sys(uid=1000, gid=1000)) as other:
        assert other.access(fh, 0x3F)[1] == 0
        assert other.access(d, 0x3F)[1] == ACCESS_READ | ACCESS_LOOKUP, "0755 directory, not the owner"
    with NFSClient(server.ports.nfs, cred=auth_sys(uid=1000, gid=1000, groups=(0,))) as member:
        assert member.access(fh, 0x3F)[1] == ACCESS_READ
    _, (script, _), _ = c.create(d, "script", mode=0o755)
    assert c.access(script, ACCESS_EXECUTE)[1] == ACCESS_EXECUTE


def test_commit_on_a_file_written_unstable(env):
    c, d = env
    _, (fh, _), _ = c.create(d, "c")
    c.write(fh, 0, b"z" * 100, UNSTABLE)
    status, u = c.nfs(COMMIT, Packer().opaque(fh).u64(0).u32(0).bytes())
    before, after = wcc_data(u)
    assert status == 0 and after["size"] == 100 and len(u.fixed(8)) == 8


def test_handles_of_unknown_mounts_are_stale_and_short_handles_bad(server):
    with NFSClient(server.ports.nfs) as c:
        assert c.getattr(b"\x01" * 32)[0] == NFS3ERR_STALE
        assert c.getattr(b"\x01" * 8)[0] == 10001, "NFS3ERR_BADHANDLE"
        u = Unpacker(c.call(NFS_PROGRAM, NFS_V3, 0))
        assert u.done()
