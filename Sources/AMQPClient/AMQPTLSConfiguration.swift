/// How an `amqps` connection sets up TLS: whom to trust, which certificate to present, and
/// whether to check the broker's certificate.
///
/// The fields are RabbitMQ's TLS query parameters of its URI spec
/// (https://www.rabbitmq.com/docs/uri-query-parameters): `cacertfile`, `certfile`, `keyfile`,
/// `verify` and `server_name_indication`; see also https://www.rabbitmq.com/docs/ssl. Used only
/// when ``AMQPConnectionConfiguration/useTLS`` is set. Files are PEM and are read once per
/// connect; their paths may be printed, their contents never are.
public struct AMQPTLSConfiguration: Sendable, Hashable {
  /// Whether the broker's certificate is checked (RabbitMQ's `verify` parameter).
  public struct PeerVerification: Sendable, Hashable, CustomStringConvertible {
    enum Base: String, Sendable, Hashable {
      case verifyPeer = "verify_peer"
      case verifyNone = "verify_none"
    }
    let base: Base

    /// The default: the broker's chain must lead to a trusted CA (``caCertificateFile``, or
    /// the system trust store), be within its dates, and name the host (or
    /// ``serverNameIndication``) in its subjectAltName.
    public static let verifyPeer = PeerVerification(base: .verifyPeer)
    /// No check at all: anyone between us and the broker can read and change the traffic.
    /// Every connect logs a warning and the rpc-* commands print one.
    public static let verifyNone = PeerVerification(base: .verifyNone)

    /// The spelling of the URI spec: `verify_peer` or `verify_none`.
    public var description: String { base.rawValue }

    /// Parses `verify_peer` or `verify_none`; `nil` for anything else.
    public init?(_ text: String) {
      guard let base = Base(rawValue: text) else { return nil }
      self.base = base
    }

    init(base: Base) { self.base = base }
  }

  /// PEM file of the certificate authorities to trust instead of the system trust store
  /// (`cacertfile`); `nil` trusts the system store (on Debian `/etc/ssl/certs`).
  public var caCertificateFile: String?
  /// PEM file of the client certificate (and any intermediates after it) presented to the
  /// broker (`certfile`); needs ``keyFile``. Required for the `EXTERNAL` mechanism.
  public var certificateFile: String?
  /// PEM file of the client certificate's private key (`keyfile`), unencrypted.
  public var keyFile: String?
  /// Whether the broker's certificate is checked (`verify`); ``PeerVerification/verifyPeer``
  /// by default.
  public var verification: PeerVerification
  /// The name sent in the TLS Server Name Indication extension and checked against the
  /// broker's certificate (`server_name_indication`); `nil` means the URL's host. An IP
  /// address is never sent as SNI (TLS forbids it) but is still checked against the
  /// certificate's IP entries.
  public var serverNameIndication: String?

  /// Verification on, the system trust store, no client certificate.
  public init(
    caCertificateFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
    verification: PeerVerification = .verifyPeer, serverNameIndication: String? = nil
  ) {
    self.caCertificateFile = caCertificateFile
    self.certificateFile = certificateFile
    self.keyFile = keyFile
    self.verification = verification
    self.serverNameIndication = serverNameIndication
  }
}
