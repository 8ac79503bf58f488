/// A SASL mechanism for the AMQP login (`connection.start-ok`).
///
/// The broker lists what it accepts in `connection.start` (RabbitMQ: `auth_mechanisms`,
/// by default `PLAIN AMQPLAIN`); the client takes the first of
/// ``AMQPConnectionConfiguration/saslMechanisms`` that the broker lists. See
/// https://www.rabbitmq.com/docs/access-control#mechanisms.
public struct AMQPSASLMechanism: Sendable, Hashable, CustomStringConvertible {
  /// The mechanism's registered name, as sent on the wire (`PLAIN`, `EXTERNAL`).
  public let name: String

  /// User name and password (RFC 4616), sent inside the connection (under TLS when `amqps`).
  /// The default.
  public static let plain = AMQPSASLMechanism(name: "PLAIN")
  /// The identity of the TLS client certificate (RFC 4422 appendix A): no password. RabbitMQ
  /// needs the `rabbitmq_auth_mechanism_ssl` plugin, `EXTERNAL` in `auth_mechanisms`, and
  /// `ssl_options.verify = verify_peer`; the user name is the certificate's subject DN, or its
  /// CN with `ssl_cert_login_from = common_name`. Needs ``AMQPTLSConfiguration/certificateFile``.
  public static let external = AMQPSASLMechanism(name: "EXTERNAL")

  /// The mechanisms this client speaks.
  public static let supported: [AMQPSASLMechanism] = [.plain, .external]

  /// The mechanism with this name (any case: the URI spec's `auth_mechanism=external`), if
  /// this client speaks it.
  public init?(named name: String) {
    guard let known = Self.supported.first(where: { $0.name == name.uppercased() }) else {
      return nil
    }
    self = known
  }

  private init(name: String) { self.name = name }

  public var description: String { name }

  /// The first of `preferred` that the broker offers (`mechanisms` of `connection.start`, a
  /// space-separated list), or `nil`.
  static func choose(preferred: [AMQPSASLMechanism], offered: String) -> AMQPSASLMechanism? {
    let offered = Set(offered.split(separator: " ").map(String.init))
    return preferred.first { offered.contains($0.name) }
  }

  /// The `response` of `connection.start-ok` for this mechanism.
  func response(username: String, password: String) -> String {
    switch name {
    case Self.plain.name: "\u{0}\(username)\u{0}\(password)"
    default: ""  // EXTERNAL: the identity is the certificate; RabbitMQ reads no response.
    }
  }

  /// Why no mechanism could be chosen, for the error.
  static func notOffered(preferred: [AMQPSASLMechanism], offered: String) -> String {
    let wanted = preferred.map(\.name).joined(separator: ", ")
    var text =
      "the broker offers the login mechanisms \(offered); this connection asked for \(wanted)"
    if preferred.contains(.external) {
      text += " (EXTERNAL needs the broker's rabbitmq_auth_mechanism_ssl plugin and EXTERNAL in"
      text += " its auth_mechanisms)"
    }
    return text
  }

  /// Says whose login the broker refused.
  func refusal(username: String) -> String {
    switch name {
    case Self.plain.name: "login refused for user \"\(username)\""
    default: "\(name) login with the client certificate refused"
    }
  }
}
