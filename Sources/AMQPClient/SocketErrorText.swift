import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A socket failure in words a person reads (`Connection refused (errno 111)`), instead of
/// the NIO types' debug descriptions (`NIOConnectionError(…SingleConnectionFailure(target:
/// [IPv4]127.0.0.1/127.0.0.1:5699, error: connection reset (error set): …)`).
enum SocketErrorText {
  static func describe(_ error: any Error) -> String {
    switch error {
    case let error as IOError:
      return String(cString: strerror(error.errnoCode)) + " (errno \(error.errnoCode))"
    case let error as NIOConnectionError:
      // The last address tried says why; a failed name lookup says it has no address.
      if let failure = error.connectionErrors.last { return describe(failure.error) }
      if let lookup = error.dnsAError ?? error.dnsAAAAError {
        return "cannot resolve \(error.host): \(describe(lookup))"
      }
      return "no address for \(error.host)"
    default:
      return "\(error)"
    }
  }
}
