import AMQPClient
import Foundation
import Testing

extension BrokerTests.Executables {
  /// `--trace-file` on both sides: each call's client span and the server's span of its
  /// request share a trace id, the server's naming the client's as its parent.
  @Test func traceFilesOfClientAndServerFormOneTracePerCall() async throws {
    let queue = Broker.uniqueName("cli-trace")
    let folder = FileManager.default.temporaryDirectory
    let serverFile = folder.appendingPathComponent("server-\(UUID().uuidString).jsonl").path
    let clientFile = folder.appendingPathComponent("client-\(UUID().uuidString).jsonl").path
    defer {
      try? FileManager.default.removeItem(atPath: serverFile)
      try? FileManager.default.removeItem(atPath: clientFile)
    }
    let server = try ChildProcess.product(
      "rpc-server", ["--no-tui", "--quiet", "--queue", queue, "--trace-file", serverFile])
    defer { server.stop() }
    _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
    let client = try ChildProcess.product(
      "rpc-client", ["--queue", queue, "--trace-file", clientFile, "10", "50"])
    // fib(50) is above the server's limit (45): an error reply.
    let (_, output) = try await client.finish()
    #expect(output.contains("Got 55"), "\(output)")
    server.signal(SIGTERM)
    _ = try await server.finish()  // its spans are written before it exits

    func spans(_ path: String) throws -> [[String: Any]] {
      try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
    }
    let sent = try spans(clientFile)
    let processed = try spans(serverFile)
    #expect(sent.count == 2)
    #expect(processed.count == 2)
    for span in processed {
      let parent = try #require(
        sent.first { $0["span_id"] as? String == span["parent_span_id"] as? String })
      #expect(parent["trace_id"] as? String == span["trace_id"] as? String)
      #expect(parent["name"] as? String == "send \(queue)")
      #expect(span["name"] as? String == "process \(queue)")
      let attributes = try #require(span["attributes"] as? [String: Any])
      let parentAttributes = try #require(parent["attributes"] as? [String: Any])
      #expect(
        attributes["messaging.message.conversation_id"] as? String
          == parentAttributes["messaging.message.conversation_id"] as? String)
      #expect(span["status"] as? String == parent["status"] as? String)
    }
    #expect(sent.filter { $0["status"] as? String == "error" }.count == 1)
    let cleanup = try await Broker.connect()
    try await cleanup.openChannel().queueDelete(queue)
    try await cleanup.close()
  }
}
