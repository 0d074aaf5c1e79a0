import CChimera
import ChimeraPluginKit

/// The core's open-state ops (chimera_vfs.h, "Open state"), for the state
/// chapter. Results: `openHandle` is the open's id (r_open), `offset` the
/// lease id, `length` the granted lease level; on LOCKED, `offset` and
/// `length` are the conflicting lock's range and `data` its owner.
extension ConformanceClient {
    func stateOpen(
        _ handle: [UInt8], client: UInt64, owner: UInt8, access: UInt32, deny: UInt32 = 0, lease: UInt32 = 0,
        key: UInt8 = 0, noWait: Bool = false, thread: Int = 0
    ) async -> ConformanceReply {
        await call(
            .stateOpen(client: client, owner: [owner], access: access, deny: deny, leaseLevel: lease, leaseKey: [key]),
            handle, thread: thread, flags: noWait ? CHIMERA_VFS_REQ_NO_WAIT : 0)
    }

    func stateClose(_ handle: [UInt8], client: UInt64, open: UInt64, releaseLocks: Bool = false) async
        -> ConformanceReply
    {
        await call(
            .stateClose(client: client, open: open, flags: releaseLocks ? CHIMERA_VFS_CLOSE_RELEASE_LOCKS : 0), handle)
    }

    func lease(_ handle: [UInt8], client: UInt64, lease: UInt64, level: UInt32) async -> ConformanceReply {
        await call(.lease(client: client, lease: lease, level: level), handle)
    }

    /// LOCK / UNLOCK / TEST_LOCK / LOCK_CANCEL.
    func lock(
        _ op: Int32, _ handle: [UInt8], client: UInt64, owner: UInt8, offset: UInt64, length: UInt64,
        write: Bool = true, wait: Bool = false, open: UInt64 = 0, thread: Int = 0
    ) async -> ConformanceReply {
        await call(
            .lock(
                op: op, client: client, owner: [owner], write: write, offset: offset, length: length, open: open,
                flags: wait ? CHIMERA_VFS_LOCK_WAIT : 0),
            handle, thread: thread)
    }
}
