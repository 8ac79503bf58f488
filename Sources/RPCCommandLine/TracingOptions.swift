import ArgumentParser
import Tracing

/// `--trace-file FILE`, shared by rpc-client and rpc-server.
package struct TracingOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Write each finished span as one JSON line to this file (appended).",
      discussion: """
        Bootstraps a small tracer (no collector needed): each call's span in rpc-client, \
        each request's in rpc-server, with W3C traceparent in the request headers, so the \
        lines of both files form one trace per call.
        """, valueName: "path"))
  package var traceFile: String?

  package init() {}

  /// Bootstraps the tracer when `--trace-file` is given (once per process, before any
  /// client or server starts).
  package func bootstrap() throws {
    guard let traceFile else { return }
    InstrumentationSystem.bootstrap(try JSONLinesTracer(path: traceFile))
  }
}
