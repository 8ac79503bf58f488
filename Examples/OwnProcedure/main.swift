// A procedure of your own: sums served and called over RabbitMQ, server and client in one
// process. Reads AMQP_URL (amqp://guest:guest@localhost:5672/%2f when unset).
import AMQPRPC
import Foundation

struct Sum: Codable {
  var a: Int
  var b: Int
}

struct Total: Codable {
  var value: Int
}

let environment = ProcessInfo.processInfo.environment
let connection = try await AMQPConnection.connect(
  to: .fromEnvironment(environment))

// The server: two workers answering each Sum on the queue "sum" with its Total. A thrown
// error would reach the caller as an error reply.
let server = try await RPCServer.start(
  connection: connection,
  configuration: RPCServerConfiguration(queue: "sum", workers: 2),
  handler: .codable { (sum: Sum) in Total(value: sum.a + sum.b) })

// The client: its own callback queue; 100 calls at once, each given 5 seconds.
let client = try await RPCClient.start(
  connection: connection, configuration: RPCClientConfiguration(queue: "sum"))
let correct = try await withThrowingTaskGroup(of: Bool.self) { group in
  for a in 1...100 {
    group.addTask {
      let total = try await client.call(
        Sum(a: a, b: 1), returning: Total.self, timeout: .seconds(5))
      return total.value == a + 1
    }
  }
  var correct = 0
  for try await isCorrect in group where isCorrect { correct += 1 }
  return correct
}
print("\(correct) of 100 sums correct")

try await client.close()
await server.shutdown()
try await connection.close()
print(correct == 100 ? "ok" : "FAILED")
