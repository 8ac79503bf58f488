import Logging
import NIOCore
import NIOSSL

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// TLS for `amqps` connections, through swift-nio-ssl (BoringSSL): the context made from
/// ``AMQPTLSConfiguration``, the handlers put in front of the AMQP handler, and what was
/// negotiated. See https://www.rabbitmq.com/docs/ssl for the broker side.
extension AMQPConnection {
  /// The TLS context for `configuration`, or `nil` for plain `amqp`. Reads the PEM files, so
  /// a missing or unreadable file fails here, before any connection is made. With `logger`
  /// (when the application connects, not on every reconnection) `verify_none` is warned of.
  ///
  /// - Throws: ``AMQPError/Code/invalidTLSConfiguration`` naming the file or setting.
  static func makeTLSContext(_ configuration: AMQPConnectionConfiguration, logger: Logger? = nil)
    throws(AMQPError) -> NIOSSLContext?
  {
    if let problem = configuration.tlsSettingsProblem {
      throw AMQPError(.invalidTLSConfiguration, problem)
    }
    guard configuration.useTLS else { return nil }
    let settings = configuration.tls
    var tls = TLSConfiguration.makeClientConfiguration()  // TLS 1.2 and 1.3, system roots
    if let file = settings.caCertificateFile {
      tls.trustRoots = .certificates(try certificates(in: file, parameter: "cacertfile"))
    }
    if let certificateFile = settings.certificateFile, let keyFile = settings.keyFile {
      tls.certificateChain = try certificates(in: certificateFile, parameter: "certfile")
        .map { .certificate($0) }
      try checkReadable(keyFile, parameter: "keyfile")
      do {
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
      } catch {
        throw AMQPError(
          .invalidTLSConfiguration, "keyfile \"\(keyFile)\" holds no unencrypted PEM private key")
      }
    }
    switch settings.verification.base {
    case .verifyPeer:
      tls.certificateVerification = .fullVerification
    case .verifyNone:
      tls.certificateVerification = .none
      logger?.warning(
        """
        TLS peer verification is off (verify=verify_none): the broker's certificate is not \
        checked, so anyone on the path can read and change this connection
        """,
        metadata: ["url": "\(configuration.redactedURL)"])
    }
    do {
      return try NIOSSLContext(configuration: tls)
    } catch let error as NIOSSLError
      where settings.certificateFile != nil
      && (error == .failedToLoadCertificate || error == .failedToLoadPrivateKey)
    {
      throw AMQPError(
        .invalidTLSConfiguration,
        "certfile \"\(settings.certificateFile ?? "")\" and keyfile \"\(settings.keyFile ?? "")\" "
          + "do not belong together: the key is not the certificate's")
    } catch {
      // BoringSSL's text (e.g. KEY_VALUES_MISMATCH) names the problem, never the key itself.
      throw AMQPError(.invalidTLSConfiguration, "cannot set up TLS: \(error)")
    }
  }

  /// Puts TLS between the socket and the AMQP handler: the ServerHello reader, swift-nio-ssl's
  /// client handler and the error translator. Runs in the channel initializer.
  static func addTLSHandlers(
    _ context: NIOSSLContext, configuration: AMQPConnectionConfiguration, to channel: any Channel
  ) throws {
    let name = configuration.tls.serverNameIndication ?? configuration.host
    // TLS forbids an IP address as SNI; swift-nio-ssl then checks the certificate's IP
    // entries against the address it connected to.
    let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
    let sniffer = TLSServerHelloSniffer()
    let tlsHandler = try NIOSSLClientHandler(
      context: context, serverHostname: isAddress ? nil : name)
    let translator = TLSFailureTranslator(
      sniffer: sniffer, tlsHandler: tlsHandler, configuration: configuration)
    try channel.pipeline.syncOperations.addHandlers([sniffer, tlsHandler, translator])
  }

  /// What TLS `channel` negotiated, or `nil` for a plain connection. On its event loop.
  static func negotiatedTLS(of channel: any Channel, peerVerified: Bool) -> AMQPTLSSession? {
    let pipeline = channel.pipeline.syncOperations
    guard let tls = try? pipeline.handler(type: NIOSSLClientHandler.self),
      let sniffer = try? pipeline.handler(type: TLSServerHelloSniffer.self)
    else { return nil }
    let version: String =
      switch tls.tlsVersion {
      case .tlsv13: "TLSv1.3"
      case .tlsv12: "TLSv1.2"
      case .tlsv11: "TLSv1.1"
      case .tlsv1: "TLSv1"
      case nil: "TLS"
      }
    return AMQPTLSSession(
      protocolVersion: version,
      cipherSuite: sniffer.cipherSuite.map(TLSCipherSuiteNames.name(of:)) ?? "unknown cipher",
      peerVerified: peerVerified)
  }

  private static func certificates(in file: String, parameter: String) throws(AMQPError)
    -> [NIOSSLCertificate]
  {
    try checkReadable(file, parameter: parameter)
    let certificates: [NIOSSLCertificate]
    do {
      certificates = try NIOSSLCertificate.fromPEMFile(file)
    } catch {
      certificates = []
    }
    guard !certificates.isEmpty else {
      throw AMQPError(.invalidTLSConfiguration, "\(parameter) \"\(file)\" holds no PEM certificate")
    }
    return certificates
  }

  private static func checkReadable(_ file: String, parameter: String) throws(AMQPError) {
    guard access(file, R_OK) == 0 else {
      let reason = String(cString: strerror(errno))
      throw AMQPError(.invalidTLSConfiguration, "cannot read \(parameter) \"\(file)\": \(reason)")
    }
  }
}
