import CChimera

/// The core's open-state ops (chimera_vfs.h, "Open state"), for the state
/// chapter. Results: `openHandle` is the open's id (r_open), `offset` the
/// lease id, `length` the granted lease level.
extension ConformanceClient {
    func stateOpen(
        _ handle: [UInt8], client: UInt64, owner: UInt8, access: UInt32, deny: UInt32 = 0, lease: UInt32 = 0,
        key: UInt8 = 0, noWait: Bool = false, thread: Int = 0
    ) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_STATE_OPEN, handle, thread: thread) { request, _ in
            request.pointee.state_open.client = client
            request.pointee.state_open.owner.0 = owner
            request.pointee.state_open.owner_len = 1
            request.pointee.state_open.access = access
            request.pointee.state_open.deny = deny
            request.pointee.state_open.lease_level = lease
            request.pointee.state_open.lease_key.0 = key
            if noWait { request.pointee.flags |= CHIMERA_VFS_REQ_NO_WAIT }
        } finish: { request, reply in
            reply.openHandle = request.pointee.state_open.r_open
            reply.offset = request.pointee.state_open.r_lease
            reply.length = UInt64(request.pointee.state_open.r_lease_level)
        }
    }

    func stateClose(_ handle: [UInt8], client: UInt64, open: UInt64, releaseLocks: Bool = false) async
        -> ConformanceReply
    {
        await call(CHIMERA_VFS_OP_STATE_CLOSE, handle) { request, _ in
            request.pointee.state_close.client = client
            request.pointee.state_close.open = open
            request.pointee.state_close.flags = releaseLocks ? CHIMERA_VFS_CLOSE_RELEASE_LOCKS : 0
        }
    }

    func lease(_ handle: [UInt8], client: UInt64, lease: UInt64, level: UInt32) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_LEASE, handle) { request, _ in
            request.pointee.lease.client = client
            request.pointee.lease.lease = lease
            request.pointee.lease.level = level
        }
    }

    /// LOCK / UNLOCK / TEST_LOCK / LOCK_CANCEL. On LOCKED, `offset` and
    /// `length` are the conflicting lock's range and `data` its owner.
    func lock(
        _ op: Int32, _ handle: [UInt8], client: UInt64, owner: UInt8, offset: UInt64, length: UInt64,
        write: Bool = true, wait: Bool = false, open: UInt64 = 0, thread: Int = 0
    ) async -> ConformanceReply {
        await call(op, handle, thread: thread) { request, _ in
            request.pointee.lock.client = client
            request.pointee.lock.owner.0 = owner
            request.pointee.lock.owner_len = 1
            request.pointee.lock.type = write ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
            request.pointee.lock.offset = offset
            request.pointee.lock.length = length
            request.pointee.lock.open = open
            request.pointee.lock.flags = wait ? CHIMERA_VFS_LOCK_WAIT : 0
        } finish: { request, reply in
            let a = request.pointee.lock
            reply.offset = a.r_conflict_offset
            reply.length = a.r_conflict_length
            reply.data = withUnsafeBytes(of: a.r_conflict_owner) {
                Array($0.prefix(min(Int(a.r_conflict_owner_len), Int(CHIMERA_VFS_LOCK_OWNER_MAX))))
            }
        }
    }
}
