import CChimera

/// One entry of the namespace: a name under the root, served by a module.
public final class Mount: @unchecked Sendable {
    /// The name clients see under the namespace root ("memfs").
    public let name: String
    public let id: MountID
    public let module: VFSModuleInstance
    /// The path inside the module's own namespace that was mounted.
    public let modulePath: String
    /// Index in the mount table; stable for the process's life.
    let index: Int

    /// The module's handle of the mount root, set once MOUNT completed.
    public internal(set) var rootModuleHandle: [UInt8] = []
    /// Attributes of the mount root at mount time (for the root listing).
    var rootAttributes = chimera_attrs()

    /// Bumped when any namespace-changing op on this mount starts or ends:
    /// results about objects the core could not name before dispatch are
    /// cached only if nothing changed meanwhile.
    let mutationCounter = AtomicCounter()

    init(name: String, module: VFSModuleInstance, modulePath: String, index: Int) {
        self.name = name
        self.id = MountID(mountName: name)
        self.module = module
        self.modulePath = modulePath
        self.index = index
    }

    /// The wire handle of the mount root.
    public var rootHandle: [UInt8] { id.bytes + rootModuleHandle }

    /// Whether module handle bytes name this mount's root.
    func isRoot(_ moduleHandle: UnsafeRawBufferPointer) -> Bool {
        moduleHandle.elementsEqual(rootModuleHandle)
    }
}
