#ifndef C_MOSQUITTO_BASELINE_H
#define C_MOSQUITTO_BASELINE_H

#include <stdint.h>

/// The raw yardstick for `cc-bench mqtt`: a requester and a responder written straight
/// against libmosquitto's C API (each its own connection and mosquitto_loop_start thread),
/// replying and sending the next request from inside the message callbacks.
///
/// protocol_version: 5 or 4 (MQTT 3.1.1). Returns 0 on success, else a libmosquitto error
/// code (or -1 for a time-out), with a message in `error` (up to error_size bytes).

/// Sequential round trips: request on `{prefix}/request`, the responder republishes it on
/// `{prefix}/response`; writes each round trip's duration in nanoseconds to rtt_ns[0..<count].
int ccb_raw_round_trips(const char *host, int port, int protocol_version, const char *prefix,
                        int count, int payload_size, uint64_t *rtt_ns,
                        char *error, int error_size);

/// Pipelined round trips with `window` requests in flight; writes the wall time in
/// nanoseconds from the first request to the last response to total_ns.
int ccb_raw_pipelined(const char *host, int port, int protocol_version, const char *prefix,
                      int count, int window, int payload_size, uint64_t *total_ns,
                      char *error, int error_size);

#endif
