import AMQPProtocol

/// Where and how to connect to an AMQP broker.
public struct AMQPConnectionConfiguration: Sendable, Hashable {
  /// The broker's host name or address.
  public var host: String
  /// The broker's TCP port.
  public var port: Int
  /// Whether to use TLS (`amqps`); ``tls`` says how.
  public var useTLS: Bool
  /// Trust, client certificate, verification and SNI for `amqps` (used when ``useTLS``);
  /// verification against the system trust store by default.
  public var tls = AMQPTLSConfiguration()
  /// The login mechanisms to use, most wanted first; the first the broker offers is taken.
  /// `[.plain]` by default; `[.external]` logs in with the TLS client certificate.
  public var saslMechanisms: [AMQPSASLMechanism] = [.plain]
  /// The user name for PLAIN authentication.
  public var username: String
  /// The password for PLAIN authentication; never printed.
  public var password: String
  /// The virtual host to open.
  public var virtualHost: String
  /// Requested heartbeat interval in seconds; 0 disables heartbeats (if the broker agrees).
  public var heartbeat: UInt16
  /// Requested maximum number of channels; 0 means no limit beyond the protocol's 65535.
  public var channelMax: UInt16
  /// Requested maximum frame size in bytes; 0 means no limit.
  public var frameMax: UInt32
  /// The largest message body accepted from the broker, in bytes: a content header
  /// announcing more closes the connection with ``AMQPError/Code/protocolViolation`` (its
  /// `protocolError` code is `messageTooLarge`) before any of the body is buffered.
  /// Defaults to 128 MiB, RabbitMQ's default `max_message_size` before 4.0 (4.0 lowered it
  /// to 16 MiB); raise it if the broker's is raised (its hard limit is 512 MiB). See
  /// AMQPProtocol's `AMQPFrameDecoder.maximumMessageSize`.
  public var maximumMessageSize: UInt32
  /// How long the TCP connect plus the AMQP handshake may take.
  public var connectionTimeout: Duration
  /// A name shown for this connection in the management UI and `rabbitmqctl list_connections`.
  public var connectionName: String?
  /// How a lost connection comes back (on by default; ``AMQPRecoveryPolicy/disabled`` to
  /// close for good instead).
  public var recovery: AMQPRecoveryPolicy
  /// How long a synchronous AMQP method (`queue.declare`, `basic.qos`, `basic.consume`,
  /// `channel.open`, `channel.close`…) may wait for the broker's reply. A broker silent for
  /// that long is treated as a lost link: the call fails with
  /// ``AMQPError/Code/connectionTimeout`` and the connection recovers.
  public var methodTimeout: Duration

  /// Defaults: `amqp://guest:guest@localhost:5672/` with the `/` virtual host.
  public init(
    host: String = "localhost", port: Int? = nil, useTLS: Bool = false,
    username: String = "guest", password: String = "guest", virtualHost: String = "/",
    heartbeat: UInt16 = 60, channelMax: UInt16 = 2047, frameMax: UInt32 = 131_072,
    connectionTimeout: Duration = .seconds(30), connectionName: String? = nil,
    maximumMessageSize: UInt32 = AMQPFrameDecoder.defaultMaximumMessageSize,
    recovery: AMQPRecoveryPolicy = AMQPRecoveryPolicy(), methodTimeout: Duration = .seconds(30)
  ) {
    self.recovery = recovery
    self.methodTimeout = methodTimeout
    self.host = host
    self.port = port ?? (useTLS ? 5671 : 5672)
    self.useTLS = useTLS
    self.username = username
    self.password = password
    self.virtualHost = virtualHost
    self.heartbeat = heartbeat
    self.channelMax = channelMax
    self.frameMax = frameMax
    self.connectionTimeout = connectionTimeout
    self.connectionName = connectionName
    self.maximumMessageSize = maximumMessageSize
  }

  /// The environment variable that supplies the default URL.
  public static let environmentVariable = "AMQP_URL"

  /// The URL used when neither an argument nor `AMQP_URL` gives one.
  public static let defaultURL = "amqp://guest:guest@127.0.0.1:5672/%2f"

  /// `host:port`, as events and screens show where the connection is.
  public var endpoint: String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
  }

  /// The URL with the password replaced by `***`, safe to print and log.
  public var redactedURL: String {
    let scheme = useTLS ? "amqps" : "amqp"
    let hostPart = host.contains(":") ? "[\(host)]" : host
    let vhost = virtualHost.addingPercentEncodingForAMQP()
    return "\(scheme)://\(username.addingPercentEncodingForAMQP()):***@\(hostPart):\(port)/\(vhost)"
  }
}

extension AMQPConnectionConfiguration: CustomStringConvertible {
  /// The redacted URL: the password never appears.
  public var description: String { redactedURL }
}

extension String {
  /// Percent-encodes everything but RFC 3986 unreserved characters.
  func addingPercentEncodingForAMQP() -> String {
    var result = ""
    for byte in utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"):
        result.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let digits = Array("0123456789ABCDEF")
        result += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
      }
    }
    return result
  }
}
