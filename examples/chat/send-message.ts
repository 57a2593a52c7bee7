import type { Broadcaster } from "../../handlers/broadcast";
import type { WebSocketEvent } from "../../handlers/events";
import { errorReply, parseJsonObjectMessage, type RouteReply } from "../../handlers/message";

/** Longest chat line accepted, in characters: the room's messages stay small whatever a client sends. */
export const MAX_CHAT_TEXT = 4000;

/**
 * `{"action":"sendmessage","data":"hello"}`: sends `{"type":"chat","from":…,"data":"hello","time":…}` to everyone
 * connected (the sender included) and answers the sender with how many received it, or with what was wrong.
 */
export function sendMessageHandler(broadcaster: Broadcaster) {
    return async (event: WebSocketEvent): Promise<RouteReply> => {
        const parsed = parseJsonObjectMessage(event);
        if (!parsed.ok) {
            return parsed.reply;
        }
        const data = parsed.message.data;
        if (typeof data !== "string" || data.trim() === "") {
            return errorReply(400, "InvalidMessage", '"data" must be a non-empty string.');
        }
        if (data.length > MAX_CHAT_TEXT) {
            return errorReply(413, "MessageTooLarge", `"data" is longer than ${MAX_CHAT_TEXT} characters.`);
        }
        const { requestContext } = event;
        const result = await broadcaster.broadcast(
            JSON.stringify({
                type: "chat",
                from: requestContext.connectionId,
                data,
                time: new Date(requestContext.requestTimeEpoch).toISOString(),
            }),
        );
        if (result.failed > 0) {
            console.error(JSON.stringify({ msg: "sendmessage: some posts failed", ...result }));
        }
        return { statusCode: 200, body: JSON.stringify({ type: "sent", delivered: result.delivered }) };
    };
}
