// The Arduino/ESP32 example of the seed document (ai-chatroom-mqtt-integration.md, "Arduino/ESP32"), as printed
// there: a temperature "sensor" that joins the chat room and posts a reading every 30 s.
// Libraries: PubSubClient (Nick O'Leary) and ArduinoJson 6 (StaticJsonDocument), from the Arduino Library Manager.
// Set ssid, password and mqtt_server below. The product's broker must be reachable from the device: bind it to the
// LAN (MQTT_BIND=0.0.0.0) with an account (MQTT_USERNAME/MQTT_PASSWORD) and use client.connect(device_id, user, pass).
#include <WiFi.h>
#include <PubSubClient.h>
#include <ArduinoJson.h>

const char* ssid = "your_wifi_ssid";
const char* password = "your_wifi_password";
const char* mqtt_server = "your_mqtt_broker_ip";
const int mqtt_port = 1883;

WiFiClient espClient;
PubSubClient client(espClient);

const char* device_id = "esp32_sensor_001";
const char* device_name = "温度传感器";

void setup() {
    Serial.begin(115200);
    
    // 连接WiFi
    WiFi.begin(ssid, password);
    while (WiFi.status() != WL_CONNECTED) {
        delay(500);
        Serial.print(".");
    }
    Serial.println("WiFi connected");
    
    // 配置MQTT
    client.setServer(mqtt_server, mqtt_port);
    client.setCallback(onMqttMessage);
}

void loop() {
    if (!client.connected()) {
        reconnectMqtt();
    }
    client.loop();
    
    // 每30秒发送一次温度数据
    static unsigned long lastMsg = 0;
    unsigned long now = millis();
    if (now - lastMsg > 30000) {
        lastMsg = now;
        sendTemperature();
    }
}

void reconnectMqtt() {
    while (!client.connected()) {
        Serial.print("Attempting MQTT connection...");
        
        if (client.connect(device_id)) {
            Serial.println("connected");
            
            // 订阅消息
            client.subscribe("chatroom/messages/out");
            client.subscribe("chatroom/system");
            
            // 发送加入消息
            joinChat();
        } else {
            Serial.print("failed, rc=");
            Serial.print(client.state());
            Serial.println(" try again in 5 seconds");
            delay(5000);
        }
    }
}

void joinChat() {
    StaticJsonDocument<200> doc;
    doc["client_id"] = device_id;
    doc["username"] = device_name;
    
    String message;
    serializeJson(doc, message);
    
    client.publish("chatroom/users/join", message.c_str());
    Serial.println("Joined chat room");
}

void sendTemperature() {
    // 模拟温度读取
    float temperature = 20.0 + random(0, 100) / 10.0;
    
    StaticJsonDocument<300> doc;
    doc["client_id"] = device_id;
    doc["username"] = device_name;
    doc["message"] = String("当前温度: ") + String(temperature, 1) + "°C";
    
    String message;
    serializeJson(doc, message);
    
    client.publish("chatroom/messages/in", message.c_str());
    
    Serial.print("Temperature sent: ");
    Serial.println(temperature);
}

void onMqttMessage(char* topic, byte* payload, unsigned int length) {
    String message;
    for (int i = 0; i < length; i++) {
        message += (char)payload[i];
    }
    
    Serial.print("Message received [");
    Serial.print(topic);
    Serial.print("]: ");
    Serial.println(message);
}
