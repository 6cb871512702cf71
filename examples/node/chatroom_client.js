// The Node.js client of the seed document (ai-chatroom-mqtt-integration.md, "Node.js客户端"), as printed there.
// The one change: the broker's address comes from MQTT_HOST / MQTT_PORT (default localhost:1883, as the seed).
const mqtt = require('mqtt');

class ChatRoomMQTTClient {
    constructor(clientId, username, brokerHost = 'localhost', brokerPort = 1883) {
        this.clientId = clientId;
        this.username = username;
        this.brokerUrl = `mqtt://${brokerHost}:${brokerPort}`;
        
        // 创建MQTT客户端
        this.client = mqtt.connect(this.brokerUrl);
        
        // 设置事件监听器
        this.client.on('connect', this.onConnect.bind(this));
        this.client.on('message', this.onMessage.bind(this));
        this.client.on('error', this.onError.bind(this));
    }
    
    onConnect() {
        console.log(`✅ 连接成功: ${this.brokerUrl}`);
        
        // 订阅输出主题
        this.client.subscribe(['chatroom/messages/out', 'chatroom/system']);
        
        // 发送用户加入消息
        this.joinChat();
    }
    
    onMessage(topic, message) {
        const payload = message.toString();
        
        try {
            const msgData = JSON.parse(payload);
            console.log(`📨 [${topic}]`, JSON.stringify(msgData, null, 2));
        } catch (e) {
            console.log(`📨 [${topic}] ${payload}`);
        }
    }
    
    onError(error) {
        console.error(`❌ MQTT错误: ${error}`);
    }
    
    joinChat() {
        const joinMsg = {
            client_id: this.clientId,
            username: this.username
        };
        this.client.publish('chatroom/users/join', JSON.stringify(joinMsg));
        console.log(`👋 ${this.username} 已加入聊天室`);
    }
    
    leaveChat() {
        const leaveMsg = {
            client_id: this.clientId
        };
        this.client.publish('chatroom/users/leave', JSON.stringify(leaveMsg));
        console.log(`👋 ${this.username} 已离开聊天室`);
    }
    
    sendMessage(message) {
        const msgData = {
            client_id: this.clientId,
            username: this.username,
            message: message
        };
        this.client.publish('chatroom/messages/in', JSON.stringify(msgData));
        console.log(`📤 发送消息: ${message}`);
    }
    
    disconnect() {
        this.leaveChat();
        this.client.end();
        console.log('🔌 连接已断开');
    }
}

// 使用示例
const client = new ChatRoomMQTTClient('nodejs_client_001', 'Node.js用户',
    process.env.MQTT_HOST || 'localhost', Number(process.env.MQTT_PORT || 1883));

// 发送测试消息
setTimeout(() => {
    client.sendMessage('Hello from Node.js MQTT client!');
    client.sendMessage('这是来自Node.js的中文消息');
}, 2000);

// 优雅退出
process.on('SIGINT', () => {
    console.log('\\n正在断开连接...');
    client.disconnect();
    process.exit(0);
});
