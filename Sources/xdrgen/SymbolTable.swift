/// Everything the emitter needs to know about a specification's names: constant values, type definitions,
/// list nodes, unions generated as `Optional`, and the resolved ``Shape`` of every declaration.
struct SymbolTable {
    private(set) var constants: [String: Int64] = ["TRUE": 1, "FALSE": 0]
    private(set) var types: [String: Definition] = [:]
    /// List node struct → the name of its link field (`entry3` → `nextentry`).
    private(set) var listLinks: [String: String] = [:]
    /// Unions generated as `Optional<arm>`.
    private(set) var optionalUnions: Set<String> = []

    init(_ specification: Specification) throws(GeneratorError) {
        for definition in specification.definitions {
            switch definition {
            case .constant(let constant):
                try define(constant.name, at: constant.location)
                constants[constant.name] = try value(constant.value, at: constant.location)
            case .enumeration(let enumeration):
                try define(enumeration.name, at: enumeration.location)
                types[enumeration.name] = definition
                for member in enumeration.members {
                    try define(member.name, at: member.location)
                    constants[member.name] = try value(member.value, at: member.location)
                }
            case .structure(let structure):
                try define(structure.name, at: structure.location)
                types[structure.name] = definition
            case .union(let union):
                try define(union.name, at: union.location)
                types[union.name] = definition
            case .typedef(let typedef):
                try define(typedef.declaration.name, at: typedef.declaration.location)
                types[typedef.declaration.name] = definition
            case .program:
                break
            }
        }
        for definition in specification.definitions {
            if case .structure(let structure) = definition {
                try findListLink(structure)
            }
        }
        for definition in specification.definitions {
            if case .union(let union) = definition, try isOptionalShaped(union) {
                optionalUnions.insert(union.name)
            }
        }
    }

    private func define(_ name: String, at location: SourceLocation) throws(GeneratorError) {
        if constants[name] != nil || types[name] != nil {
            throw GeneratorError("'\(name)' is defined twice", at: location)
        }
    }

    // MARK: Values

    func value(_ value: Value, at location: SourceLocation) throws(GeneratorError) -> Int64 {
        switch value {
        case .literal(let number):
            return number
        case .named(let name):
            guard let number = constants[name] else {
                throw GeneratorError("unknown constant '\(name)'", at: location)
            }
            return number
        }
    }

    func bound(_ value: Value?, at location: SourceLocation) throws(GeneratorError) -> UInt32? {
        guard let value else { return nil }
        let number = try self.value(value, at: location)
        guard let bound = UInt32(exactly: number) else {
            throw GeneratorError("bound \(number) is not an unsigned int", at: location)
        }
        return bound
    }

    private func size(_ value: Value, at location: SourceLocation) throws(GeneratorError) -> Int {
        let number = try self.value(value, at: location)
        guard number >= 0, let size = Int(exactly: number) else {
            throw GeneratorError("size \(number) is negative", at: location)
        }
        return size
    }

    // MARK: Shapes

    func shape(of declaration: Declaration) throws(GeneratorError) -> Shape {
        let location = declaration.location
        switch declaration.kind {
        case .void:
            return .void
        case .plain(let type):
            return try shape(of: type, at: location)
        case .fixedArray(let type, let count):
            return .fixedArray(try shape(of: type, at: location), try size(count, at: location))
        case .variableArray(let type, let bound):
            return .variableArray(try shape(of: type, at: location), try self.bound(bound, at: location))
        case .fixedOpaque(let count):
            return .fixedOpaque(try size(count, at: location))
        case .variableOpaque(let bound), .string(let bound):
            return .variableOpaque(try self.bound(bound, at: location))
        case .optional(let type):
            if let node = try structName(of: type, at: location), listLinks[node] != nil {
                return .list(node)
            }
            return .optional(try shape(of: type, at: location))
        }
    }

    func shape(of type: TypeSpecifier, at location: SourceLocation) throws(GeneratorError) -> Shape {
        switch type {
        case .int: return .int32
        case .unsignedInt: return .uint32
        case .hyper: return .int64
        case .unsignedHyper: return .uint64
        case .float: return .float
        case .double: return .double
        case .bool: return .bool
        case .named(let name):
            switch types[name] {
            case .enumeration: return .enumeration(name)
            case .structure: return .structure(name)
            case .union(let union):
                if optionalUnions.contains(name), let arm = union.arms.first {
                    return .optionalUnion(name, try shape(of: arm.declaration))
                }
                return .union(name)
            case .typedef(let typedef):
                return try shape(of: typedef.declaration)
            default:
                throw GeneratorError("unknown type '\(name)'", at: location)
            }
        }
    }

    /// The struct a type names, through typedefs of plain declarations.
    private func structName(of type: TypeSpecifier, at location: SourceLocation) throws(GeneratorError) -> String? {
        guard case .named(let name) = type else { return nil }
        switch types[name] {
        case .structure: return name
        case .typedef(let typedef):
            if case .plain(let inner) = typedef.declaration.kind {
                return try structName(of: inner, at: location)
            }
            return nil
        case nil:
            throw GeneratorError("unknown type '\(name)'", at: location)
        default:
            return nil
        }
    }

