import AMQPClient
import AMQPProtocol
import ArgumentParser
import NIOCore
import RPCCommandLine

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A broker-backed smoke demo of the AMQP core: connect, declare a server-named queue,
/// publish messages to it through the default exchange, consume them back and report the
/// round-trip times.
@main
struct AMQPRoundTrip: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "amqp-roundtrip",
    abstract: "Publish messages to a temporary queue and consume them back, timing each.",
    discussion: """
      Connects to the broker at --url (default: $AMQP_URL, else \
      \(AMQPConnectionConfiguration.defaultURL)), declares an exclusive server-named queue, \
      publishes --count messages with publisher confirms and reads them back with a consumer.
      """)

  @Option(help: "Broker URL (amqp://user:pass@host:port/vhost). Default: $AMQP_URL.")
  var url: String?

  @Option(help: "How many messages to send.", range: .messages)
  var count = 10

  @Option(help: "Body size of each message in bytes.", range: .bodyBytes)
  var size = 16

  mutating func run() async throws {
    let configuration: AMQPConnectionConfiguration
    do {
      if let url {
        configuration = try AMQPConnectionConfiguration(url: url)
      } else {
        configuration = try .fromEnvironment(Environment.variables)
      }
    } catch {
      throw ValidationError("\(error)")
    }
    do {
      try await roundTrip(configuration)
    } catch {
      print("error: \(error)")
      throw ExitCode.failure
    }
  }

  private func roundTrip(_ configuration: AMQPConnectionConfiguration) async throws {
    print("connecting to \(configuration.redactedURL)")
    let connection = try await AMQPConnection.connect(to: configuration)
    let product = connection.serverProperties["product"]?.stringValue ?? "?"
    let version = connection.serverProperties["version"]?.stringValue ?? "?"
    print(
      "connected: \(product) \(version), frame_max \(connection.tuning.frameMax), "
        + "heartbeat \(connection.tuning.heartbeat) s")
    let channel = try await connection.openChannel()
    let queue = try await channel.queueDeclare(exclusive: true)
    print("declared \(queue.name)")
    try await channel.confirmSelect()
    let consumer = try await channel.consume(queue: queue.name, noAck: true)
    let clock = ContinuousClock()
    var sentAt: [Duration] = []
    let start = clock.now
    for index in 0..<count {
      var body = ByteBuffer(string: "message \(index) ")
      body.writeRepeatingByte(UInt8(ascii: "."), count: max(0, size - body.readableBytes))
      sentAt.append(clock.now - start)
      let acked = try await channel.publishConfirmed(
        body, routingKey: queue.name, properties: .init(messageID: "\(index)"))
      print("  published #\(index) (\(body.readableBytes) bytes) \(acked ? "confirmed" : "NACKED")")
    }
    var received = 0
    for try await message in consumer {
      let index = Int(message.properties.messageID ?? "") ?? 0
      let elapsed = clock.now - start - (index < sentAt.count ? sentAt[index] : .zero)
      print("  received #\(index) after \(microseconds(elapsed)) µs")
      received += 1
      if received == count { break }
    }
    try await connection.close()
    print("done: \(received)/\(count) messages round-tripped; connection closed")
  }
}

func microseconds(_ duration: Duration) -> Int64 {
  duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
}

enum Environment {
  static var variables: [String: String] {
    var result: [String: String] = [:]
    if let value = getenv(AMQPConnectionConfiguration.environmentVariable) {
      result[AMQPConnectionConfiguration.environmentVariable] = String(cString: value)
    }
    return result
  }
}
