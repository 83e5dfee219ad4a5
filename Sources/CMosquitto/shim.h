#ifndef C_MOSQUITTO_SHIM_H
#define C_MOSQUITTO_SHIM_H

// mosquitto.h does not include mqtt_protocol.h; the MQTT_PROP_* and reason-code
// constants come from there.
#include <mosquitto.h>
#include <mqtt_protocol.h>

#endif
