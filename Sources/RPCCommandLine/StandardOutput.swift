#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Makes standard output line-buffered, so line-mode output reaches pipes and files as it
/// happens (a pipe is otherwise block-buffered).
package func lineBufferStandardOutput() {
  setvbuf(stdout, nil, _IOLBF, 0)
}
