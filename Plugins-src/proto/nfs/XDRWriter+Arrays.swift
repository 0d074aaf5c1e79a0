import XDR

extension XDRWriter {
    /// `opaque<>` / `string<>` from an array (MOUNT and portmap lists, built rarely).
    mutating func writeOpaque(array: [UInt8], maxLength: UInt32) throws(XDRError) {
        let result: Result<Void, XDRError> = array.withUnsafeBytes { bytes in
            do throws(XDRError) {
                try writeOpaque(bytes, maxLength: maxLength)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}
