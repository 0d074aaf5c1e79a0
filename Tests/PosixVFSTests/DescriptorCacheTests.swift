import Glibc
import Testing

@testable import PosixVFS

@Suite("Descriptor cache and inode table")
struct DescriptorCacheTests {
    static func handle(_ n: UInt8) -> PosixHandle {
        var h = PosixHandle()
        h.append(n)
        return h
    }

    static func descriptor() -> PathDescriptor { PathDescriptor(Glibc.open("/", O_RDONLY | O_CLOEXEC)) }

    @Test("the cache never holds more than its capacity, oldest out first")
    func bounded() {
        let cache = DescriptorCache(capacity: 4)
        for n in 0..<10 { cache.insert(Self.handle(UInt8(n)), Self.descriptor(), inode: UInt64(n)) }
        let present = (0..<10).filter { cache.lookup(Self.handle(UInt8($0))) != nil }
        #expect(present == [6, 7, 8, 9])
    }

    @Test("an entry can be evicted by its inode number")
    func byInode() {
        let cache = DescriptorCache(capacity: 8)
        cache.insert(Self.handle(1), Self.descriptor(), inode: 100)
        cache.insert(Self.handle(2), Self.descriptor(), inode: 200)
        cache.remove(inode: 100)
        #expect(cache.lookup(Self.handle(1)) == nil)
        #expect(cache.lookup(Self.handle(2)) != nil)
    }

    @Test("a descriptor a user still holds stays open after eviction")
    func heldDescriptor() {
        let cache = DescriptorCache(capacity: 1)
        let held = Self.descriptor()
        cache.insert(Self.handle(1), held, inode: 1)
        cache.insert(Self.handle(2), Self.descriptor(), inode: 2)
        #expect(cache.lookup(Self.handle(1)) == nil)
        #expect(fcntl(held.fd, F_GETFD) >= 0)
    }

    @Test("renaming a directory moves the paths beneath it, and only those")
    func inodeTableMove() {
        let table = InodeTable()
        let a = InodeTable.Key(inode: 1, birth: 1)
        let b = InodeTable.Key(inode: 2, birth: 2)
        let c = InodeTable.Key(inode: 3, birth: 3)
        table.record(a, path: "dir")
        table.record(b, path: "dir/sub/file")
        table.record(c, path: "dirt")
        table.move(from: "dir", to: "new/place")
        #expect(table.paths(of: a) == ["new/place"])
        #expect(table.paths(of: b) == ["new/place/sub/file"])
        #expect(table.paths(of: c) == ["dirt"])
    }

    @Test("an inode keeps every hard link's path, newest first")
    func hardLinks() {
        let table = InodeTable()
        let key = InodeTable.Key(inode: 9, birth: 9)
        table.record(key, path: "one")
        table.record(key, path: "two")
        #expect(table.paths(of: key) == ["two", "one"])
        table.forget(key, path: "two")
        #expect(table.paths(of: key) == ["one"])
    }
}
