/// Parsing of AMQP URIs as RabbitMQ specifies them:
/// `amqp[s]://[user[:password]@]host[:port][/vhost][?key=value&…]`.
///
/// User, password and vhost are percent-decoded (`%2f` is `/`). A URL without a path selects
/// the default vhost `/`; a bare `/` selects the empty vhost name, as in RabbitMQ's spec.
/// Query keys: `heartbeat`, `connection_timeout` (milliseconds), `channel_max`, `frame_max`,
/// `connection_name`; for `amqps` also `cacertfile`, `certfile`, `keyfile`, `verify`,
/// `server_name_indication`, and `auth_mechanism` (see `+TLS.swift`).
extension AMQPConnectionConfiguration {
  /// Parses an AMQP URL.
  public init(url: String) throws(AMQPError) {
    func invalid(_ why: String) -> AMQPError {
      AMQPError(.invalidURL, "\(why) in AMQP URL \"\(Self.redact(url))\"")
    }
    guard let schemeEnd = url.firstRange(of: "://") else { throw invalid("missing scheme") }
    let scheme = url[..<schemeEnd.lowerBound].lowercased()
    guard scheme == "amqp" || scheme == "amqps" else {
      throw invalid("scheme \"\(scheme)\" is not amqp or amqps")
    }
    self.init(useTLS: scheme == "amqps")
    var rest = Substring(url[schemeEnd.upperBound...])

    var query: Substring = ""
    if let mark = rest.firstIndex(of: "?") {
      query = rest[rest.index(after: mark)...]
      rest = rest[..<mark]
    }
    var path: Substring?
    if let slash = rest.firstIndex(of: "/") {
      path = rest[rest.index(after: slash)...]
      rest = rest[..<slash]
    }
    var hostPort = rest
    if let at = rest.lastIndex(of: "@") {
      let userInfo = rest[..<at]
      hostPort = rest[rest.index(after: at)...]
      if let colon = userInfo.firstIndex(of: ":") {
        username = try Self.percentDecode(userInfo[..<colon], invalid)
        password = try Self.percentDecode(userInfo[userInfo.index(after: colon)...], invalid)
      } else {
        username = try Self.percentDecode(userInfo, invalid)
      }
    }
    var portText: Substring?
    if hostPort.hasPrefix("[") {
      guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unclosed IPv6 bracket") }
      host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
      let after = hostPort[hostPort.index(after: close)...]
      if after.hasPrefix(":") {
        portText = after.dropFirst()
      } else if !after.isEmpty {
        throw invalid("unexpected text after IPv6 address")
      }
    } else if let colon = hostPort.lastIndex(of: ":") {
      host = String(hostPort[..<colon])
      portText = hostPort[hostPort.index(after: colon)...]
    } else {
      host = String(hostPort)
    }
    if host.isEmpty { host = "localhost" }
    if let portText {
      guard let value = Int(portText), (1...65535).contains(value) else {
        throw invalid("port \"\(portText)\" is not a number from 1 to 65535")
      }
      port = value
    }
    if let path {
      guard !path.contains("/") else { throw invalid("vhost must encode / as %2f") }
      virtualHost = try Self.percentDecode(path, invalid)
    }
    for pair in query.split(separator: "&") where !pair.isEmpty {
      let parts = pair.split(separator: "=", maxSplits: 1)
      let key = String(parts[0])
      let value = try parts.count > 1 ? Self.percentDecode(parts[1], invalid) : ""
      switch key {
      case "heartbeat":
        guard let seconds = UInt16(value) else {
          throw invalid("heartbeat \"\(value)\" is not 0…65535")
        }
        heartbeat = seconds
      case "connection_timeout":
        guard let milliseconds = Int64(value), milliseconds > 0 else {
          throw invalid("connection_timeout \"\(value)\" is not a positive number of milliseconds")
        }
        connectionTimeout = .milliseconds(milliseconds)
      case "channel_max":
        guard let count = UInt16(value) else {
          throw invalid("channel_max \"\(value)\" is not 0…65535")
        }
        channelMax = count
      case "frame_max":
        guard let size = UInt32(value), size == 0 || size >= 4096 else {
          throw invalid("frame_max \"\(value)\" is not 0 or at least 4096")
        }
        frameMax = size
      case "connection_name":
        connectionName = value
      default:
        guard Self.tlsQueryKeys.contains(key) else {
          throw invalid("unknown query parameter \"\(key)\"")
        }
      }
    }
    try applyTLSQuery(query, invalid)
  }

  /// The configuration from `AMQP_URL`, or ``defaultURL`` when it is unset or empty.
  public static func fromEnvironment(_ environment: [String: String]) throws(AMQPError) -> Self {
    let url = environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL
    return try Self(url: url)
  }

  /// Hides the password of a URL that may not parse, for error messages.
  static func redact(_ url: String) -> String {
    guard let schemeEnd = url.firstRange(of: "://") else { return url }
    let afterScheme = url[schemeEnd.upperBound...]
    let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
    let authority = afterScheme[..<authorityEnd]
    guard let at = authority.lastIndex(of: "@"),
      let colon = authority[..<at].firstIndex(of: ":")
    else { return url }
    return String(url[..<colon]) + ":***" + String(url[at...])
  }

  static func percentDecode(_ text: Substring, _ invalid: (String) -> AMQPError)
    throws(AMQPError) -> String
  {
    var bytes: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    while let byte = iterator.next() {
      guard byte == UInt8(ascii: "%") else {
        bytes.append(byte)
        continue
      }
      guard let high = iterator.next().flatMap(hexValue),
        let low = iterator.next().flatMap(hexValue)
      else { throw invalid("bad percent-escape") }
      bytes.append(high << 4 | low)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
  case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
  case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
  default: nil
  }
}
