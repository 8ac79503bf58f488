import AMQPClient
import ArgumentParser
import Logging

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The options every rpc-* command shares: where the broker is (one or several endpoints),
/// how a lost link is recovered, and where logs go.
package struct ConnectionOptions: ParsableArguments {
  @Option(
    name: .customLong("url"),
    help: ArgumentHelp(
      "Broker URL, amqp://user:password@host:port/vhost (percent-encode / in the vhost as %2f).",
      discussion: """
        Repeat it for several brokers (the nodes of a cluster): they are tried in turn, in \
        the order given, to connect and again whenever the link is lost. Defaults to \
        $AMQP_URL, which may hold several URLs separated by commas (percent-encode a comma \
        in a password as %2C), else \(AMQPConnectionConfiguration.defaultURL). \
        ?connection_name=NAME in a URL names the connection (rabbitmqctl list_connections) \
        instead of the command's own name.
        """,
      valueName: "url"))
  package var urls: [String] = []

  @Flag(
    help: ArgumentHelp(
      "Do not reconnect when the link to the broker is lost: the command stops instead.",
      discussion: """
        By default a lost link (broker restart, network failure, a forced close) is \
        recovered: the command reconnects with exponential backoff and jitter, restores its \
        channels, queues and consumers, and carries on; the screens and line modes say so.
        """))
  package var noRecovery = false

  @Option(
    help: "Seconds before the first reconnection attempt; the delay doubles after each failure",
    range: .reconnectDelay)
  package var reconnectDelay: Duration = .milliseconds(500)

  @Option(
    help: "The longest delay between reconnection attempts (at least --reconnect-delay)",
    range: .reconnectDelay)
  package var reconnectMaxDelay: Duration = .seconds(5)

  @Option(
    help: "Reconnection attempts before giving up and stopping; without it, no limit",
    range: .reconnectAttempts)
  package var reconnectAttempts: Int?

  @Option(
    help: ArgumentHelp("Write logs to this file (nothing is logged otherwise).", valueName: "path"))
  package var logFile: String?

  @Flag(help: "Log at debug level (with --log-file).")
  package var verbose = false

  package init() {}

  /// How a lost link is recovered, from --no-recovery and the --reconnect options.
  package var recovery: AMQPRecoveryPolicy {
    guard !noRecovery else { return .disabled }
    return AMQPRecoveryPolicy(
      initialDelay: reconnectDelay, maximumDelay: max(reconnectMaxDelay, reconnectDelay),
      maximumAttempts: reconnectAttempts)
  }

  /// The broker endpoints from every --url, else from `$AMQP_URL` (comma-separated), else
  /// the default; each named `name` (`rpc-demo`) followed by `role` (`client`), unless its
  /// URL gives a `connection_name`, which is then followed by `role`.
  package func configurations(name: String, role: String? = nil) throws
    -> [AMQPConnectionConfiguration]
  {
    var environment: [String: String] = [:]
    if let value = getenv(AMQPConnectionConfiguration.environmentVariable) {
      environment[AMQPConnectionConfiguration.environmentVariable] = String(cString: value)
    }
    return try configurations(name: name, role: role, environment: environment)
  }

  /// ``configurations(name:role:)`` with `environment` instead of the process's.
  package func configurations(name: String, role: String? = nil, environment: [String: String])
    throws -> [AMQPConnectionConfiguration]
  {
    let (source, texts) = Self.endpointURLs(urls: urls, environment: environment)
    var configurations: [AMQPConnectionConfiguration] = []
    for (index, text) in texts.enumerated() {
      var configuration: AMQPConnectionConfiguration
      do {
        configuration = try AMQPConnectionConfiguration(url: text)
      } catch {
        let which = texts.count > 1 ? "\(source), URL \(index + 1) of \(texts.count)" : source
        throw ValidationError("\(which): \(error)")
      }
      let base = configuration.connectionName ?? name
      configuration.connectionName = role.map { "\(base) \($0)" } ?? base
      configuration.recovery = recovery
      configurations.append(configuration)
    }
    return configurations
  }

  /// The URLs to use and where they came from (`--url`, `AMQP_URL`, or the default).
  static func endpointURLs(urls: [String], environment: [String: String]) -> (
    source: String, urls: [String]
  ) {
    if !urls.isEmpty { return ("--url", urls) }
    let variable = AMQPConnectionConfiguration.environmentVariable
    let value = environment[variable] ?? ""
    let listed = value.split(separator: ",").map {
      String($0.trimmingSpaces())
    }.filter { !$0.isEmpty }
    if !listed.isEmpty { return (variable, listed) }
    // Set but holding no URL (",,,", spaces): a mistake, not a wish for the default broker.
    if !Substring(value).trimmingSpaces().isEmpty { return (variable, [value]) }
    return ("the default URL", [AMQPConnectionConfiguration.defaultURL])
  }

  /// A logger writing to --log-file, or discarding everything.
  package func logger(label: String) throws -> Logger {
    guard let logFile else {
      return Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
    }
    let sink = try FileLogSink(path: logFile)
    var logger = Logger(
      label: label, factory: { label in FileLogHandler(label: label, sink: sink) })
    logger.logLevel = verbose ? .debug : .info
    return logger
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> Substring {
    var text = self
    while let first = text.first, first.isWhitespace { text.removeFirst() }
    while let last = text.last, last.isWhitespace { text.removeLast() }
    return text
  }
}

/// Connects to the first of `configurations` that answers (they are tried in turn, and
/// again in turn when the link is lost), turning failures into one clear line for the
/// terminal.
package func connect(
  _ configurations: [AMQPConnectionConfiguration], logger: Logger
) async throws -> AMQPConnection {
  for configuration in configurations
  where configuration.useTLS && configuration.tls.verification == .verifyNone {
    // Every time: a connection nobody verifies should never look like a safe one.
    let warning =
      "warning: verify=verify_none: the TLS certificate of \(configuration.endpoint) is not "
      + "checked; anyone on the path can read and change this connection\n"
    _ = warning.withCString { write(STDERR_FILENO, $0, strlen($0)) }
  }
  do {
    return try await AMQPConnection.connect(to: configurations, logger: logger)
  } catch {
    let targets = configurations.map(\.redactedURL).joined(separator: ", ")
    throw CommandFailure(
      "cannot connect to \(configurations.count > 1 ? "any of " : "")\(targets): \(error)"
        + ((error as? AMQPError)?.code == .connectFailed
          ? "\n  is RabbitMQ running? (Scripts/broker starts one"
            + (configurations.contains { $0.useTLS } ? ", Scripts/broker-tls a TLS one)" : ")")
          : ""))
  }
}

/// `amqp://guest:***@host:5672/%2F`, and how many other endpoints recovery may use.
package func describeEndpoint(of connection: AMQPConnection) -> String {
  let others = connection.configurations.count - 1
  return connection.configuration.redactedURL
    + (others > 0 ? " (+\(others) other endpoint\(others == 1 ? "" : "s"))" : "")
}

/// A failure that ends a command with a message and exit status 1.
package struct CommandFailure: Error, CustomStringConvertible {
  package var description: String
  package init(_ description: String) { self.description = description }
}

/// Writes `line` and a newline to standard error: notices about the link, which must not
/// mix with the results a command prints on standard output.
package func printToStandardError(_ line: String) {
  fputs(line + "\n", stderr)
}
