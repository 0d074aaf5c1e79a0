import Testing
import XDR

/// Exercises the generated code in Golden/SampleXDR.swift (from xdr/tests/sample.x): every construct xdrgen
/// supports, against bytes written out by hand from RFC 4506.
@Suite("Generated sample")
struct GeneratedSampleTests {
    static let shapeBytes = hex(
        "00000003 74726900",  // name: string<16> "tri", padded
        "00000010",  // fill: COLOR_BLUE = 0x10
        "00000001 00000002 00000003 00000004 ffffffff fffffffe",  // corners[3]: (1,2) (3,4) (-1,-2)
        "00000001 00000007",  // weights<>: one element, 7
        "010203040506 0000",  // verf: opaque[6], padded
        "ffffffff fffffffb",  // area: hyper -5
        "01020304 05060708",  // id: unsigned hyper
        "00000001",  // visible: TRUE
        "3f000000",  // ratio: float 0.5
        "3ff00000 00000000",  // scale: double 1.0
        "00000001 0000002a",  // maybe: int * present, 42
        "00000001 ff000000",  // blob: opaque<> of one byte
        "00000001 00000009"  // range: inline struct { low 1, high 9 }
    )

    static var shape: SampleShape {
        SampleShape(
            name: opaque("tri"), fill: .blue,
            corners: [SamplePoint(x: 1, y: 2), SamplePoint(x: 3, y: 4), SamplePoint(x: -1, y: -2)],
            weights: [7], verf: XDRFixedOpaque(copying: [1, 2, 3, 4, 5, 6]), area: -5, id: 0x0102_0304_0506_0708,
            visible: true, ratio: 0.5, scale: 1.0, maybe: 42, blob: opaque([0xff]),
            range: SampleShapeRange(low: 1, high: 9))
    }

    @Test("a struct with every kind of field matches its hand-written bytes")
    func structWireFormat() throws {
        try expectWireFormat(Self.shape, Self.shapeBytes)
    }

    @Test("a bound from the specification is enforced on decode and encode")
    func bounds() throws {
        var long = Self.shape
        long.name = opaque("seventeen bytes!!")
        #expect(throws: XDRError.lengthTooLong(length: 17, limit: 16)) { _ = try encode(long) }
        var bytes = Self.shapeBytes
        bytes.replaceSubrange(0..<8, with: hex("00000011") + [UInt8](repeating: 0x61, count: 20))
        #expect(throws: XDRError.lengthTooLong(length: 17, limit: 16)) { _ = try decode(SampleShape.self, bytes) }
        var twoCorners = Self.shape
        twoCorners.corners.removeLast()
        #expect(throws: XDRError.lengthTooLong(length: 2, limit: 3)) { _ = try encode(twoCorners) }
    }

    @Test("an enum value the specification does not list stays representable")
    func openEnum() throws {
        let color = try decode(SampleColor.self, hex("00000063"))
        #expect(color.rawValue == 99)
        #expect(color.description == "color(99)")
        #expect(SampleColor.green.description == "COLOR_GREEN")
        #expect(try encode(color) == hex("00000063"))
    }

    @Test("a union's default arm carries the discriminant, explicit arms do not")
    func unionArms() throws {
        try expectWireFormat(SampleResult.red(SamplePoint(x: 5, y: 6)), hex("00000001", "00000005 00000006"))
        try expectWireFormat(SampleResult.blue, hex("00000010"))
        try expectWireFormat(SampleResult.message(SampleColor(rawValue: 7), opaque("hi")), hex("00000007", "00000002 68690000"))
        #expect(SampleResult.green.status == .green)
        #expect(SampleResult.message(SampleColor(rawValue: 7), opaque("")).status.rawValue == 7)
    }

    @Test("a default arm may not be encoded with an explicit arm's label")
    func defaultArmWithExplicitLabel() {
        #expect(throws: XDRError.badDiscriminant(2)) { _ = try encode(SampleResult.message(.green, opaque("x"))) }
    }

    @Test("a union without default rejects an unknown discriminant")
    func unknownDiscriminant() throws {
        #expect(throws: XDRError.badDiscriminant(3)) { _ = try decode(SampleNumbered.self, hex("00000003")) }
        try expectWireFormat(SampleNumbered.case7(-1), hex("00000007", "ffffffff ffffffff"))
        try expectWireFormat(SampleNumbered.case0, hex("00000000"))
    }

    @Test("a bool union with one void arm is an Optional, the same on the wire as T *")
    func optionalUnion() throws {
        let present: SampleMaybePoint = SamplePoint(x: 1, y: 1)
        try expectWireFormat(present, hex("00000001", "00000001 00000001"))
        let absent: SampleMaybePoint = nil
        try expectWireFormat(absent, hex("00000000"))
        #expect(throws: XDRError.badBoolean(2)) { _ = try decode(SampleMaybePoint.self, hex("00000002")) }
    }

    @Test("a self-linked struct is a list: TRUE before each element, FALSE after the last")
    func linkedList() throws {
        let graph = SampleGraph(
            nodes: [
                SampleNode(value: 1, where: nil),
                SampleNode(value: 2, where: SamplePoint(x: 3, y: 4)),
            ],
            tally: [5, 6])
        let bytes = hex(
            "00000001", "00000001", "00000000",  // TRUE, node { value 1, where: FALSE }
            "00000001", "00000002", "00000001 00000003 00000004",  // TRUE, node { value 2, where: (3,4) }
            "00000000",  // FALSE: end of the list
            "00000002 00000005 00000006"  // tally: counts<4> [5, 6]
        )
        try expectWireFormat(graph, bytes)
        var empty = XDRReader(pinned(hex("00000000")))
        #expect(try SampleNodelistCodec.decode(from: &empty) == [])
    }

    @Test("a bounded typedef gets a codec that keeps its bound")
    func typedefCodec() throws {
        var tooMany = XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8))
        #expect(throws: XDRError.lengthTooLong(length: 5, limit: 4)) {
            try SampleCountsCodec.encode([1, 2, 3, 4, 5], to: &tooMany)
        }
        var reader = XDRReader(pinned(hex("00000005") + [UInt8](repeating: 0, count: 20)))
        #expect(throws: XDRError.lengthTooLong(length: 5, limit: 4)) { _ = try SampleCountsCodec.decode(from: &reader) }
        #expect(SampleCountsCodec.encodedSize(of: [1, 2]) == 12)
    }

    @Test("constants, programs, versions and procedures become numbers with the spec's names")
    func numbers() {
        #expect(SampleConstants.maxname == 16)
        #expect(SampleConstants.negative == -2)
        #expect(SampleConstants.big == 0x1_0000_0000)
        #expect(SampleProgram.number == 0x2000_0099)
        #expect(SampleProgram.V1.number == 1)
        #expect(SampleProgram.V2.Procedure.walk.rawValue == 4)
        #expect(SampleProgram.V2.Procedure.walk.description == "SAMPLEPROC_WALK")
        #expect(SampleProgram.V2.Procedure(rawValue: 9).description == "SAMPLE_V2 procedure 9")
        #expect(SampleProgram.V1.Procedure.all == [.null, .paint])
    }
}
