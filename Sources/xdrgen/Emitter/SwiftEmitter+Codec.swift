/// The Swift spelling of a shape and the expressions that decode, encode and size one value of it.
extension SwiftEmitter {
    func swiftType(_ shape: Shape) -> String {
        switch shape {
        case .void: return "Void"
        case .int32: return "Int32"
        case .uint32: return "UInt32"
        case .int64: return "Int64"
        case .uint64: return "UInt64"
        case .bool: return "Bool"
        case .float: return "Float"
        case .double: return "Double"
        case .enumeration(let name), .structure(let name), .union(let name), .optionalUnion(let name, _):
            return naming.typeName(name)
        case .fixedOpaque(let count): return "XDRFixedOpaque<\(count)>"
        case .variableOpaque: return "XDROpaque"
        case .fixedArray(let element, _), .variableArray(let element, _): return "[\(swiftType(element))]"
        case .optional(let element): return "\(swiftType(element))?"
        case .list(let name): return "[\(naming.typeName(name))]"
        }
    }

    /// The type a declaration is spelled with: its typedef's name when it names one, else the shape's type.
    func spelledType(_ declaration: Declaration) throws -> String {
        if case .plain(.named(let name)) = declaration.kind, case .typedef = symbols.types[name] {
            return naming.typeName(name)
        }
        return swiftType(try symbols.shape(of: declaration))
    }

    /// An expression that decodes one value from the `inout XDRReader` named `reader`.
    func decodeExpression(_ shape: Shape, reader: String, depth: Int) throws -> String {
        let inner = "reader\(depth + 1)"
        let closure = "(\(inner): inout XDRReader) throws(XDRError) in"
        switch shape {
        case .void:
            throw GeneratorError("void has no value to decode")
        case .int32: return "try \(reader).readInt32()"
        case .uint32: return "try \(reader).readUInt32()"
        case .int64: return "try \(reader).readInt64()"
        case .uint64: return "try \(reader).readUInt64()"
        case .bool: return "try \(reader).readBool()"
        case .float: return "try \(reader).readFloat()"
        case .double: return "try \(reader).readDouble()"
        case .enumeration, .structure, .union:
            return "try \(swiftType(shape))(from: &\(reader))"
        case .fixedOpaque(let count):
            return "try \(reader).readFixedOpaque(XDRFixedOpaque<\(count)>.self)"
        case .variableOpaque(let bound):
            return bound.map { "try \(reader).readOpaque(maxLength: \($0))" } ?? "try \(reader).readOpaque()"
        case .optional(let element), .optionalUnion(_, let element):
            let body = try decodeExpression(element, reader: inner, depth: depth + 1)
            return "try \(reader).readOptional { \(closure) \(body) }"
        case .fixedArray(let element, let count):
            let body = try decodeExpression(element, reader: inner, depth: depth + 1)
            let minimum = symbols.minimumSize(element)
            return "try \(reader).readFixedArray(count: \(count), minElementSize: \(minimum)) { \(closure) \(body) }"
        case .variableArray(let element, let bound):
            let minimum = symbols.minimumSize(element)
            guard minimum > 0 else {
                throw GeneratorError("an array of \(swiftType(element)) has elements of size zero")
            }
            let body = try decodeExpression(element, reader: inner, depth: depth + 1)
            let limit = bound.map { "maxCount: \($0), " } ?? ""
            return "try \(reader).readArray(\(limit)minElementSize: \(minimum)) { \(closure) \(body) }"
        case .list(let name):
            return "try \(reader).readList { \(closure) try \(naming.typeName(name))(from: &\(inner)) }"
        }
    }

    /// A statement that encodes `value` into the `inout XDRWriter` named `writer`.
    func encodeStatement(_ shape: Shape, value: String, writer: String, depth: Int) throws -> String {
        let innerValue = "value\(depth + 1)"
        let innerWriter = "writer\(depth + 1)"
        func closure(_ element: Shape) -> String {
            "(\(innerValue): \(swiftType(element)), \(innerWriter): inout XDRWriter) throws(XDRError) in"
        }
        switch shape {
        case .void:
            throw GeneratorError("void has no value to encode")
        case .int32: return "try \(writer).writeInt32(\(value))"
        case .uint32: return "try \(writer).writeUInt32(\(value))"
        case .int64: return "try \(writer).writeInt64(\(value))"
        case .uint64: return "try \(writer).writeUInt64(\(value))"
        case .bool: return "try \(writer).writeBool(\(value))"
        case .float: return "try \(writer).writeFloat(\(value))"
        case .double: return "try \(writer).writeDouble(\(value))"
        case .enumeration, .structure, .union:
            return "try \(value).encode(to: &\(writer))"
        case .fixedOpaque:
            return "try \(writer).writeFixedOpaque(\(value))"
        case .variableOpaque(let bound):
            return bound.map { "try \(writer).writeOpaque(\(value), maxLength: \($0))" }
                ?? "try \(writer).writeOpaque(\(value))"
        case .optional(let element), .optionalUnion(_, let element):
            let body = try encodeStatement(element, value: innerValue, writer: innerWriter, depth: depth + 1)
            return "try \(writer).writeOptional(\(value)) { \(closure(element)) \(body) }"
        case .fixedArray(let element, let count):
            let body = try encodeStatement(element, value: innerValue, writer: innerWriter, depth: depth + 1)
            return "try \(writer).writeFixedArray(\(value), count: \(count)) { \(closure(element)) \(body) }"
        case .variableArray(let element, let bound):
            let body = try encodeStatement(element, value: innerValue, writer: innerWriter, depth: depth + 1)
            let limit = bound.map { ", maxCount: \($0)" } ?? ""
            return "try \(writer).writeArray(\(value)\(limit)) { \(closure(element)) \(body) }"
        case .list(let name):
            let element = Shape.structure(name)
            return "try \(writer).writeList(\(value)) { \(closure(element)) try \(innerValue).encode(to: &\(innerWriter)) }"
        }
    }

    /// An expression for the encoded size of `value`.
    func sizeExpression(_ shape: Shape, value: String, depth: Int) -> String {
        if let fixed = symbols.fixedSize(shape) {
            return String(fixed)
        }
        let innerValue = "value\(depth + 1)"
        switch shape {
        case .structure, .union, .variableOpaque:
            return "\(value).xdrEncodedSize"
        case .optional(let element), .optionalUnion(_, let element):
            let inner = sizeExpression(element, value: innerValue, depth: depth + 1)
            return "(\(value).map { (\(innerValue): \(swiftType(element))) in 4 + \(inner) } ?? 4)"
        case .fixedArray(let element, _):
            let inner = sizeExpression(element, value: innerValue, depth: depth + 1)
            return "\(value).reduce(0) { (total: Int, \(innerValue): \(swiftType(element))) in total + \(inner) }"
        case .variableArray(let element, _):
            if let each = symbols.fixedSize(element) {
                return "(4 + \(value).count * \(each))"
            }
            let inner = sizeExpression(element, value: innerValue, depth: depth + 1)
            return "\(value).reduce(4) { (total: Int, \(innerValue): \(swiftType(element))) in total + \(inner) }"
        case .list(let name):
            let type = naming.typeName(name)
            return "\(value).reduce(4) { (total: Int, \(innerValue): \(type)) in total + 4 + \(innerValue).xdrEncodedSize }"
        default:
            return "0"
        }
    }

    /// The conformances a generated nominal type declares.
    func conformances(holdsView: Bool) -> String {
        holdsView ? "XDRCodable, Hashable" : "XDRCodable, Hashable, Sendable"
    }
}
