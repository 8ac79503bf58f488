#!/usr/bin/env python3
"""A tutorial-style pika RPC client with K calls in flight, for side-by-side benchmarks.

Usage: pika_rpc_bench.py QUEUE INFLIGHT COUNT WARMUP N   (AMQP_URL selects the broker)
Prints one JSON line like rpc-bench --json.
"""
import json
import os
import resource
import sys
import time

import pika

queue, inflight, count, warmup, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
total = count + warmup
params = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
connection = pika.BlockingConnection(params)
channel = connection.channel()
reply_to = channel.queue_declare(queue="", exclusive=True).method.queue
sent_at, latencies = {}, []
state = {"next": 0, "replied": 0, "start": 0.0, "cpu": 0.0}


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def publish():
    index = state["next"]
    state["next"] += 1
    sent_at[str(index)] = time.perf_counter()
    channel.basic_publish(
        exchange="", routing_key=queue, body=n,
        properties=pika.BasicProperties(reply_to=reply_to, correlation_id=str(index)))


def on_reply(ch, method, props, body):
    now = time.perf_counter()
    index = int(props.correlation_id)
    if index >= warmup:
        latencies.append((now - sent_at.pop(props.correlation_id)) * 1e6)
    state["replied"] += 1
    if state["replied"] == warmup:
        state["start"], state["cpu"] = now, cpu()
    if state["next"] < total:
        publish()
    if state["replied"] == total:
        ch.stop_consuming()


channel.basic_consume(queue=reply_to, on_message_callback=on_reply, auto_ack=True)
for _ in range(min(inflight, total)):
    publish()
channel.start_consuming()
seconds, used = time.perf_counter() - state["start"], cpu() - state["cpu"]
latencies.sort()
print(json.dumps({
    "rpcs": len(latencies), "seconds": round(seconds, 3), "rpc_per_s": round(len(latencies) / seconds, 1),
    "p50_us": round(latencies[len(latencies) // 2]), "p99_us": round(latencies[int(len(latencies) * 0.99)]),
    "max_us": round(latencies[-1]), "client_cpu_s": round(used, 3),
    "cpu_us_per_rpc": round(used * 1e6 / len(latencies), 1),
}))
