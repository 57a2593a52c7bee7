import {
    ApiGatewayManagementApiClient,
    ApiGatewayManagementApiServiceException,
    PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { expect } from "chai";
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createConnectionPoster } from "../../handlers/connection-poster";

interface Received {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

interface Answer {
    status: number;
    headers?: OutgoingHttpHeaders;
    body?: string;
}

/** A loopback server that records each request and gives the answer set for it. */
class AnsweringServer {
    readonly received: Received[] = [];
    sockets = 0;
    answer: Answer = { status: 200 };
    private server?: Server;

    async start(): Promise<string> {
        this.server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (chunk: Buffer) => chunks.push(chunk));
            req.on("end", () => {
                this.received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
                res.writeHead(this.answer.status, { "x-amzn-RequestId": `request-${this.received.length}`, ...this.answer.headers });
                res.end(this.answer.body ?? "");
            });
        });
        this.server.on("connection", () => this.sockets++);
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/dev`;
    }

    async stop(): Promise<void> {
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}

const CREDENTIALS = { accessKeyId: "ASIAPOSTERTEST", secretAccessKey: "secret", sessionToken: "session-token" };

/** What a caller can see of an error: the fields retries, cleanup and logs read, and whether it is a service exception. */
function visible(err: unknown) {
    const e = err as Error & { $fault?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    return {
        serviceException: err instanceof ApiGatewayManagementApiServiceException,
        name: e.name,
        message: e.message.split("\n")[0],
        fault: e.$fault,
        status: e.$metadata?.httpStatusCode,
        requestId: e.$metadata?.requestId,
    };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (err) {
        return err;
    }
    throw new Error("expected the post to fail");
}

describe("connection poster: PostToConnection signed by the SDK's signer, sent without its middleware", () => {
    let server: AnsweringServer;
    let endpoint: string;
    let client: ApiGatewayManagementApiClient;
    beforeEach(async () => {
        server = new AnsweringServer();
        endpoint = await server.start();
        client = new ApiGatewayManagementApiClient({ endpoint, region: "eu-west-1", credentials: CREDENTIALS, maxAttempts: 1 });
    });
    afterEach(async () => {
        client.destroy();
        await server.stop();
    });

    it("sends the SDK's request: method, encoded path, body and content type", async () => {
        const data = Buffer.from([0, 1, 2, 255, 0x7b]);
        const id = "a+b/c=!'()*";
        await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
        await createConnectionPoster(client, endpoint, 4)(id, data);
        const [sdk, ours] = server.received;
        expect(ours.method).to.equal(sdk.method);
        expect(ours.url).to.equal(sdk.url);
        expect(ours.body.equals(sdk.body)).to.equal(true);
        for (const header of ["content-type", "content-length", "host", "x-amz-security-token", "x-amz-content-sha256"]) {
            expect(ours.headers[header], header).to.equal(sdk.headers[header]);
        }
    });

    it("signs with SigV4 for execute-api, as a verifier re-signing the received request finds", async () => {
        await createConnectionPoster(client, endpoint, 4)("sig=", Buffer.from("hello"));
        const [received] = server.received;
        const authorization = String(received.headers.authorization);
        const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1].split(";");
        expect(authorization).to.match(/^AWS4-HMAC-SHA256 Credential=ASIAPOSTERTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
        expect(signedHeaders).to.include.members(["host", "x-amz-date", "x-amz-security-token", "content-type"]);
        // The verifier signs what arrived, with the same key and the request's own date.
        const verifier = await client.config.signer({
            name: "sigv4",
            signingName: "execute-api",
            signingRegion: "eu-west-1",
            properties: {},
        });
        const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(received.headers["x-amz-date"]))!;
        const [path] = received.url.split("?");
        const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(received.headers[name])]));
        const resigned = await verifier.sign(
            { method: "POST", protocol: "http:", hostname: "127.0.0.1", path, query: {}, headers, body: received.body },
            { signingDate: new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6])) },
        );
        expect(resigned.headers.authorization).to.equal(authorization);
    });

    // Each answer is given to the SDK and to the poster in turn: the errors must read the same.
    const answers: [string, Answer][] = [
        ["410 GoneException", { status: 410, headers: { "x-amzn-ErrorType": "GoneException" }, body: '{"message":"gone"}' }],
        ["410 with no body", { status: 410 }],
        [
            "403 with a Coral suffix",
            {
                status: 403,
                headers: { "x-amzn-ErrorType": "ForbiddenException:http://internal.amazon.com/coral/" },
                body: '{"Message":"Forbidden"}',
            },
        ],
        ["429 in lower case", { status: 429, headers: { "x-amzn-errortype": "LimitExceededException" }, body: '{"message":"Too many"}' }],
        ["413 named by __type", { status: 413, body: '{"__type":"com.amazonaws#PayloadTooLargeException","message":"big"}' }],
        ["500 with no body", { status: 500 }],
        [
            "500 unmodelled",
            { status: 500, headers: { "x-amzn-ErrorType": "InternalServerErrorException" }, body: '{"message":"Internal server error"}' },
        ],
        ["400 named by code", { status: 400, body: '{"code":"BadRequestException","message":"Invalid connectionId"}' }],
        ["502 HTML", { status: 502, headers: { "content-type": "text/html" }, body: "<html>bad gateway</html>" }],
        ["410 with a listed header", { status: 410, headers: { "x-amzn-ErrorType": "GoneException,Other" }, body: "{}" }],
        ["400 named by Code", { status: 400, body: '{"Code":"aws.protocols#BadRequestException","Message":"bad"}' }],
    ];
    for (const [title, answer] of answers) {
        it(`throws what the SDK throws for ${title}`, async () => {
            const poster = createConnectionPoster(client, endpoint, 4);
            server.answer = answer;
            const sdk = visible(await rejection(client.send(new PostToConnectionCommand({ ConnectionId: "x=", Data: Buffer.from("hi") }))));
            const ours = visible(await rejection(poster("x=", Buffer.from("hi"))));
            expect(ours).to.deep.equal({ ...sdk, requestId: "request-2" });
            expect(sdk.requestId).to.equal("request-1");
        });
    }

    it("corrects its clock from a refusal's Date header as the SDK's signer does, and signs the next post with it", async () => {
        const ahead = new Date(Date.now() + 10 * 60_000).toUTCString();
        server.answer = {
            status: 403,
            headers: { "x-amzn-ErrorType": "InvalidSignatureException", date: ahead },
            body: '{"message":"Signature expired"}',
        };
        await rejection(client.send(new PostToConnectionCommand({ ConnectionId: "x=", Data: Buffer.from("hi") })));
        const sdkOffset = client.config.systemClockOffset;
        client.config.systemClockOffset = 0;
        const poster = createConnectionPoster(client, endpoint, 1);
        await rejection(poster("x=", Buffer.from("hi")));
        expect(sdkOffset).to.be.within(595_000, 605_000);
        expect(client.config.systemClockOffset).to.be.within(sdkOffset - 2_000, sdkOffset + 2_000);
        server.answer = { status: 200 };
        await poster("x=", Buffer.from("hi"));
        const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(server.received.at(-1)!.headers["x-amz-date"]))!;
        const signed = Date.UTC(+signedAt[1], +signedAt[2] - 1, +signedAt[3], +signedAt[4], +signedAt[5], +signedAt[6]);
        expect(signed - Date.now()).to.be.within(590_000, 610_000);
    });

    it("keeps its clock when an answer was cached (Age), as the SDK does", async () => {
        const poster = createConnectionPoster(client, endpoint, 1);
        // Node's server dates every answer: this one says now, to the second.
        await poster("x=", Buffer.from("hi"));
        expect(Math.abs(client.config.systemClockOffset ?? 0)).to.be.below(1_500);
        server.answer = { status: 403, headers: { date: new Date(Date.now() + 3_600_000).toUTCString(), age: "10" }, body: "{}" };
        await rejection(poster("x=", Buffer.from("hi")));
        expect(Math.abs(client.config.systemClockOffset ?? 0)).to.be.below(1_500);
    });

    it("keeps its connections open: 60 posts, 3 at a time, over at most 3 sockets", async () => {
        const poster = createConnectionPoster(client, endpoint, 3);
        for (let i = 0; i < 20; i++)
            await Promise.all([poster(`a${i}=`, Buffer.from("x")), poster(`b${i}=`, Buffer.from("y")), poster(`c${i}=`, Buffer.from("z"))]);
        expect(server.received).to.have.length(60);
        expect(server.sockets).to.be.at.most(3);
    });

    it("rejects with a status-less network error when nothing answers, which the fan-out retries", async () => {
        const poster = createConnectionPoster(client, endpoint, 1);
        await server.stop();
        const err = (await rejection(poster("x=", Buffer.from("x")))) as NodeJS.ErrnoException & { $metadata?: unknown };
        expect(err.code).to.equal("ECONNREFUSED");
        expect(err.$metadata).to.equal(undefined);
    });

    it("refuses an endpoint that is not an http(s) URL, naming the expected form", () => {
        for (const endpoint of ["execute-api/dev", "ftp://host/dev", ""]) {
            expect(() => createConnectionPoster(client, endpoint, 1), endpoint).to.throw(
                /is not an http\(s\) URL; expected https:\/\/\{apiId\}\.execute-api/,
            );
        }
    });

    it("fails the post, and only it, when credentials cannot be resolved, and resolves them again for the next", async () => {
        let calls = 0;
        const flaky = new ApiGatewayManagementApiClient({
            endpoint,
            region: "eu-west-1",
            credentials: async () => {
                if (++calls === 1) throw new Error("credentials unavailable");
                return CREDENTIALS;
            },
        });
        try {
            const poster = createConnectionPoster(flaky, endpoint, 1);
            expect(String(await rejection(poster("x=", Buffer.from("x"))))).to.match(/credentials unavailable/);
            await poster("x=", Buffer.from("x"));
            expect(server.received).to.have.length(1);
        } finally {
            flaky.destroy();
        }
    });
});
