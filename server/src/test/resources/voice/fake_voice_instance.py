# A stand-in for another instance of the product on the broker (VoiceScaleOutIT): it announces itself as a voice
# instance with a retained message, leaves a will that clears it, and then does nothing until it is killed.
import json
import sys
import time

import paho.mqtt.client as mqtt

port, name, since = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
topic = "aichatroom/voice/instances/" + name
if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt 2
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name + "-presence")
else:
    client = mqtt.Client(client_id=name + "-presence")
client.will_set(topic, payload=None, qos=1, retain=True)
client.connect("127.0.0.1", port)
client.loop_start()
client.publish(topic, json.dumps({"client_id": name, "since": since}), qos=1, retain=True).wait_for_publish()
print("announced", flush=True)
while True:
    time.sleep(1)
