import AMQPClient
import Foundation

/// The TLS node `Scripts/broker-tls` starts (`Scripts/test` and `.ci/run` start it): node
/// `tls@localhost` on 127.0.0.1:`$AMQP_TLS_PORT` (5671), its certificates and the test user's
/// password in `$AMQP_TLS_DIR` (/var/tmp/swift-amqp-rpc-tls). As with the plain broker, a
/// test fails, with a message saying how to start it, when the node is not there.
enum TLSBroker {
  static let environment = ProcessInfo.processInfo.environment
  static let directory = environment["AMQP_TLS_DIR"] ?? "/var/tmp/swift-amqp-rpc-tls"
  static let port = environment["AMQP_TLS_PORT"].flatMap(Int.init) ?? 5671
  static let node = "tls@localhost"
  /// The user with a password (PLAIN); `tls-client` logs in with its certificate.
  static let user = "tls-user"

  struct NotRunning: Error, CustomStringConvertible {
    var description: String
  }

  /// A file the script made: `ca.pem`, `other-ca.pem`, `client.pem`, `client.key`.
  static func file(_ name: String) throws -> String {
    let path = "\(directory)/certs/\(name)"
    guard FileManager.default.isReadableFile(atPath: path) else {
      throw NotRunning(
        description: "\(path) is missing: the TLS node is not set up; run Scripts/broker-tls")
    }
    return path
  }

  /// `tls-user`'s password, made at random by the script.
  static func password() throws -> String {
    let path = "\(directory)/tls-user.password"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw NotRunning(description: "\(path) is missing: run Scripts/broker-tls")
    }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// `amqps://tls-user:…@host:port/%2f?cacertfile=…` plus `query`.
  static func url(host: String = "localhost", port: Int? = nil, _ query: String...) throws
    -> String
  {
    let parameters = ["cacertfile=\(try file("ca.pem"))", "connection_timeout=10000"] + query
    return "amqps://\(user):\(try password())@\(host):\(port ?? self.port)/%2f?"
      + parameters.joined(separator: "&")
  }

  static func configuration(_ query: String...) throws -> AMQPConnectionConfiguration {
    let parameters = ["cacertfile=\(try file("ca.pem"))", "connection_timeout=10000"] + query
    return try AMQPConnectionConfiguration(
      url: "amqps://\(user):\(try password())@localhost:\(port)/%2f?"
        + parameters.joined(separator: "&"))
  }

  /// `rabbitmqctl -n tls@localhost …`.
  @discardableResult
  static func rabbitmqctl(_ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["rabbitmqctl", "-n", node] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw NotRunning(
        description: "rabbitmqctl -n \(node) \(arguments) exited \(process.terminationStatus)")
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Connects, expecting a refusal; returns it. The connection timeout is a minute, and the
  /// refusal must come within `seconds`: a failure that waits for the timeout fails the test.
  static func refusal(_ configuration: AMQPConnectionConfiguration, within seconds: Double = 10)
    async throws -> AMQPError?
  {
    var slow = configuration
    slow.connectionTimeout = .seconds(60)
    let configuration = slow
    return try await withTimeout(seconds, "a refusal, not the connection timeout") {
      do {
        let connection = try await AMQPConnection.connect(to: configuration)
        try? await connection.close()
        return nil
      } catch let error as AMQPError {
        return error
      }
    }
  }
}
