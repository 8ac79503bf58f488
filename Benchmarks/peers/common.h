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

static inline long long fib(int n) {
  long long a = 0, b = 1;
  for (int i = 0; i < n; i++) {
    long long t = a + b;
    a = b;
    b = t;
  }
  return a;
}

/* The servers' one step, as the tutorial's: body "n" → fib(n) published to reply_to with the
 * request's correlation_id, then the request acknowledged, on `channel`. */
static inline void answer_and_ack(amqp_connection_state_t conn, amqp_channel_t channel,
                                  const amqp_envelope_t *envelope) {
  char body[32] = {0};
  size_t length = envelope->message.body.len < 31 ? envelope->message.body.len : 31;
  memcpy(body, envelope->message.body.bytes, length);
  char answer[32];
  snprintf(answer, sizeof answer, "%lld", fib(atoi(body)));
  amqp_basic_properties_t props;
  props._flags = AMQP_BASIC_CORRELATION_ID_FLAG;
  props.correlation_id = envelope->message.properties.correlation_id;
  amqp_basic_publish(conn, channel, amqp_empty_bytes, envelope->message.properties.reply_to, 0,
                     0, &props, amqp_cstring_bytes(answer));
  amqp_basic_ack(conn, channel, envelope->delivery_tag, 0);
}

#endif
