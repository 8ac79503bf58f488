import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Sits above `NIOSSLClientHandler` and turns its errors into an ``AMQPError`` that names
/// the cause: an untrusted certificate authority, a host-name mismatch, an expired
/// certificate, a client certificate the broker refused, or a peer that does not speak TLS
/// (a plain AMQP port). Other errors pass unchanged. No key material is ever part of a
/// message: only file paths, certificate names and dates.
final class TLSFailureTranslator: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private let sniffer: TLSServerHelloSniffer
  private let tlsHandler: NIOSSLClientHandler
  private let endpoint: String
  private let expectedName: String
  private let settings: AMQPTLSConfiguration
  private var handshakeCompleted = false

  init(
    sniffer: TLSServerHelloSniffer, tlsHandler: NIOSSLClientHandler,
    configuration: AMQPConnectionConfiguration
  ) {
    self.sniffer = sniffer
    self.tlsHandler = tlsHandler
    self.endpoint = "\(configuration.host):\(configuration.port)"
    self.expectedName = configuration.tls.serverNameIndication ?? configuration.host
    self.settings = configuration.tls
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case .handshakeCompleted = event as? TLSUserEvent { handshakeCompleted = true }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard let cause = explanation(of: error) else {
      context.fireErrorCaught(error)
      return
    }
    context.fireErrorCaught(AMQPError(.tlsHandshakeFailed, "TLS with \(endpoint): \(cause)"))
  }

  /// Why TLS failed, in words, or `nil` for an error that is not about TLS.
  func explanation(of error: any Error) -> String? {
    if !handshakeCompleted, let notTLS = notTLSExplanation() { return notTLS }
    if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
      return
        "host-name mismatch: the broker's certificate (\(names(of: tlsHandler.peerCertificate))) "
        + "is not valid for \"\(expectedName)\"; connect by a name it lists, or set "
        + "server_name_indication to one"
    }
    guard error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError else {
      return handshakeCompleted ? nil : "the connection failed during the TLS handshake: \(error)"
    }
    let text = String(describing: error)
    if text.contains("CERTIFICATE_VERIFY_FAILED") { return certificateExplanation() }
    if text.contains("CERTIFICATE_REQUIRED") {
      return "the broker requires a client certificate (certfile and keyfile)"
    }
    if text.contains("ALERT_UNKNOWN_CA") || text.contains("ALERT_BAD_CERTIFICATE")
      || text.contains("ALERT_CERTIFICATE_UNKNOWN") || text.contains("ALERT_CERTIFICATE_EXPIRED")
    {
      return "the broker refused our client certificate "
        + "(\(settings.certificateFile ?? "none")): it does not trust it"
    }
    if text.contains("EOF during handshake") {
      return "the broker closed the connection during the TLS handshake"
    }
    if text.contains("ALERT_HANDSHAKE_FAILURE"), let certificate = settings.certificateFile {
      // Erlang's ssl answers a client certificate it rejects (expired, unknown issuer) so.
      return "the broker ended the handshake (handshake_failure): most likely it refused our "
        + "client certificate (\(certificate)): expired, or not signed by a CA it trusts"
    }
    if text.contains("ALERT_HANDSHAKE_FAILURE") || text.contains("ALERT_PROTOCOL_VERSION")
      || text.contains("NO_SHARED_CIPHER") || text.contains("UNSUPPORTED_PROTOCOL")
    {
      return "no TLS version or cipher suite in common with the broker (\(Self.reasons(in: text)))"
    }
    return Self.reasons(in: text)
  }

  /// BoringSSL's reason codes in an error's text (`SSLV3_ALERT_HANDSHAKE_FAILURE`), without
  /// the error numbers and source paths around them; the whole text when there are none.
  static func reasons(in text: String) -> String {
    let marker = "OPENSSL_internal:"
    var reasons: [Substring] = []
    var rest = Substring(text)
    while let found = rest.firstRange(of: marker) {
      rest = rest[found.upperBound...]
      reasons.append(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }
    return reasons.isEmpty ? text : reasons.joined(separator: ", ")
  }

  /// A peer whose first bytes are not a TLS record: a plain AMQP port, or something else.
  private func notTLSExplanation() -> String? {
    let first = sniffer.firstBytes
    guard let byte = first.first else { return nil }
    if first.starts(with: Array("AMQP".utf8)) {
      return "the server answered in plain AMQP (its protocol header), not TLS: this is an "
        + "amqp:// port; use amqp://, or the broker's TLS port (5671 by default)"
    }
    // TLS record types: change_cipher_spec, alert, handshake, application_data.
    guard !(20...23).contains(byte) else { return nil }
    let printable = String(decoding: first.map { (32...126).contains($0) ? $0 : 46 }, as: UTF8.self)
    return "the server does not speak TLS (it sent \"\(printable)\")"
  }

  /// Why the broker's certificate failed verification. BoringSSL reports only
  /// CERTIFICATE_VERIFY_FAILED; the leaf's dates tell an expired certificate from an
  /// untrusted issuer.
  private func certificateExplanation() -> String {
    let trusted = settings.caCertificateFile.map { "cacertfile \($0)" } ?? "the system trust store"
    guard let certificate = tlsHandler.peerCertificate else {
      return "the broker's certificate failed verification against \(trusted) "
        + "(untrusted authority or outside its dates)"
    }
    let now = time(nil)
    let subject = names(of: certificate)
    if certificate.notValidAfter < now {
      return "the broker's certificate (\(subject)) expired on "
        + Self.utcDate(certificate.notValidAfter)
    }
    if certificate.notValidBefore > now {
      return "the broker's certificate (\(subject)) is not valid before "
        + Self.utcDate(certificate.notValidBefore)
    }
    let issuer =
      certificate.issuerName.first { $0.type == .commonName }.map { "CN=\($0.value)" } ?? "?"
    return "untrusted certificate authority: the broker's certificate (\(subject)) is signed by "
      + "\(issuer), which \(trusted) does not contain"
      + (settings.caCertificateFile == nil ? "; give the broker's CA with cacertfile=…" : "")
  }

  private func names(of certificate: NIOSSLCertificate?) -> String {
    guard let certificate else { return "none received" }
    return certificate.subjectName.first { $0.type == .commonName }.map { "CN=\($0.value)" }
      ?? "no common name"
  }

  /// `2020-01-02 00:00 UTC`.
  static func utcDate(_ seconds: time_t) -> String {
    var time = seconds
    var parts = tm()
    guard gmtime_r(&time, &parts) != nil else { return "\(seconds) s after 1970" }
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
  }
}
