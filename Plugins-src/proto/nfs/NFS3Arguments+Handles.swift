import NFS3
import XDR

extension NFS3Arguments {
    /// The handle the procedure acts on (the directory for name operations); its mount decides the export.
    var primaryHandle: XDROpaque? {
        switch self {
        case .null: return nil
        case .getattr(let a): return a.object.data
        case .setattr(let a): return a.object.data
        case .lookup(let a): return a.what.dir.data
        case .access(let a): return a.object.data
        case .readlink(let a): return a.symlink.data
        case .read(let a): return a.file.data
        case .write(let a): return a.file.data
        case .create(let a): return a.where.dir.data
        case .mkdir(let a): return a.where.dir.data
        case .symlink(let a): return a.where.dir.data
        case .mknod(let a): return a.where.dir.data
        case .remove(let a): return a.object.dir.data
        case .rmdir(let a): return a.object.dir.data
        case .rename(let a): return a.from.dir.data
        case .link(let a): return a.file.data
        case .readdir(let a): return a.dir.data
        case .readdirplus(let a): return a.dir.data
        case .fsstat(let a): return a.fsroot.data
        case .fsinfo(let a): return a.fsroot.data
        case .pathconf(let a): return a.object.data
        case .commit(let a): return a.file.data
        }
    }

    /// The second handle of RENAME (target directory) and LINK (directory of the new name).
    var secondaryHandle: XDROpaque? {
        switch self {
        case .rename(let a): return a.to.dir.data
        case .link(let a): return a.link.dir.data
        default: return nil
        }
    }
}
