import AMQPClient
import AMQPRPC
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension BrokerTests.Executables {
  /// `rpc-server --metrics-port 0`: a burst from an in-process client, then a scrape whose
  /// request counts equal the client's; hostile requests get errors and the endpoint serves
  /// on.
  @Test func metricsPortServesCountsThatMatchTheClients() async throws {
    let queue = Broker.uniqueName("cli-metrics")
    let server = try ChildProcess.product(
      "rpc-server",
      ["--no-tui", "--quiet", "--queue", queue, "--workers", "2", "--metrics-port", "0"])
    defer { server.stop() }
    let output = try await server.waitForOutput(containing: "Awaiting RPC requests")
    let port = try #require(MetricsScrape.port(in: output), "\(output)")

    let connection = try await Broker.connect(name: "metrics-scrape-test")
    let client = try await RPCClient.start(
      connection: connection, configuration: RPCClientConfiguration(queue: queue))
    // 30 answered, 5 error replies (n above --max-n 45).
    await withTaskGroup(of: Void.self) { group in
      for n in Array(repeating: 10, count: 30) + Array(repeating: 50, count: 5) {
        group.addTask { _ = try? await client.fibonacci(n) }
      }
    }
    let stats = client.stats()
    #expect(stats.outcomes == [.ok: 30, .serverError: 5])

    let scrape = try await MetricsScrape.get(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(scrape.hasPrefix("HTTP/1.1 200 OK"), "\(scrape.prefix(200))")
    #expect(scrape.contains("Content-Type: text/plain; version=0.0.4"))
    #expect(
      MetricsScrape.value(scrape, "amqp_rpc_server_requests", #"amqp_rpc_outcome="ok""#)
        == Double(stats.outcomes[.ok, default: 0]))
    #expect(
      MetricsScrape.value(scrape, "amqp_rpc_server_requests", #"amqp_rpc_outcome="error""#)
        == Double(stats.outcomes[.serverError, default: 0]))
    #expect(
      MetricsScrape.value(scrape, "messaging_process_duration_count", #"amqp_rpc_outcome="ok""#)
        == 30)

    // Hostile requests: each gets an error status, and the endpoint keeps serving.
    let garbage = try await MetricsScrape.get(port: port, "\u{0}\u{1}garbage\r\n\r\n")
    #expect(garbage.hasPrefix("HTTP/1.1 400"), "\(garbage.prefix(100))")
    let huge = try await MetricsScrape.get(
      port: port,
      "GET /metrics HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
    #expect(huge.hasPrefix("HTTP/1.1 431"), "\(huge.prefix(100))")
    let elsewhere = try await MetricsScrape.get(port: port, "GET /other HTTP/1.1\r\n\r\n")
    #expect(elsewhere.hasPrefix("HTTP/1.1 404"), "\(elsewhere.prefix(100))")
    let post = try await MetricsScrape.get(port: port, "POST /metrics HTTP/1.1\r\n\r\n")
    #expect(post.hasPrefix("HTTP/1.1 405"), "\(post.prefix(100))")
    let again = try await MetricsScrape.get(port: port, "GET /metrics HTTP/1.1\r\n\r\n")
    #expect(again.hasPrefix("HTTP/1.1 200 OK"))

    try await client.close()
    try await connection.close()
    server.signal(SIGTERM)
    let (status, rest) = try await server.finish()
    #expect(status == 0, "\(rest)")
    let cleanup = try await Broker.connect()
    try await cleanup.openChannel().queueDelete(queue)
    try await cleanup.close()
  }

  @Test func metricsPortOutOfRangeIsRefused() async throws {
    let server = try ChildProcess.product("rpc-server", ["--metrics-port", "65536"])
    let (status, output) = try await server.finish()
    #expect(status == 64)
    #expect(output.contains("--metrics-port"), "\(output)")
  }
}

/// A plain-socket HTTP client for the metrics endpoint (no URLSession: what is sent must be
/// sent as it is, garbage included).
enum MetricsScrape {
  struct SocketError: Error, CustomStringConvertible {
    var description: String
  }

  /// The port in `metrics on http://127.0.0.1:<port>/metrics`.
  static func port(in output: String) -> Int? {
    guard let range = output.range(of: "metrics on http://127.0.0.1:") else { return nil }
    return Int(output[range.upperBound...].prefix { $0.isNumber })
  }

  /// Sends `request` to 127.0.0.1:`port` and reads until the server closes the connection;
  /// throws when it has not within 3 s (it must close after each answer).
  static func get(port: Int, _ request: String) async throws -> String {
    try await Task.detached { try exchange(port: port, Array(request.utf8)) }.value
  }

  private static func exchange(port: Int, _ request: [UInt8]) throws -> String {
    #if canImport(Glibc)
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
    defer { close(descriptor) }
    var timeout = timeval(tv_sec: 3, tv_usec: 0)
    setsockopt(
      descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw SocketError(description: "connect: errno \(errno)") }
    // The server may answer (and close) before it has read all of an oversized request.
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if count == 0 { break }
      guard count > 0 else {
        throw SocketError(
          description: "recv: errno \(errno) after \(received.count) bytes (not closed?)")
      }
      received += buffer[0..<count]
    }
    return String(decoding: received, as: UTF8.self)
  }

  /// The value of the sample of `name` whose labels contain `label` (`name{…label…} value`).
  static func value(_ text: String, _ name: String, _ label: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
      if line.contains(label), let value = line.split(separator: " ").last {
        return Double(value)
      }
    }
    return nil
  }
}
