import ServiceLifecycle

// Each screen is a `Service` whose `run()` is its UI loop: graceful shutdown ends it as `q`
// does. Put it last in its group with `successTerminationBehavior: .gracefullyShutdownGroup`:
// the user quitting then shuts the rest down, and a signal ends the screen (a server's
// screen stays up while it drains) before the services it shows.

extension ServerScreen: Service {}

extension ClientScreen: Service {}

extension DemoScreen: Service {}
