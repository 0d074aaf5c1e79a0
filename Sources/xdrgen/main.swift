// xdrgen: generates Swift from XDR specifications (RFC 4506, with RFC 5531 program definitions).
//
//     swift run xdrgen <input.x> --output <file.swift> [options]
//
// Options:
//   --output <file>           where to write the Swift (default: standard output)
//   --access <level>          public | package | internal (default: public)
//   --prefix <Prefix>         prepended to every generated type name (NFS3 → NFS3GetattrArgs)
//   --strip-suffix <text>     removed from the end of each word of type and constant names (3: GETATTR3args →
//                             GetattrArgs)
//   --strip-type-word <w>     a word dropped from type names, repeatable (nfs: nfs_fh3 → NFS3Fh)
//   --strip-member-word <w>   a word dropped from enum member, procedure and constant names, repeatable
//                             (ERR: NFS3ERR_NOENT → noent)
//   --import <Module>         an extra module to import, repeatable
//
// What it generates, one value type per definition (the spec's name in a doc comment beside each):
//   const                → static members of `<Prefix>Constants`
//   enum                 → an open RawRepresentable struct with static members (unknown values stay representable)
//   struct               → a struct with init(from: inout XDRReader), encode(to: inout XDRWriter), xdrEncodedSize
//   union                → an enum with associated values; `default` carries the discriminant. A bool-switched
//                          union with one void arm (post_op_attr) is an Optional of the other arm
//   typedef              → a typealias, plus a `<Name>Codec` when the Swift type does not carry the rule (a bound,
//                          a count, list links)
//   T *next in struct T  → a linked list, generated as an array of T (the link field is left out of T)
//   program/version/proc → `<Prefix>Program.number`, `.V<n>.number`, `.V<n>.Procedure.<name>`
// Variable-length opaque data and strings decode as XDROpaque views into the record; fixed-length opaque data as
// XDRFixedOpaque<n>, inline. The output is deterministic: the same input and options give the same bytes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

let exitCode = CommandLine.runXDRGen(Array(CommandLine.arguments.dropFirst()))
exit(exitCode)
