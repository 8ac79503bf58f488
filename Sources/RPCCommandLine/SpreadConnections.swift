import AMQPClient
import Logging

/// One connection per endpoint for a server that spreads its workers over the nodes of a
/// cluster (`--spread`): connection k starts at endpoint k and, when its node goes, fails
/// over to the others in turn (k+1, k+2, …), so that the links stay spread as nodes come
/// and go. With one endpoint, that one connection.
///
/// A node down at start is skipped by its connection as by any other (two connections then
/// share a node until one of them is recovered elsewhere).
package func connectSpread(
  _ configurations: [AMQPConnectionConfiguration], logger: Logger
) async throws -> [AMQPConnection] {
  var connections: [AMQPConnection] = []
  do {
    for first in configurations.indices {
      let rotated = Array(configurations[first...] + configurations[..<first])
      connections.append(try await connect(rotated, logger: logger))
    }
  } catch {
    for connection in connections { try? await connection.close() }
    throw error
  }
  return connections
}
