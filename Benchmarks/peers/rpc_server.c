/* A tutorial-six RPC server on rabbitmq-c, for side-by-side benchmarks: W worker threads,
 * each with its own connection, prefetch P, manual ack after publishing the reply.
 * Usage: rpc_server HOST PORT QUEUE WORKERS [PREFETCH] */
#include <pthread.h>

#include "common.h"

static const char *host, *queue;
static int port, prefetch = 1;

static void *worker(void *unused) {
  (void)unused;
  amqp_connection_state_t conn = open_connection(host, port);
  amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue), 0, 0, 0, 0, amqp_empty_table);
  die_on_error(amqp_get_rpc_reply(conn), "queue.declare");
  amqp_basic_qos(conn, 1, 0, (uint16_t)prefetch, 0);
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  die_on_error(amqp_get_rpc_reply(conn), "basic.consume");
  for (;;) {
    amqp_envelope_t envelope;
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t result = amqp_consume_message(conn, &envelope, NULL, 0);
    if (result.reply_type != AMQP_RESPONSE_NORMAL) break;
    answer_and_ack(conn, 1, &envelope);
    amqp_destroy_envelope(&envelope);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s HOST PORT QUEUE WORKERS [PREFETCH]\n", argv[0]);
    return 2;
  }
  host = argv[1];
  port = atoi(argv[2]);
  queue = argv[3];
  int workers = atoi(argv[4]);
  if (argc > 5) prefetch = atoi(argv[5]);
  pthread_t threads[256];
  for (int i = 0; i < workers && i < 256; i++) pthread_create(&threads[i], NULL, worker, NULL);
  printf("ready\n");
  fflush(stdout);
  for (int i = 0; i < workers && i < 256; i++) pthread_join(threads[i], NULL);
  return 0;
}
