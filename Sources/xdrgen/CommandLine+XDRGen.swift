#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CommandLine {
    /// Parses the arguments, generates, writes; returns the process exit code.
    static func runXDRGen(_ arguments: [String]) -> Int32 {
        do {
            let options = try parseOptions(arguments)
            let text = try readFile(options.input)
            let specification = try Parser.parse(text)
            let emitter = try SwiftEmitter(specification: specification, options: options)
            let output = try emitter.emit()
            if let path = options.output {
                try writeFile(path, output)
            } else {
                print(output, terminator: "")
            }
            return 0
        } catch {
            let input = arguments.first ?? "xdrgen"
            let message = Array("xdrgen: \(input): \(error)\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            return 1
        }
    }

    static func parseOptions(_ arguments: [String]) throws -> GeneratorOptions {
        var input: String?
        var options = GeneratorOptions(input: "")
        var index = 0
        func value(_ flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw GeneratorError("\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--output", "-o":
                options.output = try value(argument)
            case "--access":
                let level = try value(argument)
                guard ["public", "package", "internal"].contains(level) else {
                    throw GeneratorError("--access must be public, package or internal")
                }
                options.access = level
            case "--prefix":
                options.naming.prefix = try value(argument)
            case "--strip-suffix":
                options.naming.stripSuffix = try value(argument)
            case "--strip-type-word":
                options.naming.stripTypeWords.insert(try value(argument).lowercased())
            case "--strip-member-word":
                options.naming.stripMemberWords.insert(try value(argument).lowercased())
            case "--import":
                options.imports.append(try value(argument))
            default:
                guard !argument.hasPrefix("-"), input == nil else {
                    throw GeneratorError("unexpected argument '\(argument)'; usage: xdrgen <input.x> --output <file.swift>")
                }
                input = argument
            }
            index += 1
        }
        guard let input else { throw GeneratorError("usage: xdrgen <input.x> --output <file.swift> [options]") }
        options.input = input
        return options
    }

    static func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "rb") else { throw GeneratorError("cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func writeFile(_ path: String, _ text: String) throws {
        guard let file = fopen(path, "wb") else { throw GeneratorError("cannot write \(path)") }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw GeneratorError("short write to \(path)") }
    }
}
