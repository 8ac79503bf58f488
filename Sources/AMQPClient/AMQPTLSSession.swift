/// What TLS a connection negotiated, for display and logs: protocol version and cipher suite.
///
/// ``description`` reads `TLSv1.3 TLS_AES_128_GCM_SHA256`, with `UNVERIFIED` appended when
/// the broker's certificate was not checked (`verify=verify_none`).
public struct AMQPTLSSession: Sendable, Hashable, CustomStringConvertible {
  /// `TLSv1.2` or `TLSv1.3` (older versions are refused by swift-nio-ssl's defaults).
  public var protocolVersion: String
  /// The IANA name of the cipher suite, e.g. `TLS_AES_128_GCM_SHA256`.
  public var cipherSuite: String
  /// Whether the broker's certificate chain and name were checked (`verify_peer`).
  public var peerVerified: Bool

  public init(protocolVersion: String, cipherSuite: String, peerVerified: Bool) {
    self.protocolVersion = protocolVersion
    self.cipherSuite = cipherSuite
    self.peerVerified = peerVerified
  }

  public var description: String {
    "\(protocolVersion) \(cipherSuite)" + (peerVerified ? "" : " UNVERIFIED")
  }
}
