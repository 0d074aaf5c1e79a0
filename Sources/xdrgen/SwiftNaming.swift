/// Turns the specification's names into Swift names, deterministically.
///
/// - Types: `prefix` + UpperCamelCase of the words (split at `_` and where a digit meets a letter), with
///   `stripSuffix` removed from the end of each word and the words in `stripTypeWords` dropped:
///   `GETATTR3args` → `NFS3GetattrArgs`, `post_op_attr` → `NFS3PostOpAttr`.
/// - Fields: lowerCamelCase of the `_`-separated words: `obj_attributes` → `objAttributes`.
/// - Enum members and procedures: the prefix all members share (up to a word boundary) is removed, then as
///   fields, dropping `stripMemberWords`: `NFS3ERR_NOENT` → `noent`, `NF3REG` → `reg`, `NFSPROC3_READ` → `read`.
/// - Constants: as enum members, without the shared prefix: `NFS3_FHSIZE` → `fhsize`.
/// Swift keywords are escaped with backticks.
struct SwiftNaming {
    var prefix: String
    var stripSuffix: String?
    var stripTypeWords: Set<String>
    var stripMemberWords: Set<String>

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch",
        "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
        "try", "Type", "Protocol", "some", "any",
    ]

    /// `name` escaped when it is a keyword.
    static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    func typeName(_ specName: String) -> String {
        let words = typeWords(specName)
        var kept = words.map(removingSuffix).filter { !stripTypeWords.contains($0.lowercased()) }
        if kept.isEmpty {
            kept = words
        }
        let name = prefix + kept.map(SwiftNaming.capitalized).joined()
        return name.first.map { $0.isNumber } == true ? "_" + name : name
    }

    func fieldName(_ specName: String) -> String {
        SwiftNaming.lowerCamel(specName.split(separator: "_").map(String.init))
    }

    func constantName(_ specName: String) -> String {
        memberName(specName)
    }

    /// Names for the members of one enum or version, which share a prefix worth removing.
    func memberNames(_ specNames: [String]) throws(GeneratorError) -> [String] {
        let stripped = SwiftNaming.removingCommonPrefix(specNames)
        var names = stripped.map(memberName)
        if Set(names).count != names.count {
            names = specNames.map(memberName)
        }
        if Set(names).count != names.count {
            throw GeneratorError("members \(specNames) do not have distinct Swift names")
        }
        return names
    }

    private func memberName(_ specName: String) -> String {
        let words = specName.split(separator: "_").map(String.init).map(removingSuffix)
        var kept = words.filter { !stripMemberWords.contains($0.lowercased()) }
        if kept.isEmpty {
            kept = words
        }
        let name = SwiftNaming.lowerCamel(kept)
        return name.first.map { $0.isNumber } == true ? "v" + name : name
    }

    private func typeWords(_ name: String) -> [String] {
        var words: [String] = []
        var word = ""
        var previous: Character?
        for character in name {
            if character == "_" {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else {
                if let previous, previous.isNumber, character.isLetter, !word.isEmpty {
                    words.append(word)
                    word = ""
                }
                word.append(character)
            }
            previous = character
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    private func removingSuffix(_ word: String) -> String {
        guard let stripSuffix, word.count > stripSuffix.count, word.hasSuffix(stripSuffix) else { return word }
        let kept = word.dropLast(stripSuffix.count)
        return kept.last.map { $0.isLetter } == true ? String(kept) : word
    }

    static func capitalized(_ word: String) -> String {
        guard let first = word.first else { return word }
        return first.uppercased() + word.dropFirst().lowercased()
    }

    static func lowerCamel(_ words: [String]) -> String {
        let nonEmpty = words.filter { !$0.isEmpty }
        guard let first = nonEmpty.first else { return "_" }
        // A field already in camelCase (`nextEntry`) keeps its inner capitals; an all-caps word is lowered.
        let head = first == first.uppercased() ? first.lowercased() : first.prefix(1).lowercased() + first.dropFirst()
        let tail = nonEmpty.dropFirst().map { word in
            word == word.uppercased() || word == word.lowercased()
                ? capitalized(word) : word.prefix(1).uppercased() + word.dropFirst()
        }
        return head + tail.joined()
    }

    /// Removes the longest prefix all names share that ends at a word boundary (`_`, or a digit next to a
    /// letter) and leaves every name a letter to start with.
    static func removingCommonPrefix(_ names: [String]) -> [String] {
        guard names.count > 1 else { return names }
        let arrays = names.map(Array.init)
        var length = arrays.map(\.count).min() ?? 0
        for (index, character) in arrays[0].enumerated() where index < length {
            if arrays.contains(where: { $0[index] != character }) {
                length = index
                break
            }
        }
        func isBoundary(_ name: [Character], _ position: Int) -> Bool {
            guard position > 0 else { return true }
            guard position < name.count else { return false }
            let before = name[position - 1]
            let after = name[position]
            return before == "_" || (before.isNumber != after.isNumber)
        }
        while length > 0 {
            let valid = arrays.allSatisfy { name in
                guard isBoundary(name, length) else { return false }
                let rest = name[length...].drop { $0 == "_" }
                return rest.first.map { $0.isLetter } == true
            }
            if valid { break }
            length -= 1
        }
        return arrays.map { String($0[length...].drop { $0 == "_" }) }
    }
}
