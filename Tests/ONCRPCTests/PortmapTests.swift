import ONCRPC
import Testing
import XDR

@Suite("Portmap and rpcbind")
struct PortmapTests {
    @Test("PMAPPROC_GETPORT's mapping, byte for byte (RFC 1833 §3)")
    func mapping() throws {
        let mapping = PMAPMapping(prog: 100_003, vers: 3, prot: PMAPConstants.ipprotoTcp, port: 0)
        try expectWireFormat(mapping, hex("000186a3", "00000003", "00000006", "00000000"))
        #expect(PMAPProgram.number == 100_000)
        #expect(PMAPProgram.V2.Procedure.getport.rawValue == 3)
        #expect(PMAPProgram.V2.Procedure.dump.rawValue == 4)
        #expect(PMAPConstants.port == 111)
    }

    @Test("PMAPPROC_DUMP's list is bool-linked")
    func dump() throws {
        let list: PMAPPmaplist = [
            PMAPNode(map: PMAPMapping(prog: 100_000, vers: 2, prot: 6, port: 111)),
            PMAPNode(map: PMAPMapping(prog: 100_003, vers: 3, prot: 6, port: 2049)),
        ]
        let bytes = hex(
            "00000001", "000186a0 00000002 00000006 0000006f",  // TRUE, portmapper 2 tcp 111
            "00000001", "000186a3 00000003 00000006 00000801",  // TRUE, nfs 3 tcp 2049
            "00000000"  // FALSE
        )
        var writer = XDRWriter(UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8))
        try PMAPPmaplistCodec.encode(list, to: &writer)
        #expect(Array(writer.written()) == bytes)
        #expect(PMAPPmaplistCodec.encodedSize(of: list) == bytes.count)
        var reader = XDRReader(pinned(bytes))
        #expect(try PMAPPmaplistCodec.decode(from: &reader) == list)
    }

    @Test("rpcbind GETADDR's rpcb, byte for byte (RFC 1833 §2.2)")
    func rpcb() throws {
        let query = RPCBRpcb(
            rProg: 100_003, rVers: 3, rNetid: opaque("tcp"), rAddr: opaque(""), rOwner: opaque("chimera"))
        try expectWireFormat(
            query,
            hex(
                "000186a3", "00000003",  // prog, vers
                "00000003 74637000",  // r_netid "tcp"
                "00000000",  // r_addr ""
                "00000007 6368696d 65726100"  // r_owner "chimera"
            ))
        #expect(RPCBProgram.V4.Procedure.getaddr.rawValue == 3)
        #expect(RPCBProgram.V4.Procedure.getversaddr.rawValue == 9)
    }
}
