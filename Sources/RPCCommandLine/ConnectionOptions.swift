import AMQPClient
import ArgumentParser
import Logging

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The options every rpc-* command shares: where the broker is, and where logs go.
public struct ConnectionOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Broker URL, amqp://user:password@host:port/vhost (percent-encode / in the vhost as %2f).",
      discussion: "Defaults to $AMQP_URL, else \(AMQPConnectionConfiguration.defaultURL).",
      valueName: "url"))
  public var url: String?

  @Option(
    help: ArgumentHelp("Write logs to this file (nothing is logged otherwise).", valueName: "path"))
  public var logFile: String?

  @Flag(help: "Log at debug level (with --log-file).")
  public var verbose = false

  public init() {}

  /// The broker configuration from --url or $AMQP_URL, named `connectionName`.
  public func configuration(connectionName: String) throws -> AMQPConnectionConfiguration {
    var configuration: AMQPConnectionConfiguration
    do {
      if let url {
        configuration = try AMQPConnectionConfiguration(url: url)
      } else {
        var environment: [String: String] = [:]
        if let value = getenv(AMQPConnectionConfiguration.environmentVariable) {
          environment[AMQPConnectionConfiguration.environmentVariable] = String(cString: value)
        }
        configuration = try .fromEnvironment(environment)
      }
    } catch {
      throw ValidationError("\(error)")
    }
    configuration.connectionName = connectionName
    return configuration
  }

  /// A logger writing to --log-file, or discarding everything.
  public func logger(label: String) throws -> Logger {
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

/// Connects, turning failures into one clear line for the terminal.
public func connect(
  _ configuration: AMQPConnectionConfiguration, logger: Logger
) async throws -> AMQPConnection {
  if configuration.useTLS, configuration.tls.verification == .verifyNone {
    // Every time: a connection nobody verifies should never look like a safe one.
    let warning =
      "warning: verify=verify_none: the broker's TLS certificate is not checked; anyone on "
      + "the path can read and change this connection\n"
    _ = warning.withCString { write(STDERR_FILENO, $0, strlen($0)) }
  }
  do {
    return try await AMQPConnection.connect(to: configuration, logger: logger)
  } catch {
    throw CommandFailure(
      "cannot connect to \(configuration.redactedURL): \(error)"
        + (error is AMQPError && (error as? AMQPError)?.code == .connectFailed
          ? "\n  is RabbitMQ running? (Scripts/broker starts one"
            + (configuration.useTLS ? ", Scripts/broker-tls a TLS one)" : ")") : ""))
  }
}

/// A failure that ends a command with a message and exit status 1.
public struct CommandFailure: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