    /// The type a field points at when it is `T *name`, directly or through a typedef.
    private func pointee(of kind: Declaration.Kind, at location: SourceLocation) -> TypeSpecifier? {
        switch kind {
        case .optional(let type):
            return type
        case .plain(.named(let name)):
            if case .typedef(let typedef) = types[name] {
                return pointee(of: typedef.declaration.kind, at: location)
            }
            return nil
        default:
            return nil
        }
    }

    private mutating func findListLink(_ structure: StructDefinition) throws(GeneratorError) {
        for (index, field) in structure.fields.enumerated() {
            guard let target = pointee(of: field.kind, at: field.location),
                try structName(of: target, at: field.location) == structure.name
            else { continue }
            guard index == structure.fields.count - 1 else {
                throw GeneratorError(
                    "'\(structure.name).\(field.name)' links to the next element but is not the last field",
                    at: field.location)
            }
            listLinks[structure.name] = field.name
        }
    }

    private func isOptionalShaped(_ union: UnionDefinition) throws(GeneratorError) -> Bool {
        guard case .plain(.bool) = union.discriminant.kind, union.arms.count <= 2 else { return false }
        var someArm: Declaration?
        var noneIsVoid = false
        for arm in union.arms {
            for label in arm.labels {
                let number = try value(label, at: union.location)
                if number == 1 && arm.declaration.kind != .void && arm.labels.count == 1 {
                    someArm = arm.declaration
                } else if number == 0 && arm.declaration.kind == .void {
                    noneIsVoid = true
                } else {
                    return false
                }
            }
        }
        if let defaultArm = union.defaultArm {
            guard defaultArm.kind == .void else { return false }
            noneIsVoid = true
        }
        guard let someArm, noneIsVoid else { return false }
        switch try shape(of: someArm) {
        case .int32, .uint32, .int64, .uint64, .bool, .float, .double, .enumeration, .structure, .union,
            .fixedOpaque, .variableOpaque(nil):
            return true
        default:
            return false
        }
    }

    // MARK: Sizes

    /// The encoded size when every value of the shape has the same size.
    func fixedSize(_ shape: Shape) -> Int? {
        switch shape {
        case .void: return 0
        case .int32, .uint32, .bool, .float, .enumeration: return 4
        case .int64, .uint64, .double: return 8
        case .fixedOpaque(let count): return (count + 3) & ~3
        case .fixedArray(let element, let count): return fixedSize(element).map { $0 * count }
        case .structure(let name):
            guard case .structure(let structure) = types[name] else { return nil }
            var total = 0
            for field in fields(of: structure) {
                guard let shape = try? self.shape(of: field), let size = fixedSize(shape) else { return nil }
                total += size
            }
            return total
        case .union, .optionalUnion, .variableOpaque, .variableArray, .optional, .list:
            return nil
        }
    }

    /// The fewest bytes a value of the shape takes, to bound array counts read from the wire.
    func minimumSize(_ shape: Shape) -> Int {
        switch shape {
        case .void: return 0
        case .int32, .uint32, .bool, .float, .enumeration, .variableOpaque, .variableArray, .optional, .list,
            .optionalUnion:
            return 4
        case .int64, .uint64, .double: return 8
        case .fixedOpaque(let count): return (count + 3) & ~3
        case .fixedArray(let element, let count): return minimumSize(element) * count
        case .structure(let name):
            guard case .structure(let structure) = types[name] else { return 0 }
            return fields(of: structure).reduce(0) { total, field in
                total + ((try? self.shape(of: field)).map(minimumSize) ?? 0)
            }
        case .union(let name):
            guard case .union(let union) = types[name] else { return 4 }
            let arms = union.arms.map(\.declaration) + (union.defaultArm.map { [$0] } ?? [])
            let smallest = arms.map { arm in (try? self.shape(of: arm)).map(minimumSize) ?? 0 }.min() ?? 0
            return 4 + smallest
        }
    }

    /// The fields a struct has in Swift: all but a list link.
    func fields(of structure: StructDefinition) -> [Declaration] {
        guard let link = listLinks[structure.name] else { return structure.fields }
        return structure.fields.filter { $0.name != link }
    }

    // MARK: Sendability

    /// Whether values of the shape hold an ``XDROpaque`` view (and so are not `Sendable`).
    func holdsView(_ shape: Shape) -> Bool {
        var visiting: Set<String> = []
        return holdsView(shape, visiting: &visiting)
    }

    private func holdsView(_ shape: Shape, visiting: inout Set<String>) -> Bool {
        switch shape {
        case .variableOpaque:
            return true
        case .fixedArray(let element, _), .variableArray(let element, _), .optional(let element),
            .optionalUnion(_, let element):
            return holdsView(element, visiting: &visiting)
        case .structure(let name), .list(let name):
            guard visiting.insert(name).inserted, case .structure(let structure) = types[name] else { return false }
            return fields(of: structure).contains { field in
                (try? self.shape(of: field)).map { holdsView($0, visiting: &visiting) } ?? false
            }
        case .union(let name):
            guard visiting.insert(name).inserted, case .union(let union) = types[name] else { return false }
            let arms = union.arms.map(\.declaration) + (union.defaultArm.map { [$0] } ?? [])
            return arms.contains { arm in
                (try? self.shape(of: arm)).map { holdsView($0, visiting: &visiting) } ?? false
            }
        default:
            return false
        }
    }
}
