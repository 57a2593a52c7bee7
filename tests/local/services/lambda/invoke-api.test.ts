import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { INVOKE_PAYLOAD_LIMITS, InvokeApi } from "../../../../local/services/lambda/invoke-api";
import { TEST_CREDENTIALS } from "../../../support/dynamo";
import { RecordingInvoker } from "../../../support/recording-invoker";

describe("local Lambda Invoke API (B30–B32)", () => {
    const invoker = new RecordingInvoker();
    let api: InvokeApi;
    let lambda: LambdaClient;
    before(async () => {
        api = await InvokeApi.start(invoker, { port: 0, region: "us-east-1", accountId: "000000000000" });
        lambda = new LambdaClient({ endpoint: api.endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    });
    after(async () => {
        lambda.destroy();
        await api.stop();
    });
    beforeEach(() => invoker.reset());

    const invoke = (input: Partial<ConstructorParameters<typeof InvokeCommand>[0]>) =>
        lambda.send(new InvokeCommand({ FunctionName: "worker", ...input })).then(
            (out) => ({
                status: out.StatusCode,
                functionError: out.FunctionError,
                payload: out.Payload ? Buffer.from(out.Payload).toString() : "",
            }),
            (err: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
                error: err.name,
                message: err.message,
                status: err.$metadata?.httpStatusCode,
            }),
        );

    it("runs RequestResponse invocations and returns the result, or the error with X-Amz-Function-Error", async () => {
        expect(await invoke({ Payload: Buffer.from("{}") })).to.deep.equal({
            status: 200,
            functionError: undefined,
            payload: '{"answered":true}',
        });
        invoker.result = { ok: false, error: { errorType: "Error", errorMessage: "boom" }, durationMs: 1 };
        expect(await invoke({ Payload: Buffer.from("{}") })).to.deep.equal({
            status: 200,
            functionError: "Unhandled",
            payload: '{"errorType":"Error","errorMessage":"boom"}',
        });
    });

    it("accepts Event invocations with 202 and hands them to the asynchronous queue; DryRun runs nothing", async () => {
        expect(await invoke({ InvocationType: "Event", Payload: Buffer.from('{"a":1}') })).to.deep.include({ status: 202 });
        expect(await invoke({ InvocationType: "DryRun" })).to.deep.include({ status: 204 });
        expect(invoker.asyncEvents).to.deep.equal([{ name: "worker", event: { a: 1 } }]);
    });

    it("finds functions by ARN and refuses unknown functions and qualifiers with 404", async () => {
        expect(await invoke({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:worker" })).to.deep.include({
            status: 200,
        });
        expect(await invoke({ FunctionName: "nope" })).to.deep.equal({
            error: "ResourceNotFoundException",
            status: 404,
            message: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
        });
        expect(await invoke({ Qualifier: "prod" })).to.deep.include({ error: "ResourceNotFoundException", status: 404 });
    });

    it("refuses a body that is not JSON, and an oversized one, losing nothing already queued", async () => {
        expect(await invoke({ InvocationType: "Event", Payload: Buffer.from("{not json") })).to.deep.include({
            error: "InvalidRequestContentException",
            status: 400,
        });
        expect(await invoke({ InvocationType: "Event", Payload: Buffer.alloc(INVOKE_PAYLOAD_LIMITS.Event + 1, 0x20) })).to.deep.include({
            error: "RequestTooLargeException",
            status: 413,
        });
        expect(
            await invoke({
                InvocationType: "Event",
                Payload: Buffer.from(JSON.stringify({ pad: "x".repeat(INVOKE_PAYLOAD_LIMITS.Event - 20) })),
            }),
        ).to.deep.include({ status: 202 });
        expect(invoker.asyncEvents).to.have.length(1);
    });

    it("answers other operations with a clear 404", async () => {
        const response = await fetch(`${api.endpoint}/2015-03-31/functions`, { method: "GET" });
        expect(response.status).to.equal(404);
        expect(response.headers.get("x-amzn-errortype")).to.equal("UnknownOperationException");
        expect(((await response.json()) as { message: string }).message).to.match(/serves Invoke only/);
    });
});
