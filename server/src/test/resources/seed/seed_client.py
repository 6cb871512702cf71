# The seed document's Python client (ai-chatroom-mqtt-integration.md), unchanged but for the non-interactive main
# below: it connects, joins, sends two messages and prints what the room sends back, then leaves.
import paho.mqtt.client as mqtt
import json
import sys
import time


class ChatRoomMQTTClient:
    def __init__(self, client_id, username, broker_host="localhost", broker_port=1883):
        self.client_id = client_id
        self.username = username
        self.broker_host = broker_host
        self.broker_port = broker_port
        self.received = []
        self.client = mqtt.Client()
        self.client.on_connect = self.on_connect
        self.client.on_message = self.on_message

    def on_connect(self, client, userdata, flags, rc):
        if rc == 0:
            client.subscribe("chatroom/messages/out")
            client.subscribe("chatroom/system")
            self.join_chat()

    def on_message(self, client, userdata, message):
        payload = message.payload.decode('utf-8')
        msg_data = json.loads(payload)
        self.received.append((message.topic, msg_data))
        print(f"[{message.topic}] {json.dumps(msg_data, ensure_ascii=False)}", flush=True)

    def connect(self):
        self.client.connect(self.broker_host, self.broker_port, 60)
        self.client.loop_start()
        return True

    def disconnect(self):
        self.leave_chat()
        time.sleep(0.3)
        self.client.loop_stop()
        self.client.disconnect()

    def join_chat(self):
        join_msg = {"client_id": self.client_id, "username": self.username}
        self.client.publish("chatroom/users/join", json.dumps(join_msg, ensure_ascii=False))

    def leave_chat(self):
        self.client.publish("chatroom/users/leave", json.dumps({"client_id": self.client_id}, ensure_ascii=False))

    def send_message(self, message):
        msg_data = {"client_id": self.client_id, "username": self.username, "message": message}
        self.client.publish("chatroom/messages/in", json.dumps(msg_data, ensure_ascii=False))


if __name__ == "__main__":
    client = ChatRoomMQTTClient("python_client_001", "Python用户", "127.0.0.1", int(sys.argv[1]))
    client.connect()
    time.sleep(1.0)
    client.send_message("Hello from Python MQTT client!")
    client.send_message("这是中文消息测试")
    deadline = time.time() + 10
    while time.time() < deadline:
        contents = [m.get("content") for t, m in client.received if t == "chatroom/messages/out"]
        if "这是中文消息测试" in contents:
            break
        time.sleep(0.1)
    client.disconnect()
