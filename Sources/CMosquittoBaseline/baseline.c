#include "CMosquittoBaseline.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct {
    char request_topic[256];
    char response_topic[256];
    struct mosquitto *requester;
    struct mosquitto *responder;
    unsigned char *payload;
    int payload_size;
    int count;
    int window;
    int sent;
    int received;
    uint64_t started;
    uint64_t sent_at;
    uint64_t *rtt_ns;
    int subscribed;
    bool done;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} bench_t;

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int count, const int *granted) {
    (void)m; (void)mid; (void)count; (void)granted;
    bench_t *b = obj;
    pthread_mutex_lock(&b->mutex);
    b->subscribed++;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mutex);
}

/// The responder: publish the request's payload back on the response topic, from the callback.
static void on_request(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
    bench_t *b = obj;
    mosquitto_publish(m, NULL, b->response_topic, msg->payloadlen, msg->payload, 1, false);
}

static void send_request(bench_t *b) {
    b->sent++;
    b->sent_at = now_ns();
    mosquitto_publish(b->requester, NULL, b->request_topic, b->payload_size, b->payload, 1, false);
}

/// The requester: record the round trip, then send the next request from the callback.
static void on_response(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
    (void)m; (void)msg;
    bench_t *b = obj;
    uint64_t now = now_ns();
    pthread_mutex_lock(&b->mutex);
    if (b->rtt_ns != NULL && b->received < b->count) b->rtt_ns[b->received] = now - b->sent_at;
    b->received++;
    if (b->sent < b->count) {
        send_request(b);
    } else if (b->received >= b->count) {
        b->done = true;
        pthread_cond_broadcast(&b->cond);
    }
    pthread_mutex_unlock(&b->mutex);
}

static struct mosquitto *make_client(bench_t *b, const char *id, int protocol_version,
                                     void (*on_message)(struct mosquitto *, void *, const struct mosquitto_message *),
                                     const char *host, int port, int *rc) {
    struct mosquitto *m = mosquitto_new(id, true, b);
    if (m == NULL) { *rc = MOSQ_ERR_NOMEM; return NULL; }
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, protocol_version == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, 1000);
    mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, 1000);
    mosquitto_max_inflight_messages_set(m, 1000);
    mosquitto_message_callback_set(m, on_message);
    mosquitto_subscribe_callback_set(m, on_subscribe);
    *rc = mosquitto_connect(m, host, port, 30);
    if (*rc != MOSQ_ERR_SUCCESS) { mosquitto_destroy(m); return NULL; }
    *rc = mosquitto_loop_start(m);
    if (*rc != MOSQ_ERR_SUCCESS) { mosquitto_destroy(m); return NULL; }
    return m;
}

static bool wait_until(bench_t *b, bool (*condition)(bench_t *), int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&b->mutex);
    int rc = 0;
    while (!condition(b) && rc == 0) rc = pthread_cond_timedwait(&b->cond, &b->mutex, &deadline);
    bool ok = condition(b);
    pthread_mutex_unlock(&b->mutex);
    return ok;
}

static bool both_subscribed(bench_t *b) { return b->subscribed >= 2; }
static bool finished(bench_t *b) { return b->done; }

static void close_client(struct mosquitto *m) {
    if (m == NULL) return;
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
}

static int run(const char *host, int port, int protocol_version, const char *prefix, int count, int window,
               int payload_size, uint64_t *rtt_ns, uint64_t *total_ns, char *error, int error_size) {
    mosquitto_lib_init();
    bench_t b;
    memset(&b, 0, sizeof b);
    pthread_mutex_init(&b.mutex, NULL);
    pthread_cond_init(&b.cond, NULL);
    snprintf(b.request_topic, sizeof b.request_topic, "%s/request", prefix);
    snprintf(b.response_topic, sizeof b.response_topic, "%s/response", prefix);
    b.count = count;
    b.window = window < 1 ? 1 : window;
    b.rtt_ns = rtt_ns;
    b.payload_size = payload_size;
    b.payload = malloc((size_t)payload_size);
    memset(b.payload, 'x', (size_t)payload_size);

    int rc = 0;
    char id[300];
    snprintf(id, sizeof id, "%s-responder", prefix);
    b.responder = make_client(&b, id, protocol_version, on_request, host, port, &rc);
    if (b.responder != NULL) {
        snprintf(id, sizeof id, "%s-requester", prefix);
        b.requester = make_client(&b, id, protocol_version, on_response, host, port, &rc);
    }
    if (rc == MOSQ_ERR_SUCCESS) {
        mosquitto_subscribe(b.responder, NULL, b.request_topic, 1);
        mosquitto_subscribe(b.requester, NULL, b.response_topic, 1);
        if (!wait_until(&b, both_subscribed, 10)) {
            rc = -1;
            snprintf(error, (size_t)error_size, "no SUBACK within 10 s");
        }
    } else {
        snprintf(error, (size_t)error_size, "%s", mosquitto_strerror(rc));
    }
    if (rc == MOSQ_ERR_SUCCESS) {
        b.started = now_ns();
        // The first requests go out from here; every further one from the response callback.
        pthread_mutex_lock(&b.mutex);
        for (int i = 0; i < b.window && i < count; i++) send_request(&b);
        pthread_mutex_unlock(&b.mutex);
        if (!wait_until(&b, finished, 120)) {
            rc = -1;
            snprintf(error, (size_t)error_size, "only %d of %d responses within 120 s", b.received, count);
        }
        if (total_ns != NULL) *total_ns = now_ns() - b.started;
    }
    close_client(b.requester);
    close_client(b.responder);
    free(b.payload);
    pthread_cond_destroy(&b.cond);
    pthread_mutex_destroy(&b.mutex);
    return rc;
}

int ccb_raw_round_trips(const char *host, int port, int protocol_version, const char *prefix,
                        int count, int payload_size, uint64_t *rtt_ns, char *error, int error_size) {
    return run(host, port, protocol_version, prefix, count, 1, payload_size, rtt_ns, NULL, error, error_size);
}

int ccb_raw_pipelined(const char *host, int port, int protocol_version, const char *prefix,
                      int count, int window, int payload_size, uint64_t *total_ns, char *error, int error_size) {
    return run(host, port, protocol_version, prefix, count, window, payload_size, NULL, total_ns, error, error_size);
}
