import NFS3
import XDR

/// Pieces of NFSv3 messages written out by hand from RFC 1813 §2.5 and §2.6, with the values they stand for.
enum NFS3Wire {
    /// nfs_fh3: an 8-byte handle.
    static let fh = hex("00000008", "01020304 05060708")
    static var fhValue: NFS3Fh { NFS3Fh(data: opaque([1, 2, 3, 4, 5, 6, 7, 8])) }

    /// fattr3 of a regular file (84 bytes).
    static let fattr = hex(
        "00000001",  // type: NF3REG
        "000001a4",  // mode: 0644
        "00000001",  // nlink: 1
        "000003e8",  // uid: 1000
        "00000064",  // gid: 100
        "00000000 00001000",  // size: 4096
        "00000000 00002000",  // used: 8192
        "00000000 00000000",  // rdev: specdata1 0, specdata2 0
        "00000000 0000002a",  // fsid: 42
        "00000000 00000063",  // fileid: 99
        "5f5e1000 00000001",  // atime: 1600000000 s, 1 ns
        "5f5e1000 00000002",  // mtime
        "5f5e1000 00000003"  // ctime
    )
    static var fattrValue: NFS3Fattr {
        NFS3Fattr(
            type: .reg, mode: 0o644, nlink: 1, uid: 1000, gid: 100, size: 4096, used: 8192,
            rdev: NFS3Specdata(specdata1: 0, specdata2: 0), fsid: 42, fileid: 99,
            atime: NFS3Nfstime(seconds: 1_600_000_000, nseconds: 1),
            mtime: NFS3Nfstime(seconds: 1_600_000_000, nseconds: 2),
            ctime: NFS3Nfstime(seconds: 1_600_000_000, nseconds: 3))
    }

    /// post_op_attr with attributes.
    static let attributes = hex("00000001") + fattr
    /// post_op_attr without attributes.
    static let noAttributes = hex("00000000")

    /// wcc_data with both sides: pre_op_attr { size 4096, mtime, ctime }, post_op_attr.
    static let wcc =
        hex(
            "00000001",  // before: attributes follow
            "00000000 00001000",  //   size 4096
            "5f5e1000 00000002",  //   mtime
            "5f5e1000 00000003"  //   ctime
        ) + attributes
    static var wccValue: NFS3WccData {
        NFS3WccData(
            before: NFS3WccAttr(
                size: 4096, mtime: NFS3Nfstime(seconds: 1_600_000_000, nseconds: 2),
                ctime: NFS3Nfstime(seconds: 1_600_000_000, nseconds: 3)),
            after: fattrValue)
    }
    /// wcc_data with neither side.
    static let emptyWcc = hex("00000000", "00000000")
    static var emptyWccValue: NFS3WccData { NFS3WccData(before: nil, after: nil) }

    /// diropargs3 { fh, "file" }.
    static let dirop = fh + hex("00000004 66696c65")
    static var diropValue: NFS3Diropargs { NFS3Diropargs(dir: fhValue, name: opaque("file")) }

    /// sattr3: mode 0755, uid and gid unchanged, size 0, atime to server time, mtime to a client time.
    static let sattr = hex(
        "00000001 000001ed",  // mode: set_it TRUE, 0755
        "00000000",  // uid: not set
        "00000000",  // gid: not set
        "00000001 00000000 00000000",  // size: set_it TRUE, 0
        "00000001",  // atime: SET_TO_SERVER_TIME
        "00000002 5f5e1000 00000000"  // mtime: SET_TO_CLIENT_TIME, 1600000000 s
    )
    static var sattrValue: NFS3Sattr {
        NFS3Sattr(
            mode: 0o755, uid: nil, gid: nil, size: 0, atime: .default(.setToServerTime),
            mtime: .setToClientTime(NFS3Nfstime(seconds: 1_600_000_000, nseconds: 0)))
    }

    /// post_op_fh3 with the handle.
    static let handle = hex("00000001") + fh

    /// writeverf3 / cookieverf3 / createverf3: eight bytes.
    static let verifier = hex("0a0b0c0d 0e0f1011")
    static var verifierValue: XDRFixedOpaque<8> { XDRFixedOpaque(bigEndian: 0x0a0b_0c0d_0e0f_1011) }
}
