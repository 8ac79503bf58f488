/* Shared helpers of the rabbitmq-c benchmark peers (tutorial-six wire contract). */
#ifndef RPC_PEERS_COMMON_H
#define RPC_PEERS_COMMON_H

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void die_on_error(amqp_rpc_reply_t reply, const char *what) {
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    fprintf(stderr, "%s failed (reply type %d)\n", what, reply.reply_type);
    exit(1);
  }
}

/* Opens a connection and channel 1 to host:port as guest. */
static inline amqp_connection_state_t open_connection(const char *host, int port) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t *socket = amqp_tcp_socket_new(conn);
  if (!socket || amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) {
    fprintf(stderr, "cannot connect to %s:%d\n", host, port);
    exit(1);
  }
  die_on_error(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
  amqp_channel_open(conn, 1);
  die_on_error(amqp_get_rpc_reply(conn), "channel.open");
  return conn;
}

#endif
