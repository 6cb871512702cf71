# The Python client of the seed document (ai-chatroom-mqtt-integration.md, "Python客户端 (paho-mqtt)"), as printed
# there. The one change: the broker's address comes from MQTT_HOST / MQTT_PORT (default localhost:1883, as the seed).
import paho.mqtt.client as mqtt
import json
import os
from datetime import datetime

class ChatRoomMQTTClient:
    def __init__(self, client_id, username, broker_host="localhost", broker_port=1883):
        self.client_id = client_id
        self.username = username
        self.broker_host = broker_host
        self.broker_port = broker_port
        
        # 创建MQTT客户端
        self.client = mqtt.Client()
        self.client.on_connect = self.on_connect
        self.client.on_message = self.on_message
        
    def on_connect(self, client, userdata, flags, rc):
        if rc == 0:
            print(f"✅ 连接成功: {self.broker_host}:{self.broker_port}")
            
            # 订阅输出主题
            client.subscribe("chatroom/messages/out")
            client.subscribe("chatroom/system")
            
            # 发送用户加入消息
            self.join_chat()
        else:
            print(f"❌ 连接失败，错误代码: {rc}")
    
    def on_message(self, client, userdata, message):
        topic = message.topic
        payload = message.payload.decode('utf-8')
        
        try:
            msg_data = json.loads(payload)
            print(f"📨 [{topic}] {json.dumps(msg_data, ensure_ascii=False, indent=2)}")
        except json.JSONDecodeError:
            print(f"📨 [{topic}] {payload}")
    
    def connect(self):
        """连接到MQTT代理"""
        try:
            self.client.connect(self.broker_host, self.broker_port, 60)
            self.client.loop_start()
            return True
        except Exception as e:
            print(f"❌ 连接异常: {e}")
            return False
    
    def disconnect(self):
        """断开连接"""
        self.leave_chat()
        self.client.loop_stop()
        self.client.disconnect()
    
    def join_chat(self):
        """加入聊天室"""
        join_msg = {
            "client_id": self.client_id,
            "username": self.username
        }
        self.client.publish("chatroom/users/join", json.dumps(join_msg, ensure_ascii=False))
        print(f"👋 {self.username} 已加入聊天室")
    
    def leave_chat(self):
        """离开聊天室"""
        leave_msg = {
            "client_id": self.client_id
        }
        self.client.publish("chatroom/users/leave", json.dumps(leave_msg, ensure_ascii=False))
        print(f"👋 {self.username} 已离开聊天室")
    
    def send_message(self, message):
        """发送消息"""
        msg_data = {
            "client_id": self.client_id,
            "username": self.username,
            "message": message
        }
        self.client.publish("chatroom/messages/in", json.dumps(msg_data, ensure_ascii=False))
        print(f"📤 发送消息: {message}")

# 使用示例
if __name__ == "__main__":
    client = ChatRoomMQTTClient("python_client_001", "Python用户",
                                os.environ.get("MQTT_HOST", "localhost"), int(os.environ.get("MQTT_PORT", "1883")))
    
    if client.connect():
        try:
            # 发送一些测试消息
            client.send_message("Hello from Python MQTT client!")
            client.send_message("这是中文消息测试")
            
            # 保持连接，接收消息
            input("按回车键断开连接...")
        finally:
            client.disconnect()
