/* A tutorial-six RPC client on rabbitmq-c with K calls in flight, for side-by-side
 * benchmarks. Prints one JSON line like rpc-bench --json.
 * Usage: rpc_client HOST PORT QUEUE INFLIGHT COUNT WARMUP N */
#include <sys/resource.h>

#include "common.h"

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: %s HOST PORT QUEUE INFLIGHT COUNT WARMUP N\n", argv[0]);
    return 2;
  }
  const char *queue = argv[3];
  int inflight = atoi(argv[4]), count = atoi(argv[5]), warmup = atoi(argv[6]);
  const char *n = argv[7];
  int total = count + warmup;
  amqp_connection_state_t conn = open_connection(argv[1], atoi(argv[2]));
  amqp_queue_declare_ok_t *declared =
      amqp_queue_declare(conn, 1, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
  die_on_error(amqp_get_rpc_reply(conn), "queue.declare");
  amqp_bytes_t reply_to = amqp_bytes_malloc_dup(declared->queue);
  amqp_basic_consume(conn, 1, reply_to, amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
  die_on_error(amqp_get_rpc_reply(conn), "basic.consume");

  double *sent_at = calloc((size_t)total, sizeof(double));
  double *latency = calloc((size_t)count, sizeof(double));
  int next = 0, replied = 0, measured = 0;
  double start = 0, cpu_start = 0;
  char id[24];
  amqp_basic_properties_t props;
  props._flags = AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
  props.reply_to = reply_to;
  for (; next < inflight && next < total; next++) {
    snprintf(id, sizeof id, "%d", next);
    props.correlation_id = amqp_cstring_bytes(id);
    sent_at[next] = now_seconds();
    amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &props,
                       amqp_cstring_bytes(n));
  }
  while (replied < total) {
    amqp_envelope_t envelope;
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t result = amqp_consume_message(conn, &envelope, NULL, 0);
    if (result.reply_type != AMQP_RESPONSE_NORMAL) {
      fprintf(stderr, "consume failed\n");
      return 1;
    }
    char key[24] = {0};
    size_t length = envelope.message.properties.correlation_id.len;
    memcpy(key, envelope.message.properties.correlation_id.bytes, length < 23 ? length : 23);
    int index = atoi(key);
    double now = now_seconds();
    if (index >= warmup && measured < count) latency[measured++] = (now - sent_at[index]) * 1e6;
    amqp_destroy_envelope(&envelope);
    replied++;
    if (replied == warmup) {
      start = now;
      cpu_start = cpu_seconds();
    }
    if (next < total) {
      snprintf(id, sizeof id, "%d", next);
      props.correlation_id = amqp_cstring_bytes(id);
      sent_at[next] = now_seconds();
      amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &props,
                         amqp_cstring_bytes(n));
      next++;
    }
  }
  double seconds = now_seconds() - start, cpu = cpu_seconds() - cpu_start;
  qsort(latency, (size_t)measured, sizeof(double), compare);
  printf("{\"rpcs\": %d, \"seconds\": %.3f, \"rpc_per_s\": %.1f, \"p50_us\": %.0f, \"p99_us\": %.0f, "
         "\"max_us\": %.0f, \"client_cpu_s\": %.3f, \"cpu_us_per_rpc\": %.1f}\n",
         measured, seconds, measured / seconds, latency[measured / 2], latency[(int)(measured * 0.99)],
         latency[measured - 1], cpu, cpu * 1e6 / measured);
  return 0;
}
