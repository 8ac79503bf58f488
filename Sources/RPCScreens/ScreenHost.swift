import Foundation
import NIOCore
import ServiceLifecycle
import TerminalUI

/// The run loop the screens share: tasks that feed the screen from outside (event pumps into
/// inboxes, connection and queue watches), then curses on a thread of its
/// own (it blocks on key reads, which must not happen on the concurrency pool) drawing a
/// view model once per frame and handing it the keys, until the screen says stop; then the
/// feeding tasks are cancelled.
struct ScreenHost: Sendable {
  /// The UI thread's name.
  let name: String
  private var tasks: [Task<Void, Never>] = []
  private var stopOnShutdown: [@Sendable () -> Void] = []

  init(name: String) {
    self.name = name
  }

  /// Forwards every element of `stream` into `inbox` while the screen runs.
  mutating func pump<Element: Sendable>(_ stream: AsyncStream<Element>, into inbox: Inbox<Element>)
  {
    tasks.append(Task { for await element in stream { inbox.append(element) } })
  }

  /// Keeps `tasks` running while the screen runs.
  mutating func add(_ tasks: [Task<Void, Never>]) {
    self.tasks += tasks
  }

  /// Runs `action` when the screen's service group shuts down gracefully (a signal): the
  /// screen must then stop as on `q`.
  mutating func onGracefulShutdown(_ action: @escaping @Sendable () -> Void) {
    stopOnShutdown.append(action)
  }

  /// Shows the screen until `shouldStop` holds (or `handle` returns false), with the
  /// terminal restored afterwards whatever happens.
  ///
  /// - Parameters:
  ///   - makeModel: the view model, given whether the terminal shows Unicode.
  ///   - render: updates the model from the inboxes and draws it for `now`; returns whether
  ///     something moves (10 frames a second, else one).
  ///   - handle: applies a key; false stops the screen at once.
  ///   - hungUp: called once if the terminal goes away: the screen must stop as on `q`
  ///     (drain and all), without anything more drawn; the loop waits for `shouldStop`.
  ///   - shouldStop: asked before each frame.
  func run<Model>(
    model makeModel: @escaping @Sendable (_ unicode: Bool) -> Model,
    render: @escaping @Sendable (inout Model, inout ScreenBuffer, NIODeadline) -> Bool,
    handle: @escaping @Sendable (inout Model, Key, NIODeadline) -> Bool,
    hungUp: @escaping @Sendable () -> Void,
    shouldStop: @escaping @Sendable () -> Bool
  ) async {
    let stopOnShutdown = self.stopOnShutdown
    await withGracefulShutdownHandler {
      await show(
        model: makeModel, render: render, handle: handle, hungUp: hungUp, shouldStop: shouldStop)
    } onGracefulShutdown: {
      for stop in stopOnShutdown { stop() }
    }
    for task in tasks { task.cancel() }
  }

  private func show<Model>(
    model makeModel: @escaping @Sendable (_ unicode: Bool) -> Model,
    render: @escaping @Sendable (inout Model, inout ScreenBuffer, NIODeadline) -> Bool,
    handle: @escaping @Sendable (inout Model, Key, NIODeadline) -> Bool,
    hungUp: @escaping @Sendable () -> Void,
    shouldStop: @escaping @Sendable () -> Bool
  ) async {
    await TerminalLoop.onDedicatedThread(name: name) {
      let terminal = CursesTerminal(environment: ProcessInfo.processInfo.environment)
      defer { terminal.restore() }
      var model = makeModel(terminal.supportsUnicode)
      TerminalLoop.run(
        terminal: terminal,
        render: { render(&model, &$0, .now()) },
        handle: { handle(&model, $0, .now()) },
        hungUp: hungUp,
        shouldStop: shouldStop)
    }
  }
}
