import NIOCore
import Testing

@testable import AMQPClient

@Suite struct TLSServerHelloSnifferTests {
  /// A TLS 1.3 ServerHello record as a server sends it: record header, handshake header,
  /// legacy version, random, a 32-byte session id, the cipher suite, compression, extensions.
  static func serverHello(cipherSuite: UInt16) -> ByteBuffer {
    var buffer = ByteBuffer(bytes: [22, 3, 3, 0, 122, 2, 0, 0, 118, 3, 3])
    buffer.writeRepeatingByte(0xAB, count: 32)  // random
    buffer.writeInteger(UInt8(32))
    buffer.writeRepeatingByte(0xCD, count: 32)  // session id
    buffer.writeInteger(cipherSuite)
    buffer.writeInteger(UInt8(0))  // compression
    buffer.writeBytes([0, 46, 0, 43, 0, 2, 3, 4])  // extensions (supported_versions: TLS 1.3)
    return buffer
  }

  @Test func cipherSuiteIsReadFromTheServerHello() {
    let hello = Self.serverHello(cipherSuite: 0x1302)
    #expect(TLSServerHelloSniffer.serverHelloCipherSuite(in: hello) == .found(0x1302))
    #expect(TLSCipherSuiteNames.name(of: 0x1302) == "TLS_AES_256_GCM_SHA384")
    #expect(TLSCipherSuiteNames.name(of: 0xC02F) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    #expect(TLSCipherSuiteNames.name(of: 0xFFFE) == "cipher suite 0xFFFE")
  }

  @Test func aServerHelloCutShortAsksForMoreAtEveryLength() {
    let hello = Self.serverHello(cipherSuite: 0x1301)
    for length in 0..<(5 + 4 + 2 + 32 + 1 + 32 + 2) {
      let part = hello.getSlice(at: 0, length: length) ?? ByteBuffer()
      #expect(TLSServerHelloSniffer.serverHelloCipherSuite(in: part) == .needMore, "\(length)")
    }
  }

  @Test func plainAMQPAndOtherRecordsAreNotAServerHello() {
    let amqp = ByteBuffer(bytes: Array("AMQP".utf8) + [0, 0, 9, 1])
    #expect(TLSServerHelloSniffer.serverHelloCipherSuite(in: amqp) == .notTLS)
    let alert = ByteBuffer(bytes: [21, 3, 3, 0, 2, 2, 40])
    #expect(TLSServerHelloSniffer.serverHelloCipherSuite(in: alert) == .notTLS)
  }

  @Test func expiryDatesAreShownInUTC() {
    #expect(TLSFailureTranslator.utcDate(1_577_923_200) == "2020-01-02 00:00 UTC")
    #expect(TLSFailureTranslator.utcDate(0) == "1970-01-01 00:00 UTC")
  }
}

extension TLSServerHelloSnifferTests {
  @Test func boringSSLErrorsAreShortenedToTheirReasons() {
    let text =
      "sslError([Error: 268436496 error:10000410:SSL routines:OPENSSL_internal:"
      + "SSLV3_ALERT_HANDSHAKE_FAILURE at /x/ssl/tls_record.cc:491])"
    #expect(TLSFailureTranslator.reasons(in: text) == "SSLV3_ALERT_HANDSHAKE_FAILURE")
    #expect(TLSFailureTranslator.reasons(in: "EOF during handshake") == "EOF during handshake")
  }
}
