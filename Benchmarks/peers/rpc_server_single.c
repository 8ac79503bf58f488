/* A tutorial-six RPC server on rabbitmq-c in one thread, for side-by-side benchmarks: one
 * connection with C channels (default 8), each a consumer of the request queue with prefetch P
 * (default 1), and one loop of amqp_consume_message over them all; each reply is published on
 * the delivery's channel, then the delivery is acked there. A common way to write a server
 * with rabbitmq-c: deliveries come one at a time, so it is far slower than rpc_server's thread
 * per worker. Same wire as rpc_server: body "n", reply fib(n) to reply_to with the
 * correlation_id.
 * Usage: rpc_server_single HOST PORT QUEUE [CHANNELS] [PREFETCH] */
#include "common.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s HOST PORT QUEUE [CHANNELS] [PREFETCH]\n", argv[0]);
    return 2;
  }
  const char *queue = argv[3];
  int channels = argc > 4 ? atoi(argv[4]) : 8;
  int prefetch = argc > 5 ? atoi(argv[5]) : 1;
  if (channels < 1 || channels > 1000) {
    fprintf(stderr, "CHANNELS must be 1…1000\n");
    return 2;
  }
  amqp_connection_state_t conn = open_connection(argv[1], atoi(argv[2]));  /* opens channel 1 */
  amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue), 0, 0, 0, 0, amqp_empty_table);
  die_on_error(amqp_get_rpc_reply(conn), "queue.declare");
  for (amqp_channel_t channel = 1; channel <= channels; channel++) {
    if (channel > 1) {
      amqp_channel_open(conn, channel);
      die_on_error(amqp_get_rpc_reply(conn), "channel.open");
    }
    amqp_basic_qos(conn, channel, 0, (uint16_t)prefetch, 0);
    die_on_error(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume(conn, channel, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    die_on_error(amqp_get_rpc_reply(conn), "basic.consume");
  }
  printf("ready\n");
  fflush(stdout);
  amqp_rpc_reply_t result;
  for (;;) {
    amqp_envelope_t envelope;
    amqp_maybe_release_buffers(conn);
    result = amqp_consume_message(conn, &envelope, NULL, 0);
    if (result.reply_type != AMQP_RESPONSE_NORMAL) break;
    answer_and_ack(conn, envelope.channel, &envelope);
    amqp_destroy_envelope(&envelope);
  }
  fprintf(stderr, "rpc_server_single: consume failed (reply type %d, library error %d)\n",
          result.reply_type, result.library_error);
  return 1;
}
