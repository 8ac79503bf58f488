import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

/// SIGINT, SIGTERM and SIGHUP for a ``ServiceGroup``: the first starts the group's graceful
/// shutdown (a screen ends as on `q`, a server drains). Another one during that shutdown
/// either cancels the group (`onRepeat` given: a server then requeues what it holds at once)
/// or is ignored. SIGHUP is the terminal going away (its window closed, its tmux session
/// killed): a screen then has nothing to draw on and must end as on `q`, not run on.
///
/// Not the group's own `gracefulShutdownSignals`: the group stops listening after the first
/// one, and its `cancellationSignals` must be other signals, so "the same Ctrl-C again"
/// needs a listener that lives through the shutdown; one trap counting in one place, rather
/// than a second trap beside the group's, cannot disagree with it about which came first.
/// It goes first in the group, so that it is told to stop last: after the services that drain.
package struct StopSignals: Service {
  /// The signals that ask for a stop.
  package static let handled: [UnixSignal] = [.sigint, .sigterm, .sighup]

  private let signals: UnixSignalsSequence
  private let group = NIOLockedValueBox<ServiceGroup?>(nil)
  private let onFirst: @Sendable (UnixSignal) -> Void
  private let onRepeat: (@Sendable (UnixSignal) -> Void)?

  /// A signal during the graceful shutdown: the group was cancelled.
  package struct Repeated: Error {
    package let signal: UnixSignal
  }

  /// Traps the signals from now on (until the value is gone): they no longer end the
  /// process but are counted by ``run()``.
  package init(
    onFirst: @escaping @Sendable (UnixSignal) -> Void = { _ in },
    onRepeat: (@Sendable (UnixSignal) -> Void)? = nil
  ) async {
    self.signals = await UnixSignalsSequence(trapping: Self.handled)
    self.onFirst = onFirst
    self.onRepeat = onRepeat
  }

  /// Runs `services` in a group with these signals first; returns when every one ended,
  /// throws ``Repeated`` when a second signal cancelled them, or what a service threw.
  package func run(
    _ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger
  ) async throws {
    let serviceGroup = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [.init(service: self)] + services, logger: logger))
    // The group holds this service, so it cannot be given the group when made.
    group.withLockedValue { $0 = serviceGroup }
    try await serviceGroup.run()
  }

  /// Waits for signals until told to stop (once the other services have ended).
  package func run() async throws {
    var first = true
    for await signal in signals.cancelOnGracefulShutdown() {
      if first {
        first = false
        onFirst(signal)
        await group.withLockedValue { $0 }?.triggerGracefulShutdown()
      } else if let onRepeat {
        onRepeat(signal)
        throw Repeated(signal: signal)
      }
    }
  }
}
