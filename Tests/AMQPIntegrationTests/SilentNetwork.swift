import AMQPClient
import Foundation
import Testing

/// A broker behind a link that can go silent (`Scripts/silent-network`): a second RabbitMQ
/// node, `silent@localhost`, in its own network namespace joined to ours by a veth pair.
/// ``linkDown()`` makes packets vanish with no FIN and no RST, as a dead peer or a pulled
/// cable does; only heartbeats notice. ``linkUp()`` brings the link back.
///
/// Tests that use it carry ``enabled``: they are skipped, with the reason printed, only
/// where network namespaces cannot be made (not root, no iproute2); anything else that goes
/// wrong (the node does not start) fails them.
enum SilentNetwork {
  static let script = BrokerFaults.packageRoot.appendingPathComponent("Scripts/silent-network")
    .path

  /// Why the silent network cannot be made here, or `nil` when it can.
  static let unavailableReason: String? = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["bash", script, "check"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do {
      try process.run()
    } catch {
      return "cannot run \(script): \(error)"
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus != 0 else { return nil }
    let reason = String(decoding: output, as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    return reason.isEmpty
      ? "Scripts/silent-network check exited \(process.terminationStatus)" : reason
  }()

  /// The condition trait of the tests that need it; prints why when they are skipped.
  static var enabled: ConditionTrait {
    .enabled("needs network namespaces (root and iproute2): Scripts/silent-network check") {
      guard let reason = unavailableReason else { return true }
      print("SKIPPED: silent network unavailable on this machine: \(reason)")
      return false
    }
  }

  /// The node's URL, reached through the veth pair.
  static let url = "amqp://guest:guest@10.251.0.2:5672/%2f"

  /// Makes the namespace, the pair and the node (if not there yet) and sets the link up;
  /// waits until the node takes connections. The node is left running for the next test
  /// (starting it takes about 10 s); `Scripts/silent-network down` removes it all.
  static func up() async throws {
    try await run("up", timeout: 90)
  }

  /// Packets between us and the node vanish.
  static func linkDown() async throws {
    try await run("link-down")
  }

  /// Packets flow again.
  static func linkUp() async throws {
    try await run("link-up")
  }

  /// Runs `body` and sets the link up again afterwards, whatever happened.
  static func withLinkRestored<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await runThenRestore(
      body, restore: linkUp, failing: "could not set the silent network's link up again")
  }

  /// `rabbitmqctl ARGS…` against the node (inside the namespace); its output.
  @discardableResult
  static func rabbitmqctl(_ arguments: [String]) async throws -> String {
    try await run(["ctl"] + arguments)
  }

  /// A configuration for the node, with a short connection timeout.
  static func configuration() throws -> AMQPConnectionConfiguration {
    var configuration = try AMQPConnectionConfiguration(url: url)
    configuration.connectionTimeout = .seconds(5)
    return configuration
  }

  @discardableResult
  private static func run(_ arguments: String..., timeout: Double = 30) async throws -> String {
    try await run(arguments, timeout: timeout)
  }

  @discardableResult
  private static func run(_ arguments: [String], timeout: Double = 30) async throws -> String {
    let result = try await Shell.run("bash", [script] + arguments, timeout: timeout)
    guard result.status == 0 else {
      throw FaultError(
        "Scripts/silent-network \(arguments.joined(separator: " ")) exited \(result.status): "
          + result.output)
    }
    return result.output
  }
}
