/// The server's workload.
public enum RPCWorkMode: String, Sendable, Hashable, CaseIterable {
  /// The classic doubly recursive fib, so service time grows with n (the tutorial's).
  case recursive
  /// An iterative fib, exact up to n = 92 (the largest that fits in Int64).
  case iterative

  /// The largest n this mode can answer exactly.
  public var exactLimit: Int { 92 }

  /// The largest n this mode serves: one that finishes in seconds, so that no request can
  /// hold a worker (or a drain) for long. Recursive fib(45) makes about 3.7 × 10⁹ calls, a
  /// few seconds in a release build; each n beyond multiplies that by 1.6 (fib(70) would
  /// take days). Iterative fib is instant up to the exact limit.
  public var largestN: Int {
    switch self {
    case .recursive: 45
    case .iterative: exactLimit
    }
  }
}

/// fib(n) computed as the work mode says. `n` must be in 0...92.
package func fibonacci(_ n: Int, mode: RPCWorkMode) -> Int64 {
  precondition((0...92).contains(n), "fibonacci(\(n)) is outside 0...92")
  switch mode {
  case .recursive: return recursiveFibonacci(n)
  case .iterative: return iterativeFibonacci(n)
  }
}

private func recursiveFibonacci(_ n: Int) -> Int64 {
  n < 2 ? Int64(n) : recursiveFibonacci(n - 1) + recursiveFibonacci(n - 2)
}

private func iterativeFibonacci(_ n: Int) -> Int64 {
  var (a, b): (Int64, Int64) = (0, 1)
  for _ in 0..<n { (a, b) = (b, a &+ b) }
  return a
}
