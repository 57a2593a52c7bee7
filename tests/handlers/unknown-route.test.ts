import { expect } from "chai";
import { unknownRouteHandler } from "../../handlers/unknown-route";
import { messageEvent } from "../support/events";

describe("unknown-route handler ($default)", () => {
    it("names the known routes, sorted, and the selection expression", async () => {
        const handler = unknownRouteHandler("$request.body.action", ["test", "join"]);
        const reply = await handler(messageEvent('{"action":"nope"}', { routeKey: "$default" }));
        expect(reply.statusCode).to.equal(400);
        const body = JSON.parse(reply.body) as { error: string; message: string; routes: string[] };
        expect(body.error).to.equal("UnknownRoute");
        expect(body.routes).to.deep.equal(["join", "test"]);
        expect(body.message).to.equal(
            "No route matches this message. Routes are selected by $request.body.action; known routes: join, test.",
        );
    });
});
