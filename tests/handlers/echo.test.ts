import { expect } from "chai";
import { ECHO_PREFIX, echoHandler } from "../../handlers/echo";
import { MAX_MESSAGE_BYTES } from "../../handlers/message";
import { messageEvent } from "../support/events";

const send = (body: string | undefined, isBase64Encoded = false) => echoHandler(messageEvent(body, { isBase64Encoded }));
const errorOf = (reply: { body: string }) => JSON.parse(reply.body) as { error: string; message: string };

describe("echo handler", () => {
    it("echoes the message: the seed's exact reply", async () => {
        expect(await send('{"action":"test","echo":"hi"}')).to.deep.equal({ statusCode: 200, body: "Echoing your message: hi" });
    });

    it("defaults a missing echo to the empty string", async () => {
        expect(await send('{"action":"test"}')).to.deep.equal({ statusCode: 200, body: ECHO_PREFIX });
    });

    it("keeps unicode intact: accents, CJK, emoji, right-to-left, escapes", async () => {
        const text = 'héllo 世界 👋🏽 שלום \u0000 "quoted" \\';
        const reply = await send(JSON.stringify({ action: "test", echo: text }));
        expect(reply).to.deep.equal({ statusCode: 200, body: ECHO_PREFIX + text });
    });

    it("answers malformed JSON with a 400 that says so", async () => {
        const reply = await send('{"action":"test","echo":');
        expect(reply.statusCode).to.equal(400);
        expect(errorOf(reply)).to.deep.include({ error: "InvalidMessage" });
        expect(errorOf(reply).message).to.match(/not valid JSON/);
    });

    for (const body of ["[1,2]", '"hi"', "42", "null", "true"]) {
        it(`rejects the non-object JSON body ${body}`, async () => {
            const reply = await send(body);
            expect(reply.statusCode).to.equal(400);
            expect(errorOf(reply).message).to.match(/must be a JSON object/);
        });
    }

    for (const [label, echo] of [
        ["number", 42],
        ["object", { a: 1 }],
        ["array", ["hi"]],
        ["boolean", false],
        ["null", null],
    ] as const) {
        it(`rejects a ${label} echo and names its type`, async () => {
            const reply = await send(JSON.stringify({ action: "test", echo }));
            expect(reply.statusCode).to.equal(400);
            expect(errorOf(reply).message).to.equal(`"echo" must be a string, not ${label === "array" ? "object" : label}.`);
        });
    }

    it("rejects empty and whitespace-only bodies, and a missing body", async () => {
        for (const body of ["", "   \n", undefined]) {
            const reply = await send(body);
            expect(reply.statusCode, JSON.stringify(body)).to.equal(400);
            expect(errorOf(reply).message).to.match(/empty/);
        }
    });

    it("decodes a base64 body that is UTF-8 JSON", async () => {
        const body = Buffer.from(JSON.stringify({ action: "test", echo: "bäse64 ✓" })).toString("base64");
        expect(await send(body, true)).to.deep.equal({ statusCode: 200, body: `${ECHO_PREFIX}bäse64 ✓` });
    });

    it("rejects a base64 body that is binary, not UTF-8", async () => {
        const reply = await send(Buffer.from([0xff, 0xfe, 0x00, 0x81, 0xc3]).toString("base64"), true);
        expect(reply.statusCode).to.equal(400);
        expect(errorOf(reply).message).to.match(/Binary messages are not supported/);
    });

    it("echoes a message of exactly 128 KB, API Gateway's largest", async () => {
        const envelope = JSON.stringify({ action: "test", echo: "" });
        const room = MAX_MESSAGE_BYTES - Buffer.byteLength(envelope);
        const echo = "é".repeat(Math.floor(room / 2)) + "x".repeat(room % 2);
        const body = JSON.stringify({ action: "test", echo });
        expect(Buffer.byteLength(body)).to.equal(MAX_MESSAGE_BYTES);
        const reply = await send(body);
        expect(reply.statusCode).to.equal(200);
        expect(reply.body).to.equal(ECHO_PREFIX + echo);
    });

    it("answers 413 for a body over 128 KB instead of an echo API Gateway would drop", async () => {
        const reply = await send(JSON.stringify({ action: "test", echo: "x".repeat(MAX_MESSAGE_BYTES) }));
        expect(reply.statusCode).to.equal(413);
        expect(errorOf(reply).error).to.equal("MessageTooLarge");
    });

    it("answers 413 when escapes make a small message's echo larger than 128 KB", async () => {
        // "\u0800" is 6 bytes of JSON but 3 of UTF-8: the body fits, yet prefix + echo can still exceed the limit.
        const echo = "\u0800".repeat(Math.floor(MAX_MESSAGE_BYTES / 3));
        const body = JSON.stringify({ action: "test", echo }).replace(/\u0800/g, "\\u0800");
        const reply = await send(body);
        expect(Buffer.byteLength(body)).to.be.above(MAX_MESSAGE_BYTES);
        expect(reply.statusCode).to.equal(413);
    });

    it("never throws on hostile input", async () => {
        const hostile = [
            "{",
            "\u0000",
            '{"__proto__":{"echo":"x"}}',
            '{"echo":"' + "\\\\".repeat(1000) + '"}',
            "\ud800",
            "[]".repeat(10_000),
        ];
        for (const body of hostile) {
            const reply = await send(body);
            expect(reply.statusCode, body.slice(0, 20)).to.be.a("number");
            expect(reply.body).to.be.a("string");
        }
        const proto = await send('{"__proto__":{"echo":"polluted"}}');
        expect(proto.body).to.equal(ECHO_PREFIX);
    });
});
