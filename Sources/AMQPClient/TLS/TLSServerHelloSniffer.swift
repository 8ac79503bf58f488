import NIOCore

/// Sits next to the socket, below `NIOSSLClientHandler`, and reads the first bytes the peer
/// sends before TLS sees them; it changes nothing and passes everything on.
///
/// Two things are learnt there: the cipher suite the server chose, from its ServerHello
/// (plaintext in every TLS version; swift-nio-ssl 2.37 reports the protocol version but not
/// the cipher), and what a peer that is not TLS said first (a plain AMQP port answers a TLS
/// hello with `AMQP` and its protocol version), for ``TLSFailureTranslator``.
/// After the ServerHello, or 16 KiB without one, it only forwards.
final class TLSServerHelloSniffer: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  /// Up to the first 16 bytes the peer sent.
  private(set) var firstBytes: [UInt8] = []
  /// The cipher suite of the ServerHello (IANA code point), once seen.
  private(set) var cipherSuite: UInt16?
  private var buffered = ByteBuffer()
  private var done = false

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if !done {
      let bytes = unwrapInboundIn(data)
      if firstBytes.count < 16 {
        firstBytes +=
          bytes.getBytes(
            at: bytes.readerIndex, length: min(16 - firstBytes.count, bytes.readableBytes)) ?? []
      }
      var copy = bytes
      buffered.writeBuffer(&copy)
      switch Self.serverHelloCipherSuite(in: buffered) {
      case .found(let suite):
        cipherSuite = suite
        done = true
      case .notTLS:
        done = true
      case .needMore:
        done = buffered.readableBytes > 16_384
      }
      if done { buffered = ByteBuffer() }
    }
    context.fireChannelRead(data)
  }

  enum ParseResult: Equatable {
    case found(UInt16)
    case needMore
    case notTLS
  }

  /// Reads the cipher suite from a ServerHello at the start of `bytes` (RFC 8446 4.1.3,
  /// RFC 5246 7.4.1.3): a handshake record (type 22), message type 2, then version (2),
  /// random (32), session id (1 + n), cipher suite (2). Assumes the ServerHello starts in
  /// the first record, which every server does.
  static func serverHelloCipherSuite(in bytes: ByteBuffer) -> ParseResult {
    let start = bytes.readerIndex
    guard let recordType = bytes.getInteger(at: start, as: UInt8.self) else { return .needMore }
    guard recordType == 22 else { return .notTLS }
    guard let major = bytes.getInteger(at: start + 1, as: UInt8.self) else { return .needMore }
    guard major == 3 else { return .notTLS }
    // Record header 5, handshake header 4, version 2, random 32: the session id length at 43.
    let sessionIDLengthAt = start + 5 + 4 + 2 + 32
    guard let messageType = bytes.getInteger(at: start + 5, as: UInt8.self) else {
      return .needMore
    }
    guard messageType == 2 else { return .notTLS }
    guard let sessionIDLength = bytes.getInteger(at: sessionIDLengthAt, as: UInt8.self) else {
      return .needMore
    }
    guard
      let suite = bytes.getInteger(
        at: sessionIDLengthAt + 1 + Int(sessionIDLength), as: UInt16.self)
    else { return .needMore }
    return .found(suite)
  }
}
