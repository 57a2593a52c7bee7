import { BroadcastWebSocket } from "../../components";
import { broadcasterFromEnvironment } from "../../handlers/broadcast";
import { sendMessageHandler } from "./send-message";

// A chat room: `sendmessage` broadcasts a line to everyone connected, and files put in the bucket are announced.
const chat = new BroadcastWebSocket("chat", {
    routes: {
        sendmessage: {
            handler: { factory: () => sendMessageHandler(broadcasterFromEnvironment()) },
            returnResponse: true,
        },
    },
});
chat.grantBroadcast("chat-sendmessage-broadcast", chat.websocket.routes.sendmessage);

export const url = chat.url;
export const bucketName = chat.bucketName;
