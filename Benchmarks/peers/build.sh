# Sourced by Benchmarks/compare and Benchmarks/profile: the rabbitmq-c peers, built, and a wait
# for a server to say it is ready.

# build_peers DIR: installs librabbitmq-dev if missing, then compiles rpc_server,
# rpc_server_single and rpc_client into DIR, with any C compiler: the system's, else the clang
# that comes with the Swift toolchain (or $CC).
build_peers() {
  if ! dpkg -s librabbitmq-dev >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librabbitmq-dev >/dev/null
  fi
  local cc=${CC:-$(command -v cc || command -v gcc || command -v clang)}
  "$cc" -O2 -o "$1/rpc_server" Benchmarks/peers/rpc_server.c -lrabbitmq -lpthread
  "$cc" -O2 -o "$1/rpc_server_single" Benchmarks/peers/rpc_server_single.c -lrabbitmq
  "$cc" -O2 -o "$1/rpc_client" Benchmarks/peers/rpc_client.c -lrabbitmq
}

# wait_for FILE TEXT: until a server's log (FILE) says TEXT; else shows the log and exits 1.
wait_for() {
  for _ in $(seq 1 200); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.05; done
  echo "$(basename "$0"): server did not start (see $1)" >&2
  cat "$1" >&2
  exit 1
}
