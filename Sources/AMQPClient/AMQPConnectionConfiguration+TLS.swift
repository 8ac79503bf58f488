/// RabbitMQ's TLS query parameters (https://www.rabbitmq.com/docs/uri-query-parameters):
/// `amqps://host/vhost?cacertfile=/ca.pem&certfile=/client.pem&keyfile=/client.key&`
/// `verify=verify_peer&server_name_indication=broker.example&auth_mechanism=external`.
///
/// - `cacertfile`, `certfile`, `keyfile`: PEM file paths (percent-decoded);
/// - `verify`: `verify_peer` (the default) or `verify_none`;
/// - `server_name_indication`: the name sent as SNI and checked in the certificate (default:
///   the host);
/// - `auth_mechanism`: `plain` or `external`, repeatable, in order of preference (the Erlang
///   client's spelling); PLAIN when absent.
///
/// TLS parameters on an `amqp://` URL are refused rather than ignored: the connection would
/// silently be plain TCP.
extension AMQPConnectionConfiguration {
  /// The query keys handled here rather than in the URL parser's own switch.
  static let tlsQueryKeys: Set<String> = [
    "cacertfile", "certfile", "keyfile", "verify", "server_name_indication", "auth_mechanism",
  ]

  /// Applies the TLS and login keys of `query` (the URL after `?`), in order.
  mutating func applyTLSQuery(_ query: Substring, _ invalid: (String) -> AMQPError)
    throws(AMQPError)
  {
    var mechanisms: [AMQPSASLMechanism] = []
    for pair in query.split(separator: "&") where !pair.isEmpty {
      let parts = pair.split(separator: "=", maxSplits: 1)
      let key = String(parts[0])
      guard Self.tlsQueryKeys.contains(key) else { continue }
      let value = try parts.count > 1 ? Self.percentDecode(parts[1], invalid) : ""
      if key != "auth_mechanism", !useTLS {
        throw invalid("\(key) needs an amqps:// URL (TLS); this amqp:// URL is plain TCP")
      }
      func path() throws(AMQPError) -> String {
        guard !value.isEmpty else { throw invalid("\(key) is empty; it takes a file path") }
        return value
      }
      switch key {
      case "cacertfile": tls.caCertificateFile = try path()
      case "certfile": tls.certificateFile = try path()
      case "keyfile": tls.keyFile = try path()
      case "verify":
        guard let verification = AMQPTLSConfiguration.PeerVerification(value) else {
          throw invalid("verify \"\(value)\" is not verify_peer or verify_none")
        }
        tls.verification = verification
      case "server_name_indication":
        guard !value.isEmpty else { throw invalid("server_name_indication is empty") }
        tls.serverNameIndication = value
      default:  // auth_mechanism
        guard let mechanism = AMQPSASLMechanism(named: value) else {
          let names = AMQPSASLMechanism.supported.map { $0.name.lowercased() }
          throw invalid(
            "auth_mechanism \"\(value)\" is not one of \(names.joined(separator: ", "))")
        }
        if !mechanisms.contains(mechanism) { mechanisms.append(mechanism) }
      }
    }
    if !mechanisms.isEmpty { saslMechanisms = mechanisms }
    if let problem = tlsSettingsProblem { throw invalid(problem) }
  }

  /// What makes the TLS and login settings unusable together, or `nil`; checked when a URL
  /// is parsed and again at connect (for configurations built in code).
  var tlsSettingsProblem: String? {
    if saslMechanisms.isEmpty { return "no login mechanism is configured (saslMechanisms)" }
    if !useTLS, saslMechanisms.contains(.external) {
      return "the EXTERNAL mechanism logs in with a TLS client certificate: it needs amqps://"
    }
    guard useTLS else { return nil }
    switch (tls.certificateFile, tls.keyFile) {
    case (nil, nil):
      if saslMechanisms == [.external] {
        return "the EXTERNAL mechanism needs a client certificate (certfile and keyfile)"
      }
    case (.some, nil): return "certfile needs keyfile (the certificate's private key)"
    case (nil, .some): return "keyfile needs certfile (the certificate it belongs to)"
    case (.some, .some): break
    }
    return nil
  }
}
